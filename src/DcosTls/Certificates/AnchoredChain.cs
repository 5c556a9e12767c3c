namespace DcosTls.Certificates;

/// <summary>
/// A chain that trusts only the given anchors — a pinned cluster CA, the CAs installed for one
/// registry, a daemon's tlscacert — never the machine's store. Revocation is not checked (private
/// CAs here publish no CRLs). Candidates (intermediates a server sent, a certificate's own chain)
/// help build the path but are never anchors. The caller disposes the chain.
/// </summary>
internal static class AnchoredChain
{
    internal static X509Chain Create(IEnumerable<X509Certificate2> anchors, IEnumerable<X509Certificate2>? candidates = null,
        X509VerificationFlags flags = X509VerificationFlags.NoFlag)
    {
        var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = flags;
        chain.ChainPolicy.CustomTrustStore.AddRange(anchors.ToArray());
        if (candidates != null) chain.ChainPolicy.ExtraStore.AddRange(candidates.ToArray());
        return chain;
    }

    /// <summary>
    /// The CA's key signed the certificate directly (dates, usages and constraints aside): the
    /// question "did this CA issue it", not "is it valid now".
    /// </summary>
    internal static bool IsSignedBy(X509Certificate2 certificate, X509Certificate2 ca)
    {
        using var chain = Create(new[] { ca }, flags: X509VerificationFlags.AllFlags);
        chain.Build(certificate);
        return chain.ChainElements.Count > 1
            && chain.ChainElements[1].Certificate.RawData.AsSpan().SequenceEqual(ca.RawData)
            && !chain.ChainElements[0].ChainElementStatus.Any(s => s.Status.HasFlag(X509ChainStatusFlags.NotSignatureValid));
    }

    /// <summary>The certificates a TLS peer sent, as the handshake's validation callback sees them.</summary>
    internal static IEnumerable<X509Certificate2> SentBy(X509Chain? offered)
        => offered == null ? Array.Empty<X509Certificate2>() : offered.ChainPolicy.ExtraStore.Cast<X509Certificate2>();
}
