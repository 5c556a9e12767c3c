namespace DcosTls.Certificates;

/// <summary>
/// What a CA hands back (the DC/OS CA, an ACME server, a local CA) is checked against what was asked
/// before anyone uses it: the public key is the key whose CSR was sent, the subject and alternative
/// names are the requested ones, and the certificate chains to the signing CA. A CA (or something in
/// front of it) that returns another key's certificate would otherwise be paired with our key and
/// exported as a .crt/.key pair that no TLS server can use. Each issuer turns a problem into its own error.
/// </summary>
internal static class IssuedCertificateCheck
{
    /// <summary>Why the certificate does not answer the request, or null when it does.</summary>
    internal static string? Problem(X509Certificate2 issued, byte[] publicKeyInfo, string cn, IEnumerable<string> askedDnsNames,
        IEnumerable<IPAddress> askedIpAddresses, X509Certificate2? signingCa, string signingCaRole, IEnumerable<X509Certificate2>? intermediates = null, bool signingCaMayBeIntermediate = false)
    {
        if (!issued.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(publicKeyInfo))
            return "its public key is not the key of the request that was sent";

        string issuedCn = issued.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(r => !r.HasMultipleElements && r.GetSingleElementType().Value == "2.5.4.3")
            .Select(r => r.GetSingleElementValue() ?? string.Empty).LastOrDefault() ?? string.Empty;
        if (!string.Equals(issuedCn, cn, StringComparison.Ordinal))
            return $"its common name is '{issuedCn}', not '{cn}'";

        var (dns, ips) = DcosCertificate.ReadSubjectAlternativeNames(issued);
        var askedDns = askedDnsNames.Select(d => d.ToLowerInvariant()).ToHashSet();
        var gotDns = dns.Select(d => d.ToLowerInvariant()).ToHashSet();
        if (!askedDns.SetEquals(gotDns))
            return $"its DNS names are [{string.Join(", ", gotDns.Order())}], not the requested [{string.Join(", ", askedDns.Order())}]";
        var askedIps = askedIpAddresses.Select(ip => ip.ToString()).ToHashSet();
        var gotIps = ips.Select(ip => IPAddress.Parse(ip).ToString()).ToHashSet();
        if (!askedIps.SetEquals(gotIps))
            return $"its IP addresses are [{string.Join(", ", gotIps.Order())}], not the requested [{string.Join(", ", askedIps.Order())}]";

        if (signingCa == null)
            return "the CA's info answer named no signing CA to check it against";
        // An ACME server delivers the leaf with its intermediates; the root is the relying party's. The
        // chain then ends at the intermediate, which must still be in it (signature checked).
        var flags = X509VerificationFlags.IgnoreNotTimeValid | (signingCaMayBeIntermediate ? X509VerificationFlags.AllowUnknownCertificateAuthority : 0);
        using var chain = AnchoredChain.Create(new[] { signingCa }, intermediates, flags);
        if (!chain.Build(issued) || (signingCaMayBeIntermediate && !chain.ChainElements.Cast<X509ChainElement>().Skip(1).Any(e => e.Certificate.RawData.AsSpan().SequenceEqual(signingCa.RawData))))
        {
            string status = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
            return $"it does not chain to {signingCaRole} '{signingCa.Subject}' ({status})";
        }
        return null;
    }
}
