using DcosTls.Certificates;

namespace DcosTls.DockerDaemon;

/// <summary>
/// What Docker's TLS needs from the certificates (docs "Protect the Docker daemon socket"): a CA,
/// a server certificate with serverAuth and a SAN for every name or IP clients dial, a client
/// certificate with clientAuth, keys present and strong enough. Checked before anything is written.
/// </summary>
internal static class DockerCertificateCheck
{
    internal const int MinimumRsaBits = 2048;

    internal static void CheckAuthority(DcosCertificate ca)
    {
        if (!ca.IsCertificateAuthority)
            throw new DockerTlsException("CaCertificateNotAuthority",
                $"'{ca.CommonName}' is not a certificate authority (no CA flag in its basic constraints). Give the CA certificate (New-TlsCertificateAuthority or Get-DcosCaCertificate) as -CaCertificate.");
        CheckValidity(ca, "CaCertificate");
    }

    /// <summary>Returns warnings; throws for what would make the daemon or its clients fail.</summary>
    internal static List<string> CheckServer(DcosCertificate server, DcosCertificate ca, IReadOnlyList<DockerHostAddress> hosts)
    {
        var warnings = new List<string>();
        CheckLeaf(server, "Certificate", "server-key.pem");
        if (server.ExtendedKeyUsages.Count > 0 && !server.ExtendedKeyUsages.Contains("serverAuth"))
            throw new DockerTlsException("ServerCertificateLacksServerAuth",
                $"'{server.CommonName}' has extended key usage [{string.Join(", ", server.ExtendedKeyUsages)}] without serverAuth, so clients refuse it as a server. Issue it with New-DcosCertificate -Usage Server.");
        foreach (var host in hosts.Where(h => h.Kind == DockerHostKind.Tcp))
        {
            if (host.IsAnyInterface)
            {
                warnings.Add($"'{host.Text}' listens on every interface: clients must dial a name or IP in the certificate ({DescribeSans(server)}).");
                continue;
            }
            if (host.IPAddress is { } ip)
            {
                if (server.IPAddresses.Any(a => System.Net.IPAddress.Parse(a).Equals(ip))) continue;
                if (server.DnsNames.Contains(host.Host, StringComparer.OrdinalIgnoreCase))
                    throw new DockerTlsException("ServerCertificateIpAsDnsName",
                        $"'{server.CommonName}' lists {host.Host} as a DNS name, not as an IP address SAN; TLS clients dialling an IP only match IP SANs. Issue it again with -IPAddress {host.Host}.");
                throw new DockerTlsException("ServerCertificateMissingSan",
                    $"'{server.CommonName}' has no IP SAN {host.Host} for '{host.Text}' ({DescribeSans(server)}); docker --tlsverify would fail with 'certificate is valid for ..., not {host.Host}'. Issue it again with -IPAddress {host.Host}.");
            }
            if (!server.DnsNames.Any(d => DnsNameMatches(d, host.Host)))
                throw new DockerTlsException("ServerCertificateMissingSan",
                    $"'{server.CommonName}' has no DNS SAN for '{host.Host}' in '{host.Text}' ({DescribeSans(server)}). Issue it again with -DnsName {host.Host}.");
        }
        if (!ChainsTo(server, ca))
            warnings.Add($"'{server.CommonName}' is not signed by '{ca.CommonName}': clients that trust only ca.pem will refuse the daemon." +
                IssuerKeyMismatch.Explain(server.Certificate, new[] { ca.Certificate }));
        return warnings;
    }

    internal static void CheckClient(DcosCertificate client)
    {
        CheckLeaf(client, "Certificate", "key.pem");
        if (client.ExtendedKeyUsages.Count > 0 && !client.ExtendedKeyUsages.Contains("clientAuth"))
            throw new DockerTlsException("ClientCertificateLacksClientAuth",
                $"'{client.CommonName}' has extended key usage [{string.Join(", ", client.ExtendedKeyUsages)}] without clientAuth, so a daemon with tlsverify refuses it. Issue it with New-DcosCertificate -Usage Client.");
    }

    private static void CheckLeaf(DcosCertificate cert, string parameter, string keyFile)
    {
        if (!cert.HasPrivateKey)
            throw new DockerTlsException("CertificateWithoutKey",
                $"'{cert.CommonName}' carries no private key, and {keyFile} needs it. Pass the object New-DcosCertificate returned, or Import-DcosCertificate -KeyPath.");
        if (cert.KeyAlgorithm == "RSA" && cert.KeySize < MinimumRsaBits)
            throw new DockerTlsException("KeyTooSmall",
                $"'{cert.CommonName}' has an RSA-{cert.KeySize} key; at least RSA-{MinimumRsaBits} (or ECDSA P-256) is needed. Issue a new certificate.");
        CheckValidity(cert, parameter);
    }

    private static void CheckValidity(DcosCertificate cert, string parameter)
    {
        var now = DateTime.UtcNow;
        if (cert.NotAfter <= now)
            throw new DockerTlsException("CertificateExpired", $"-{parameter} '{cert.CommonName}' expired on {cert.NotAfter:yyyy-MM-dd HH:mm} UTC. Issue a new one.");
        if (cert.NotBefore > now)
            throw new DockerTlsException("CertificateNotYetValid", $"-{parameter} '{cert.CommonName}' is valid only from {cert.NotBefore:yyyy-MM-dd HH:mm} UTC. Check the clock.");
    }

    internal static bool DnsNameMatches(string san, string host)
    {
        if (san.Equals(host, StringComparison.OrdinalIgnoreCase)) return true;
        // A wildcard covers exactly one left-most label, as Go's crypto/x509 does.
        if (!san.StartsWith("*.", StringComparison.Ordinal)) return false;
        int dot = host.IndexOf('.');
        return dot > 0 && host[(dot + 1)..].Equals(san[2..], StringComparison.OrdinalIgnoreCase);
    }

    private static bool ChainsTo(DcosCertificate leaf, DcosCertificate ca)
    {
        using var chain = AnchoredChain.Create(new[] { ca.Certificate }, leaf.Chain, X509VerificationFlags.IgnoreWrongUsage);
        return chain.Build(leaf.Certificate);
    }

    private static string DescribeSans(DcosCertificate cert)
    {
        var sans = cert.DnsNames.Select(d => "DNS:" + d).Concat(cert.IPAddresses.Select(i => "IP:" + i)).ToList();
        return sans.Count == 0 ? "it has no SANs" : "it has " + string.Join(", ", sans);
    }
}
