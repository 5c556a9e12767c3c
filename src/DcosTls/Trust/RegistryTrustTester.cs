using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using DcosTls.Certificates;
using System.Text;
using DcosTls.Common;

namespace DcosTls.Trust;

/// <summary>
/// Connects to a registry and checks its chain against only the given anchors (CustomRootTrust),
/// never the machine's default trust, then asks GET /v2/ to be sure a registry answered.
/// </summary>
internal sealed class RegistryTrustTester
{
    private readonly TimeSpan _timeout;

    internal RegistryTrustTester(TimeSpan timeout) => _timeout = timeout;

    internal RegistryTrustTestResult Test(RegistryName registry, TrustTarget target, IReadOnlyList<X509Certificate2> anchors, string? connectAddress)
    {
        var result = new RegistryTrustTestResult { Registry = registry.Value, Target = target, InstalledCertificates = anchors.Count };
        if (anchors.Count == 0)
            return Fail(result, TrustTestReason.NoInstalledCertificates,
                $"No CA is installed for {registry.Value} in the {target} store. Install one with Install-DockerRegistryTrust.");

        string host = connectAddress ?? registry.Host;
        using var cts = new CancellationTokenSource(_timeout);
        using var tcp = new TcpClient();
        try
        {
            tcp.ConnectAsync(host, registry.EffectivePort, cts.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return Fail(result, TrustTestReason.Unreachable, $"Could not connect to {host}:{registry.EffectivePort}: {e.Message}");
        }

        TrustTestReason? refusal = null;
        string refusalMessage = string.Empty;
        bool Validate(object sender, X509Certificate? certificate, X509Chain? offered, SslPolicyErrors errors)
        {
            if (certificate == null)
            {
                (refusal, refusalMessage) = (TrustTestReason.UnknownAuthority, "The server sent no certificate.");
                return false;
            }
            using var server = new X509Certificate2(certificate);
            result.ServerSubject = server.Subject;
            using var chain = AnchoredChain.Create(anchors, AnchoredChain.SentBy(offered));
            bool built = chain.Build(server);
            var status = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
            if (!built || status != X509ChainStatusFlags.NoError)
            {
                bool expired = (status & (X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.NotTimeNested)) != 0;
                bool untrusted = (status & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != 0;
                if (expired && !untrusted)
                    (refusal, refusalMessage) = (TrustTestReason.Expired, $"A certificate in the chain of '{server.Subject}' is expired or not yet valid.");
                else
                    (refusal, refusalMessage) = (TrustTestReason.UnknownAuthority,
                        $"'{server.Subject}' (issued by '{server.Issuer}') does not chain to a CA installed for {registry.Value} in the {target} store: " +
                        string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct()) +
                        IssuerKeyMismatch.Explain(server, anchors));
                return false;
            }
            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                (refusal, refusalMessage) = (TrustTestReason.NameMismatch,
                    $"'{server.Subject}' is trusted but not valid for '{registry.Host}': add it to the server certificate's subject alternative names.");
                return false;
            }
            return true;
        }

        using var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        try
        {
            ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = registry.Host,
                RemoteCertificateValidationCallback = Validate,
                ApplicationProtocols = new List<SslApplicationProtocol> { SslApplicationProtocol.Http11 },
            }, cts.Token).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
        {
            if (refusal != null) return Fail(result, refusal.Value, refusalMessage);
            return Fail(result, TrustTestReason.Unreachable, $"The TLS handshake with {host}:{registry.EffectivePort} failed: {e.Message}");
        }

        try
        {
            string request = $"GET /v2/ HTTP/1.1\r\nHost: {registry.Value}\r\nUser-Agent: DcosTls\r\nAccept: application/json\r\nConnection: close\r\n\r\n";
            ssl.WriteAsync(Encoding.ASCII.GetBytes(request), cts.Token).AsTask().GetAwaiter().GetResult();
            var buffer = new byte[512];
            int read = ssl.ReadAsync(buffer, cts.Token).AsTask().GetAwaiter().GetResult();
            string statusLine = Encoding.ASCII.GetString(buffer, 0, read).Split('\n')[0].Trim();
            var parts = statusLine.Split(' ');
            if (parts.Length >= 2 && int.TryParse(parts[1], out int code)) result.StatusCode = code;
            if (result.StatusCode is 200 or 401)
            {
                result.Trusted = true;
                result.Reason = TrustTestReason.Trusted;
                result.Message = $"{registry.Value} is trusted through the {target} store (GET /v2/ → {result.StatusCode}).";
                return result;
            }
            return Fail(result, TrustTestReason.NotARegistry,
                $"TLS to {registry.Value} is trusted, but GET /v2/ answered '{statusLine}', not 200 or 401: is this a registry?");
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            return Fail(result, TrustTestReason.NotARegistry, $"TLS to {registry.Value} is trusted, but GET /v2/ got no answer: {e.Message}");
        }
    }

    private static RegistryTrustTestResult Fail(RegistryTrustTestResult result, TrustTestReason reason, string message)
    {
        result.Trusted = false;
        result.Reason = reason;
        result.Message = message;
        return result;
    }
}
