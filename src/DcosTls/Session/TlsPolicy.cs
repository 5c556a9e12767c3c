using System.Net.Security;

namespace DcosTls.Session;

/// <summary>
/// How the cluster's TLS certificate is checked: against a pinned cluster CA (only that CA, not
/// the machine's trust), against the system trust, or not at all (an explicit, warned choice).
/// </summary>
internal sealed class TlsPolicy
{
    internal TlsPolicy(X509Certificate2? pinnedCa, bool skip)
    {
        PinnedCa = pinnedCa;
        SkipCertificateCheck = skip;
    }

    internal X509Certificate2? PinnedCa { get; }
    internal bool SkipCertificateCheck { get; }

    /// <summary>
    /// Set when the last refused certificate was refused for its names alone (chain fine): the fix is
    /// the address, not the trust, so the error must say so.
    /// </summary>
    internal bool LastRejectionWasName => _lastRejectionWasName;
    private volatile bool _lastRejectionWasName;

    internal bool Validate(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        bool accepted = Check(certificate, presented, errors);
        _lastRejectionWasName = !accepted && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0
            && Check(certificate, presented, errors & ~SslPolicyErrors.RemoteCertificateNameMismatch);
        return accepted;
    }

    private bool Check(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (SkipCertificateCheck) return true;
        if (PinnedCa == null) return errors == SslPolicyErrors.None;
        if (certificate == null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
        // Intermediates the master sent (master cert <- DC/OS intermediate <- pinned root) help
        // build the chain; trust still comes only from the pinned CA.
        var sent = presented?.ChainElements.Select(e => e.Certificate);
        using var chain = Certificates.AnchoredChain.Create(new[] { PinnedCa }, sent);
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
