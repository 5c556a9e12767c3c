namespace DcosTls.Certificates;

/// <summary>
/// Whether a PEM pair that Export-DcosCertificate wrote (&lt;name&gt;.crt, &lt;name&gt;.key beside it) already
/// answers a certificate spec: both files there, the key the certificate's, valid now, and the same
/// common name, DNS names and IP addresses, and, where the issuer is known without asking anyone
/// (a local CA object, self-signed), from that issuer. A rerun of a batch uses it to issue only what
/// is missing, and a batch moved to another CA issues everything again.
/// </summary>
internal static class ExistingCertificate
{
    /// <summary>The .crt and .key paths Export-DcosCertificate -Format Pem writes for a -Path.</summary>
    internal static (string Certificate, string Key) PemPaths(string path)
    {
        string crt = path.EndsWith(".crt", StringComparison.Ordinal) || path.EndsWith(".pem", StringComparison.Ordinal) ? path : path + ".crt";
        string stem = Path.Combine(Path.GetDirectoryName(crt)!, Path.GetFileNameWithoutExtension(crt));
        return (crt, stem + ".key");
    }

    /// <summary>Null when the pair at <paramref name="path"/> answers the spec, otherwise why not (for Verbose).</summary>
    /// <param name="issuer">The CA that must have signed it, or null when that is not checked.</param>
    /// <param name="selfSigned">It must be its own issuer.</param>
    internal static string? Problem(string path, CertificateSpec spec, out DcosCertificate? found, X509Certificate2? issuer = null, bool selfSigned = false)
    {
        found = null;
        var (crt, key) = PemPaths(path);
        if (!File.Exists(crt)) return $"'{crt}' does not exist";
        if (!File.Exists(key)) return $"'{key}', its key, does not exist";
        DcosCertificate current;
        try
        {
            current = CertificateFileReader.Read(crt, key, null)[0];
        }
        catch (Exception e) when (e is InvalidDataException or CryptographicException or IOException or UnauthorizedAccessException)
        {
            return $"'{crt}' and '{key}' are not a readable pair ({e.GetType().Name})";
        }
        if (!current.HasPrivateKey) return $"'{key}' is not the key of '{crt}'";
        var now = DateTime.UtcNow;
        if (current.NotAfter <= now) return $"'{crt}' expired on {current.NotAfter:yyyy-MM-dd}";
        if (current.Certificate.NotBefore.ToUniversalTime() > now) return $"'{crt}' is not valid before {current.Certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm}";
        if (!string.Equals(current.CommonName, spec.CommonName, StringComparison.Ordinal))
            return $"'{crt}' is for '{current.CommonName}', not '{spec.CommonName}'";
        var (dns, ips) = DcosCertificate.ReadSubjectAlternativeNames(current.Certificate);
        if (!dns.Select(d => d.ToLowerInvariant()).ToHashSet().SetEquals(spec.DnsNames.Select(d => d.ToLowerInvariant())))
            return $"'{crt}' has the DNS names [{string.Join(", ", dns)}], not [{string.Join(", ", spec.DnsNames)}]";
        if (!ips.Select(ip => IPAddress.Parse(ip).ToString()).ToHashSet().SetEquals(spec.IPAddresses.Select(ip => ip.ToString())))
            return $"'{crt}' has the IP addresses [{string.Join(", ", ips)}], not [{string.Join(", ", spec.IPAddresses)}]";
        if (issuer != null && !AnchoredChain.IsSignedBy(current.Certificate, issuer))
            return $"'{crt}' was issued by '{current.Issuer}', not by '{issuer.Subject}' (thumbprint {issuer.Thumbprint})";
        if (selfSigned && !current.Certificate.SubjectName.RawData.AsSpan().SequenceEqual(current.Certificate.IssuerName.RawData))
            return $"'{crt}' was issued by '{current.Issuer}', not self-signed";
        found = current;
        return null;
    }
}
