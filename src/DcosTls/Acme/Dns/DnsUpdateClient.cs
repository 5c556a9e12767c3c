using System.Buffers.Binary;
using System.Net.Sockets;

namespace DcosTls.Acme.Dns;

/// <summary>
/// RFC 2136 dynamic updates signed with TSIG (RFC 8945), and plain queries, over TCP to one
/// authoritative server. Only what DNS-01 needs: find the zone of a name (SOA), add and delete one TXT
/// record, read a name's TXT records.
/// </summary>
internal sealed class DnsUpdateClient
{
    private const ushort Fudge = 300;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly IPEndPoint _server;
    private readonly TsigKey _key;
    private readonly CancellationToken _cancel;

    internal DnsUpdateClient(IPEndPoint server, TsigKey key, CancellationToken cancel)
    {
        _server = server;
        _key = key;
        _cancel = cancel;
    }

    internal string Server => _server.ToString();

    /// <summary>The zone the server is authoritative for that holds <paramref name="name"/>.</summary>
    internal string FindZone(string name)
    {
        var answer = Query(name, DnsTypes.Soa);
        var soa = answer.Answers.FirstOrDefault(a => a.Type == DnsTypes.Soa) ?? answer.Authority.FirstOrDefault(a => a.Type == DnsTypes.Soa);
        if (soa == null)
            throw new AcmeProblemException("DnsZoneNotFound", ErrorCategory.ObjectNotFound,
                $"The DNS server {Server} gave no zone (SOA) for '{name}' (response code {answer.ResponseCode}). Give the server that is authoritative for the name's zone with -DnsServer.",
                identifier: name);
        return soa.Name;
    }

    internal IReadOnlyList<string> Txt(string name)
    {
        var answer = Query(name, DnsTypes.Txt);
        return answer.Answers.Where(a => a.Type == DnsTypes.Txt && a.Name.TrimEnd('.').Equals(name.TrimEnd('.'), StringComparison.OrdinalIgnoreCase))
            .Select(answer.Text).ToList();
    }

    internal void AddTxt(string zone, string name, string value, uint ttl) => Update(zone, name, value, DnsTypes.ClassIn, ttl);

    internal void DeleteTxt(string zone, string name, string value) => Update(zone, name, value, DnsTypes.ClassNone, 0);

    private void Update(string zone, string name, string value, int @class, uint ttl)
    {
        int id = Random.Shared.Next(0, 0x10000);
        byte[] message = DnsUpdateMessage.Build(id, zone, name, value, @class, ttl);
        var answer = Exchange(DnsUpdateMessage.Sign(message, id, _key, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), Fudge));
        if (answer.ResponseCode == 0) return;
        int tsigError = answer.TsigError();
        string action = @class == DnsTypes.ClassNone ? "delete" : "add";
        if (answer.ResponseCode == 9 || tsigError != 0)
        {
            string why = tsigError switch
            {
                16 => "BADSIG: the server knows the key but the secret is not its secret",
                17 => "BADKEY: the server does not know this key name or algorithm",
                18 => "BADTIME: the clocks differ by more than 5 minutes",
                _ => "NOTAUTH: the key is not allowed to update this zone",
            };
            throw new AcmeProblemException("DnsUpdateNotAuthorized", ErrorCategory.AuthenticationError,
                $"The DNS server {Server} refused to {action} the TXT record '{name.TrimEnd('.')}' signed with {_key} ({why}). Check -TsigKeyName and -TsigSecret or -TsigKeyFile against the server's key.",
                identifier: name.TrimEnd('.'));
        }
        string code = answer.ResponseCode switch { 5 => "REFUSED: the zone does not allow this key to update", 10 => "NOTZONE: the name is not in the zone", 2 => "SERVFAIL", _ => $"response code {answer.ResponseCode}" };
        throw new AcmeProblemException("DnsUpdateRefused", ErrorCategory.PermissionDenied,
            $"The DNS server {Server} refused to {action} the TXT record '{name.TrimEnd('.')}' in zone '{zone.TrimEnd('.')}' ({code}). Check the zone's update policy for {_key}.",
            identifier: name.TrimEnd('.'));
    }

    private DnsMessage Query(string name, int type)
    {
        var w = new DnsWriter();
        w.U16(Random.Shared.Next(0, 0x10000));
        w.U16(0);
        w.U16(1); w.U16(0); w.U16(0); w.U16(0);
        w.Name(name);
        w.U16(type);
        w.U16(DnsTypes.ClassIn);
        return Exchange(w.ToArray());
    }

    private DnsMessage Exchange(byte[] message)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_cancel);
        timeout.CancelAfter(Timeout);
        try
        {
            using var client = new TcpClient(_server.AddressFamily);
            client.ConnectAsync(_server, timeout.Token).AsTask().GetAwaiter().GetResult();
            var stream = client.GetStream();
            byte[] framed = new byte[message.Length + 2];
            BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)message.Length);
            message.CopyTo(framed, 2);
            stream.WriteAsync(framed, timeout.Token).AsTask().GetAwaiter().GetResult();
            byte[] lengthBytes = new byte[2];
            stream.ReadExactlyAsync(lengthBytes, timeout.Token).AsTask().GetAwaiter().GetResult();
            byte[] answer = new byte[BinaryPrimitives.ReadUInt16BigEndian(lengthBytes)];
            stream.ReadExactlyAsync(answer, timeout.Token).AsTask().GetAwaiter().GetResult();
            return DnsMessage.Parse(answer);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException && !_cancel.IsCancellationRequested)
        {
            throw new AcmeProblemException("DnsServerUnreachable", ErrorCategory.ConnectionError,
                $"The DNS server {Server} did not answer over TCP ({(e is SocketException s ? s.SocketErrorCode.ToString() : e.GetType().Name)}). Check -DnsServer (host or host:port).");
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentOutOfRangeException or InvalidDataException)
        {
            throw new AcmeProblemException("DnsAnswerInvalid", ErrorCategory.ProtocolError,
                $"The DNS server {Server} sent an answer that could not be read. Check -DnsServer.");
        }
    }
}
