
namespace DcosTls.Trust;

/// <summary>
/// A CA certificate on its way into (or out of) trust stores: its PEM, its fingerprint (how we
/// recognise it whatever the file is called), its OpenSSL subject hash and the file name we give it.
/// </summary>
internal sealed class TrustCertificate
{
    internal TrustCertificate(X509Certificate2 certificate)
    {
        Certificate = certificate;
        Thumbprint = certificate.Thumbprint;
        Sha256Fingerprint = Convert.ToHexString(SHA256.HashData(certificate.RawData));
        SubjectHash = Certificates.SubjectHash.Compute(certificate);
        Pem = certificate.ExportCertificatePem() + "\n";
        CommonName = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false) ?? string.Empty;
        FileStem = MakeFileStem(CommonName, Sha256Fingerprint);
    }

    internal X509Certificate2 Certificate { get; }
    /// <summary>SHA-1, upper-case hex (as X509Certificate2.Thumbprint).</summary>
    internal string Thumbprint { get; }

    /// <summary>SHA-256, upper-case hex; its first 8 digits are in the file name, so names stay as they were.</summary>
    internal string Sha256Fingerprint { get; }
    internal string SubjectHash { get; }
    internal string Pem { get; }
    internal string CommonName { get; }

    /// <summary>"&lt;common-name&gt;-&lt;8 hex of the fingerprint&gt;": readable, stable across runs, distinct per certificate.</summary>
    internal string FileStem { get; }

    internal bool IsSame(X509Certificate2 other) => other.RawData.AsSpan().SequenceEqual(Certificate.RawData);

    private static string MakeFileStem(string commonName, string sha256Fingerprint)
    {
        var sb = new StringBuilder();
        foreach (char c in commonName)
        {
            // Only characters that need no quoting anywhere; runs of others become one '-'.
            if (char.IsAsciiLetterOrDigit(c) || c is '.' or '_') sb.Append(c);
            else if (sb.Length > 0 && sb[^1] != '-') sb.Append('-');
        }
        string name = sb.ToString().Trim('-', '.');
        if (name.Length > 48) name = name[..48].TrimEnd('-', '.');
        if (name.Length == 0) name = "ca";
        return $"{name}-{sha256Fingerprint[..8].ToLowerInvariant()}";
    }
}
