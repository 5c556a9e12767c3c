using DcosTls.Acme.Dns;

namespace DcosTls.Acme;

/// <summary>
/// DNS-01 through RFC 2136: the TXT record _acme-challenge.&lt;name&gt; is added with a TSIG-signed
/// update, the challenge is answered only once the authoritative server serves it, and the record is
/// deleted afterwards whether the challenge passed or not.
/// </summary>
internal sealed class Dns01Solver : IAcmeChallengeSolver
{
    private static readonly TimeSpan VisibleWithin = TimeSpan.FromSeconds(60);
    private readonly DnsUpdateClient _dns;
    private readonly Action<string> _log;
    private readonly CancellationToken _cancel;

    internal Dns01Solver(IPEndPoint server, TsigKey key, Action<string> log, CancellationToken cancel)
    {
        _dns = new DnsUpdateClient(server, key, cancel);
        _log = log;
        _cancel = cancel;
    }

    public string ChallengeType => "dns-01";

    public string Description => $"DNS-01 through {_dns.Server}";

    public IDisposable Publish(string identifier, string token, string keyAuthorization)
    {
        string name = "_acme-challenge." + identifier.TrimEnd('.') + ".";
        string value = Base64Url.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(keyAuthorization)));
        string zone = _dns.FindZone(name);
        _dns.AddTxt(zone, name, value, 60);
        _log($"DNS: added TXT {name.TrimEnd('.')} in zone {zone.TrimEnd('.')} at {_dns.Server}.");
        var cleanup = new Cleanup(() =>
        {
            try
            {
                _dns.DeleteTxt(zone, name, value);
                _log($"DNS: deleted TXT {name.TrimEnd('.')}.");
            }
            catch (AcmeProblemException e)
            {
                _log($"DNS: the TXT record {name} could not be deleted ({e.ErrorId}); remove it by hand.");
            }
        });
        try
        {
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

    public void Dispose() { }
}
