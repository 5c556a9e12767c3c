using DcosTls.Certificates;
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
        var probe = TlsProbe.Get(host, registry.EffectivePort, registry.Host, registry.Value, "/v2/", anchors, null, _timeout);
        result.ServerSubject = probe.ServerSubject;
        switch (probe.Outcome)
        {
            case TlsProbeOutcome.Unreachable:
                return Fail(result, TrustTestReason.Unreachable, $"Could not connect to {host}:{registry.EffectivePort}: {probe.Error}");
            case TlsProbeOutcome.NoCertificate:
                return Fail(result, TrustTestReason.UnknownAuthority, "The server sent no certificate.");
            case TlsProbeOutcome.Expired:
                return Fail(result, TrustTestReason.Expired, $"A certificate in the chain of '{probe.ServerSubject}' is expired or not yet valid.");
            case TlsProbeOutcome.Untrusted:
                return Fail(result, TrustTestReason.UnknownAuthority,
                    $"'{probe.ServerSubject}' (issued by '{probe.ServerIssuer}') does not chain to a CA installed for {registry.Value} in the {target} store: {probe.ChainProblem}");
            case TlsProbeOutcome.NameMismatch:
                return Fail(result, TrustTestReason.NameMismatch,
                    $"'{probe.ServerSubject}' is trusted but not valid for '{registry.Host}': add it to the server certificate's subject alternative names.");
            case TlsProbeOutcome.HandshakeFailed:
                return Fail(result, TrustTestReason.Unreachable, $"The TLS handshake with {host}:{registry.EffectivePort} failed: {probe.Error}");
            case TlsProbeOutcome.ClosedAfterHandshake or TlsProbeOutcome.NoAnswer:
                return Fail(result, TrustTestReason.NotARegistry, $"TLS to {registry.Value} is trusted, but GET /v2/ got no answer: {probe.Error}");
        }
        result.StatusCode = probe.StatusCode;
        if (result.StatusCode is 200 or 401)
        {
            result.Trusted = true;
            result.Reason = TrustTestReason.Trusted;
            result.Message = $"{registry.Value} is trusted through the {target} store (GET /v2/ → {result.StatusCode}).";
            return result;
        }
        return Fail(result, TrustTestReason.NotARegistry,
            $"TLS to {registry.Value} is trusted, but GET /v2/ answered '{probe.StatusLine}', not 200 or 401: is this a registry?");
    }

    private static RegistryTrustTestResult Fail(RegistryTrustTestResult result, TrustTestReason reason, string message)
    {
        result.Trusted = false;
        result.Reason = reason;
        result.Message = message;
        return result;
    }
}
