using DcosTls.Acme.Dns;
using DcosTls.Common;

namespace DcosTls.Acme;

/// <summary>
/// DNS-01 through RFC 2136: the TXT record _acme-challenge.&lt;name&gt; is added with a TSIG-signed
/// update, the challenge is answered only once the authoritative server serves it, and the record is
/// deleted afterwards whether the challenge passed, failed or the command was stopped (Ctrl+C). The
/// delete does not use the command's cancellation, which Ctrl+C has already fired: it has its own
/// bound. A record left by a killed process is removed by the next order through the same server.
/// </summary>
internal sealed class Dns01Solver : IAcmeChallengeSolver
{
    private static readonly TimeSpan VisibleWithin = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan CleanupWithin = TimeSpan.FromSeconds(5);
    private readonly DnsUpdateClient _dns;
    private readonly IPEndPoint _server;
    private readonly TsigKey _key;
    private readonly DnsChallengeJournal _journal;
    private readonly Action<string> _log;
    private readonly CancellationToken _cancel;

    internal Dns01Solver(IPEndPoint server, TsigKey key, string accountFolder, Action<string> log, CancellationToken cancel)
    {
        _dns = new DnsUpdateClient(server, key, cancel);
        _server = server;
        _key = key;
        _journal = new DnsChallengeJournal(accountFolder, server.ToString());
        _log = log;
        _cancel = cancel;
    }

    public string ChallengeType => "dns-01";

    public string Description => $"DNS-01 through {_dns.Server}";

    public IDisposable Publish(string identifier, string token, string keyAuthorization)
    {
        RemoveStale();
        string name = "_acme-challenge." + identifier.TrimEnd('.') + ".";
        string value = Base64Url.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(keyAuthorization)));
        string zone = _dns.FindZone(name);
        string noted = _journal.Note(zone, name, value);
        var cleanup = new Cleanup(() => Delete(zone, name, value, noted));
        try
        {
            _dns.AddTxt(zone, name, value, 60);
            _log($"DNS: added TXT {name.TrimEnd('.')} in zone {zone.TrimEnd('.')} at {_dns.Server}.");
            var started = DateTime.UtcNow;
            while (!_dns.Txt(name).Contains(value))
            {
                if (DateTime.UtcNow - started > VisibleWithin)
                    throw new AcmeProblemException("DnsRecordNotVisible", ErrorCategory.OperationTimeout,
                        $"The DNS server {_dns.Server} accepted the TXT record '{name.TrimEnd('.')}' but did not serve it within {VisibleWithin.TotalSeconds:0} seconds. Check that -DnsServer is the zone's primary.",
                        identifier: identifier);
                Task.Delay(200, _cancel).GetAwaiter().GetResult();
            }
        }
        catch
        {
            cleanup.Dispose();
            throw;
        }
        return cleanup;
    }

    /// <summary>Deletes one record within its own time bound, whatever state the command is in.</summary>
    private void Delete(string zone, string name, string value, string noted)
    {
        using var bound = new CancellationTokenSource(CleanupWithin);
        try
        {
            new DnsUpdateClient(_server, _key, bound.Token).DeleteTxt(zone, name, value);
            DnsChallengeJournal.Forget(noted);
            _log($"DNS: deleted TXT {name.TrimEnd('.')}.");
        }
        catch (Exception e) when (e is AcmeProblemException or OperationCanceledException)
        {
            // The note stays: the next order through this server tries again.
            _log($"DNS: the TXT record {name.TrimEnd('.')} could not be deleted ({(e as AcmeProblemException)?.ErrorId ?? "timed out"}); the next DNS-01 order through {_dns.Server} removes it, or remove it by hand.");
        }
    }

    /// <summary>Records an earlier order noted but never deleted because its process was killed.</summary>
    private void RemoveStale()
    {
        foreach (var (path, entry) in _journal.Stale().ToList())
        {
            _log($"DNS: removing TXT {entry.Name.TrimEnd('.')} left by an order that did not finish (process {entry.ProcessId}).");
            Delete(entry.Zone, entry.Name, entry.Value, path);
        }
    }

    public void Dispose() { }
}
