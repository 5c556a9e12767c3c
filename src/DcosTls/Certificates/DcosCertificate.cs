using System.Formats.Asn1;
using Newtonsoft.Json;
using DcosTls.Common;

namespace DcosTls.Certificates;

/// <summary>
/// The one pipeline type for a certificate: from a cluster CA, a local CA, a self-signed request,
/// a file, or the cluster's root bundle. The private key, when there is one, is held in memory and
/// is not a property: it leaves only through Export-DcosCertificate. Every property is a plain
/// value so that the object survives remoting and Export-Clixml well enough for the next cmdlet to
/// bind it by property name (CertificatePem, ChainPem).
/// </summary>
public sealed class DcosCertificate
{
    private readonly AsymmetricAlgorithm? _privateKey;

    internal DcosCertificate(X509Certificate2 certificate, IEnumerable<X509Certificate2>? chain = null,
        AsymmetricAlgorithm? privateKey = null)
    {
        // Keep a public-only copy: the X509Certificate2 we hand out must not carry the key.
        Certificate = new X509Certificate2(certificate.RawData);
        Chain = (chain ?? Array.Empty<X509Certificate2>()).Select(c => new X509Certificate2(c.RawData)).ToArray();
        _privateKey = privateKey;
        CommonName = Certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false) ?? string.Empty;
        Subject = Certificate.Subject;
        Issuer = Certificate.Issuer;
        NotBefore = Certificate.NotBefore.ToUniversalTime();
        NotAfter = Certificate.NotAfter.ToUniversalTime();
        Thumbprint = Certificate.Thumbprint;
        Sha256Fingerprint = Convert.ToHexString(SHA256.HashData(Certificate.RawData));
        SubjectHash = Certificates.SubjectHash.Compute(Certificate);
        SerialNumber = Certificate.SerialNumber;
        var (dns, ips) = ReadSubjectAlternativeNames(Certificate);
        DnsNames = new ValueList<string>(dns);
        IPAddresses = new ValueList<string>(ips);
        ExtendedKeyUsages = new ValueList<string>(ReadExtendedKeyUsages(Certificate));
        IsCertificateAuthority = Certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority);
        (KeyAlgorithm, KeySize) = DescribeKey(Certificate);
        CertificatePem = Certificate.ExportCertificatePem() + "\n";
        ChainPem = string.Concat(Chain.Select(c => c.ExportCertificatePem() + "\n"));
    }

    /// <summary>The certificate itself (public part only). Hidden, and ignored by ConvertTo-Json, so that
    /// Export-Csv and ConvertTo-Json give the certificate's own fields and not the whole X509Certificate2;
    /// $cert.Certificate still works, and CertificatePem carries it anywhere.</summary>
    [Hidden, JsonIgnore]
    public X509Certificate2 Certificate { get; }

    /// <summary>Issuing certificates, nearest first, as delivered by the CA or read from the file.
    /// Hidden and ignored by ConvertTo-Json like Certificate; ChainPem carries them.</summary>
    [Hidden, JsonIgnore]
    public X509Certificate2[] Chain { get; }

    public string CommonName { get; }
    public string Subject { get; }
    public string Issuer { get; }
    public ValueList<string> DnsNames { get; }
    public ValueList<string> IPAddresses { get; }
    public DateTime NotBefore { get; }
    public DateTime NotAfter { get; }

    /// <summary>Whole days until NotAfter (negative once expired).</summary>
    public int DaysLeft => (int)Math.Floor((NotAfter - DateTime.UtcNow).TotalDays);

    /// <summary>SHA-1 of the DER certificate, upper-case hex: the same value as Certificate.Thumbprint,
    /// the Cert: drive and Get-PfxCertificate.</summary>
    public string Thumbprint { get; }

    /// <summary>SHA-256 of the DER certificate, upper-case hex (openssl x509 -fingerprint -sha256, without colons).</summary>
    public string Sha256Fingerprint { get; }

    /// <summary>OpenSSL's subject-name hash (`openssl x509 -hash`), the name of hashed trust links.</summary>
    public string SubjectHash { get; }

    public string SerialNumber { get; }
    public ValueList<string> ExtendedKeyUsages { get; }
    public bool IsCertificateAuthority { get; }
    public string KeyAlgorithm { get; }
    public int KeySize { get; }
    public bool HasPrivateKey => _privateKey != null;
    public string CertificatePem { get; }
    public string ChainPem { get; }

    internal AsymmetricAlgorithm? PrivateKey => _privateKey;

    /// <summary>
    /// How the certificate was made (issuer kind and settings, never a secret) as JSON text, set by
    /// New-DcosCertificate; Export-DcosCertificate writes it into the renewal description beside the
    /// files. A plain string, so that it crosses remoting and Export-Clixml, and Import-DcosCertificate
    /// -CertificatePem takes it back by property name. Empty for a certificate read from a file.
    /// </summary>
    public string? Origin { get; internal set; }

    /// <summary>
    /// The files this certificate and its key were read from or last exported to (in this session only):
    /// a local CA's renewal description names them, so a renewal reads the CA's key from there.
    /// </summary>
    internal (string Certificate, string? Key)? Files { get; set; }

    /// <summary>A copy of the certificate that carries the private key (for signing and TLS).</summary>
    internal X509Certificate2 WithPrivateKey()
    {
        return _privateKey switch
        {
            RSA rsa => Certificate.CopyWithPrivateKey(rsa),
            ECDsa ec => Certificate.CopyWithPrivateKey(ec),
            _ => throw new InvalidOperationException("This certificate has no private key."),
        };
    }

    public override string ToString() => $"{CommonName} ({Thumbprint}, expires {NotAfter:yyyy-MM-dd})";

    internal static (string[] Dns, string[] Ips) ReadSubjectAlternativeNames(X509Certificate2 cert)
    {
        var dns = new List<string>();
        var ips = new List<string>();
        foreach (var san in cert.Extensions.OfType<X509SubjectAlternativeNameExtension>())
        {
            dns.AddRange(san.EnumerateDnsNames());
            ips.AddRange(san.EnumerateIPAddresses().Select(ip => ip.ToString()));
        }
        return (dns.ToArray(), ips.ToArray());
    }

    private static string[] ReadExtendedKeyUsages(X509Certificate2 cert)
    {
        var names = new List<string>();
        foreach (var eku in cert.Extensions.OfType<X509EnhancedKeyUsageExtension>())
        {
            foreach (var oid in eku.EnhancedKeyUsages)
            {
                names.Add(oid.Value switch
                {
                    Oids.ServerAuth => "serverAuth",
                    Oids.ClientAuth => "clientAuth",
                    _ => oid.Value ?? string.Empty,
                });
            }
        }
        return names.ToArray();
    }

    private static (string, int) DescribeKey(X509Certificate2 cert)
    {
        using RSA? rsa = cert.GetRSAPublicKey();
        if (rsa != null) return ("RSA", rsa.KeySize);
        using ECDsa? ec = cert.GetECDsaPublicKey();
        if (ec != null) return ("ECDSA", ec.KeySize);
        return (cert.PublicKey.Oid.FriendlyName ?? cert.PublicKey.Oid.Value ?? "unknown", 0);
    }
}

internal static class Oids
{
    internal const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    internal const string ClientAuth = "1.3.6.1.5.5.7.3.2";
}
