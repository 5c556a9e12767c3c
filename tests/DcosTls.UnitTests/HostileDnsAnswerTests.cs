using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using DcosTls.Acme;
using DcosTls.Acme.Dns;
using Xunit;

namespace DcosTls.UnitTests;

/// <summary>
/// A DNS server's answer is hostile input: a TXT string longer than its record, a TSIG record cut
/// short, a record running past the message. Each is refused when the answer is read (DnsAnswerInvalid
/// through the client), never a raw .NET exception from a later read.
/// </summary>
public class HostileDnsAnswerTests
{
    // A TXT answer (see AcmeWireTests) whose second string says 9 bytes where its record has 6.
    private const string OverlongTxt =
        "0102810000010001000100000f5f61636d652d6368616c6c656e6765037765620461636d6504746573740000100001c00c001000010000003c00120a66697273742070617274097365636f6e64c020000200010000003c0005026e73c020";

    // A NOTAUTH answer to an update whose TSIG record holds only its algorithm name (13 of 61 bytes).
    private const string TruncatedTsig =
        "1234a80900010000000000010461636d65047465737400000600010d61636d652d746573742d6b65790000fa00ff00000000000d0b686d61632d73686132353600";

    // A TXT answer whose record claims 200 bytes of data at the end of the message.
    private const string PastTheEnd =
        "0102810000010001000000000f5f61636d652d6368616c6c656e6765037765620461636d6504746573740000100001c00c001000010000003c00c80a66697273742070617274";

    [Theory]
    [InlineData(OverlongTxt)]
    [InlineData(TruncatedTsig)]
    [InlineData(PastTheEnd)]
    public void A_malformed_answer_is_refused_when_it_is_read(string hex)
        => Assert.Throws<InvalidDataException>(() => DnsMessage.Parse(Convert.FromHexString(hex)));

    [Theory]
    [InlineData(OverlongTxt, true)]
    [InlineData(TruncatedTsig, false)]
    [InlineData(PastTheEnd, true)]
    public async Task The_client_reports_DnsAnswerInvalid(string hex, bool query)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var server = Task.Run(() =>
        {
            using var socket = listener.AcceptTcpClient();
            var stream = socket.GetStream();
            byte[] length = new byte[2];
            stream.ReadExactly(length);
            stream.ReadExactly(new byte[BinaryPrimitives.ReadUInt16BigEndian(length)]);
            byte[] answer = Convert.FromHexString(hex);
            BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)answer.Length);
            stream.Write(length);
            stream.Write(answer);
        });
        var key = TsigKey.FromSecret("acme-test-key", "hmac-sha256", SecureFromString(Convert.ToBase64String(new byte[32])));
        var client = new DnsUpdateClient((IPEndPoint)listener.LocalEndpoint, key, CancellationToken.None);
        var e = Assert.Throws<AcmeProblemException>(() =>
        {
            if (query) client.Txt("_acme-challenge.web.acme.test.");
            else client.AddTxt("acme.test.", "_acme-challenge.web.acme.test.", "value", 60);
        });
        Assert.Equal("DnsAnswerInvalid", e.ErrorId);
        await server.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static System.Security.SecureString SecureFromString(string text)
    {
        var secure = new System.Security.SecureString();
        foreach (char c in text) secure.AppendChar(c);
        secure.MakeReadOnly();
        return secure;
    }
}
