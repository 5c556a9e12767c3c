using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace DcosTls.Certificates;

/// <summary>How far a TLS probe got.</summary>
internal enum TlsProbeOutcome
{
    /// <summary>No TCP connection.</summary>
    Unreachable,
    /// <summary>The server sent no certificate.</summary>
    NoCertificate,
    /// <summary>The chain reaches an anchor, but a certificate in it is out of its validity period.</summary>
    Expired,
    /// <summary>The chain does not reach one of the anchors.</summary>
    Untrusted,
    /// <summary>Trusted, but not valid for the name asked.</summary>
    NameMismatch,
    /// <summary>The handshake failed for another reason (protocol, a refused client certificate under TLS 1.2).</summary>
    HandshakeFailed,
    /// <summary>The handshake passed, then the server closed or reset the connection (TLS 1.3 refuses a client certificate here).</summary>
    ClosedAfterHandshake,
    /// <summary>The handshake passed and the request got no answer in time.</summary>
    NoAnswer,
    /// <summary>The handshake passed and the server answered the request.</summary>
    Answered,
}

/// <summary>What a TLS probe saw; callers turn it into their own result rows and messages.</summary>
internal sealed class TlsProbeResult
{
    internal TlsProbeOutcome Outcome { get; set; }
    internal string? ServerSubject { get; set; }
    internal string? ServerIssuer { get; set; }

    /// <summary>Why the chain failed (the chain's status texts and, when it explains it, an issuer key mismatch).</summary>
    internal string ChainProblem { get; set; } = string.Empty;

    /// <summary>The failure's message, and its innermost exception's (SslStream wraps the cause).</summary>
    internal string Error { get; set; } = string.Empty;
    internal string InnermostError { get; set; } = string.Empty;

    internal SslProtocols Protocol { get; set; }

    /// <summary>The start of the HTTP answer (bounded).</summary>
    internal string Response { get; set; } = string.Empty;

    internal string StatusLine => Response.Split('\n')[0].Trim();

    internal int StatusCode
    {
        get
        {
            var parts = StatusLine.Split(' ');
            return parts.Length >= 2 && int.TryParse(parts[1], out int code) ? code : 0;
        }
    }
}

/// <summary>
/// The one TLS client the module's online checks use: connects, verifies the server's chain against
/// only the given anchors (never the machine's default trust) and the name, optionally presents a
/// client certificate, then sends one HTTP/1.1 GET and reads the start of the answer.
/// </summary>
internal static class TlsProbe
{
    private const int MaxResponseBytes = 65536;

    internal static TlsProbeResult Get(string connectHost, int port, string tlsName, string hostHeader, string path,
        IReadOnlyList<X509Certificate2> anchors, DcosCertificate? client, TimeSpan timeout)
    {
        var result = new TlsProbeResult();
        using var cts = new CancellationTokenSource(timeout);
        using var tcp = new TcpClient();
        try
        {
            tcp.ConnectAsync(connectHost, port, cts.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return Ended(result, TlsProbeOutcome.Unreachable, e);
        }

        TlsProbeOutcome? refusal = null;
        bool Validate(object sender, X509Certificate? certificate, X509Chain? offered, SslPolicyErrors errors)
        {
            if (certificate == null)
            {
                refusal = TlsProbeOutcome.NoCertificate;
                return false;
            }
            using var server = new X509Certificate2(certificate);
            result.ServerSubject = server.Subject;
            result.ServerIssuer = server.Issuer;
            using var chain = AnchoredChain.Create(anchors, AnchoredChain.SentBy(offered));
            bool built = chain.Build(server);
            var status = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
            if (!built || status != X509ChainStatusFlags.NoError)
            {
                bool expired = (status & (X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.NotTimeNested)) != 0;
                bool untrusted = (status & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != 0;
                refusal = expired && !untrusted ? TlsProbeOutcome.Expired : TlsProbeOutcome.Untrusted;
                result.ChainProblem = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct()) +
                    IssuerKeyMismatch.Explain(server, anchors);
                return false;
            }
            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                refusal = TlsProbeOutcome.NameMismatch;
                return false;
            }
            return true;
        }

        using var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        using var clientCertificate = client?.WithPrivateKey();
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = tlsName,
            RemoteCertificateValidationCallback = Validate,
            ApplicationProtocols = new List<SslApplicationProtocol> { SslApplicationProtocol.Http11 },
        };
        if (clientCertificate != null)
            options.ClientCertificateContext = SslStreamCertificateContext.Create(clientCertificate, new X509Certificate2Collection(client!.Chain), offline: true);
        try
        {
            ssl.AuthenticateAsClientAsync(options, cts.Token).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
        {
            return Ended(result, refusal ?? TlsProbeOutcome.HandshakeFailed, e);
        }
        result.Protocol = ssl.SslProtocol;

        string request = $"GET {path} HTTP/1.1\r\nHost: {hostHeader}\r\nUser-Agent: DcosTls\r\nAccept: application/json\r\nConnection: close\r\n\r\n";
        using var answer = new MemoryStream();
        try
        {
            ssl.WriteAsync(Encoding.ASCII.GetBytes(request), cts.Token).AsTask().GetAwaiter().GetResult();
            var buffer = new byte[8192];
            int read;
            while (answer.Length < MaxResponseBytes && (read = ssl.ReadAsync(buffer, cts.Token).AsTask().GetAwaiter().GetResult()) > 0)
                answer.Write(buffer, 0, read);
        }
        catch (Exception e) when (e is IOException or AuthenticationException or OperationCanceledException)
        {
            // A server that answered and then kept the connection open past Connection: close has
            // still answered; otherwise the refusal of a TLS 1.3 client certificate lands here.
            if (answer.Length == 0)
                return Ended(result, e is OperationCanceledException ? TlsProbeOutcome.NoAnswer : TlsProbeOutcome.ClosedAfterHandshake, e);
        }
        result.Response = Encoding.UTF8.GetString(answer.ToArray());
        result.Outcome = TlsProbeOutcome.Answered;
        return result;
    }

    private static TlsProbeResult Ended(TlsProbeResult result, TlsProbeOutcome outcome, Exception e)
    {
        result.Outcome = outcome;
        result.Error = e.Message;
        var inner = e;
        while (inner.InnerException != null) inner = inner.InnerException;
        result.InnermostError = inner.Message.Trim().TrimEnd('.');
        return result;
    }
}
