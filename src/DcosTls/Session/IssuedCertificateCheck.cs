using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DcosTls.Certificates;

namespace DcosTls.Session;

/// <summary>
/// What the DC/OS CA hands back is checked against what was asked before anyone uses it: the public
/// key is the key whose CSR was sent, the subject and alternative names are the requested ones, and
/// the certificate chains to the cluster's signing CA for that profile. A CA (or something in front of
/// it) that returns another key's certificate would otherwise be paired with our key and exported as a
/// .crt/.key pair that no TLS server can use.
/// </summary>
internal static class IssuedCertificateCheck
{
    internal static void Verify(X509Certificate2 issued, AsymmetricAlgorithm key, CertificateSpec spec, X509Certificate2? signingCa)
    {
        string cn = spec.CommonName;
        if (!issued.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
            throw Invalid(cn, "its public key is not the key of the request that was sent");

        string? issuedCn = issued.GetNameInfo(X509NameType.SimpleName, false);
        if (!string.Equals(issuedCn, cn, StringComparison.Ordinal))
            throw Invalid(cn, $"its common name is '{issuedCn}', not '{cn}'");

        var (dns, ips) = DcosCertificate.ReadSubjectAlternativeNames(issued);
        var askedDns = spec.DnsNames.Select(d => d.ToLowerInvariant()).ToHashSet();
        var gotDns = dns.Select(d => d.ToLowerInvariant()).ToHashSet();
        if (!askedDns.SetEquals(gotDns))
            throw Invalid(cn, $"its DNS names are [{string.Join(", ", gotDns.Order())}], not the requested [{string.Join(", ", askedDns.Order())}]");
        var askedIps = spec.IPAddresses.Select(ip => ip.ToString()).ToHashSet();
        var gotIps = ips.Select(ip => IPAddress.Parse(ip).ToString()).ToHashSet();
        if (!askedIps.SetEquals(gotIps))
            throw Invalid(cn, $"its IP addresses are [{string.Join(", ", gotIps.Order())}], not the requested [{string.Join(", ", askedIps.Order())}]");

        if (signingCa == null)
            throw Invalid(cn, "the CA's info answer named no signing CA to check it against");
        using var chain = AnchoredChain.Create(new[] { signingCa }, flags: X509VerificationFlags.IgnoreNotTimeValid);
        if (!chain.Build(issued))
        {
            string status = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
            throw Invalid(cn, $"it does not chain to the cluster's signing CA '{signingCa.Subject}' ({status})");
        }
    }

    // The CA did answer (HTTP 200): a protocol error, not a connection error.
    private static DcosApiException Invalid(string commonName, string reason)
        => new("CaResponseInvalid",
            $"The DC/OS CA returned a certificate for '{commonName}' that was not used: {reason}. Nothing was written. Check that the cluster address is the DC/OS master and no proxy rewrites /ca/api/v2.", 200);
}
