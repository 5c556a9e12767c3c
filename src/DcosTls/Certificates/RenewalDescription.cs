using System.Text.Json;
using System.Text.Json.Serialization;
using DcosTls.Common;
using DcosTls.Files;

namespace DcosTls.Certificates;

/// <summary>
/// How a certificate was made, without any secret: which issuer (the cluster CA and its profile, a
/// local CA by its files and thumbprint, self-signed, an ACME directory with its challenge settings)
/// and the usage and validity asked for. New-DcosCertificate sets it on the certificate it issues
/// (<see cref="DcosCertificate.Origin"/>, as JSON text so that it crosses remoting and
/// Export-Clixml as a plain string), and the writers put it into the renewal description.
/// A TSIG secret, an account key, a token or a password never has a field here: what a renewal needs
/// of them is read again from where the operator keeps it (a key file, the account folder) or asked for.
/// </summary>
internal sealed class CertificateOrigin
{
    internal const string Cluster = "Cluster";
    internal const string LocalCa = "LocalCa";
    internal const string SelfSigned = "SelfSigned";
    internal const string Acme = "Acme";

    public string Kind { get; set; } = string.Empty;

    /// <summary>Server, Client or ServerAndClient, as asked.</summary>
    public string? Usage { get; set; }

    /// <summary>Validity asked of a local CA or self-signed certificate (the cluster and ACME CAs decide their own).</summary>
    public int? ValidDays { get; set; }

    /// <summary>The cfssl signing profile of the DC/OS CA.</summary>
    public string? Profile { get; set; }

    public string? CaSubject { get; set; }

    /// <summary>SHA-1 of the local CA's certificate: a renewal checks the CA it reads is this one.</summary>
    public string? CaThumbprint { get; set; }

    /// <summary>Where the local CA's certificate and key are kept (known when the CA was imported from or exported to files).</summary>
    public string? CaCertificatePath { get; set; }
    public string? CaKeyPath { get; set; }

    public string? AcmeDirectory { get; set; }
    public string? AccountPath { get; set; }

    /// <summary>The CA file that verifies the ACME server's TLS certificate (-CaCertificatePath of New-DcosCertificate).</summary>
    public string? AcmeServerCaPath { get; set; }
    public string? WebRoot { get; set; }
    public int? HttpPort { get; set; }
    public string? HttpListenAddress { get; set; }
    public string? DnsServer { get; set; }
    public string? TsigKeyName { get; set; }

    /// <summary>The file the TSIG secret is read from; a secret given as -TsigSecret is asked for again.</summary>
    public string? TsigKeyFile { get; set; }
    public string? TsigAlgorithm { get; set; }

    internal string ToJson() => JsonSerializer.Serialize(this, RenewalDescription.Compact);

    /// <summary>The origin a certificate carries, or null when it carries none or an unreadable one.</summary>
    internal static CertificateOrigin? FromJson(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return null;
        try { return JsonSerializer.Deserialize<CertificateOrigin>(json, RenewalDescription.Compact); }
        catch (JsonException) { return null; }
    }

    internal string Describe() => Kind switch
    {
        Cluster => "the DC/OS CA" + (Profile == null ? "" : $" (profile '{Profile}')"),
        LocalCa => $"the local CA '{CaSubject}'" + (CaCertificatePath == null ? "" : $" ('{CaCertificatePath}')"),
        SelfSigned => "itself (self-signed)",
        Acme => $"the ACME directory {AcmeDirectory}",
        _ => Kind,
    };
}

/// <summary>The certificate a description was written for, as it was then.</summary>
internal sealed class DescribedCertificate
{
    public string CommonName { get; set; } = string.Empty;
    public string Subject { get; set; } = string.Empty;
    public string[] DnsNames { get; set; } = Array.Empty<string>();
    public string[] IPAddresses { get; set; } = Array.Empty<string>();
    public string KeyAlgorithm { get; set; } = string.Empty;
    public int KeySize { get; set; }
    public string[] ExtendedKeyUsages { get; set; } = Array.Empty<string>();
    public DateTime NotBefore { get; set; }
    public DateTime NotAfter { get; set; }

    /// <summary>SHA-1, upper-case hex: what the certificate file must still hold for a renewal to replace it.</summary>
    public string Thumbprint { get; set; } = string.Empty;
}

/// <summary>One file written for the certificate, by its name in the description's folder.</summary>
internal sealed class DescribedFile
{
    /// <summary>Certificate, PrivateKey, HaproxyPem or Pkcs12.</summary>
    public string Role { get; set; } = string.Empty;
    public string Name { get; set; } = string.Empty;
}

/// <summary>
/// The renewal description kept beside a certificate DcosTls wrote ("&lt;certificate file&gt;.renewal.json"):
/// how it was made (<see cref="CertificateOrigin"/>), what it is, and the files written for it, by name in
/// the same folder (so the folder can be moved or staged under a root). Update-DcosCertificate reads
/// it to renew the certificate the same way and rewrites it with the new thumbprint in the same switch.
/// </summary>
internal sealed class RenewalDescription
{
    internal const string Suffix = ".renewal.json";
    internal const int CurrentVersion = 1;

    internal static readonly JsonSerializerOptions Compact = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly JsonSerializerOptions Indented = new(Compact) { WriteIndented = true };

    public int Version { get; set; } = CurrentVersion;

    /// <summary>Pem (certificate and key files), HaproxyPem (one file) or Pkcs12.</summary>
    public string Format { get; set; } = string.Empty;

    /// <summary>True when the key or PKCS#12 file is protected by a password (asked for again as -Password).</summary>
    public bool PasswordProtected { get; set; }

    public CertificateOrigin Issuer { get; set; } = new();
    public DescribedCertificate Certificate { get; set; } = new();
    public DescribedFile[] Files { get; set; } = Array.Empty<DescribedFile>();

    /// <summary>The path of the description beside a certificate file.</summary>
    internal static string PathFor(string certificateFile) => certificateFile + Suffix;

    /// <summary>The description for a certificate written as these files (names only, all in one folder).</summary>
    internal static RenewalDescription For(DcosCertificate certificate, CertificateOrigin origin, CertificateExportFormat format, bool passwordProtected,
        IEnumerable<(string Role, string Name)> files)
        => new()
        {
            Format = format.ToString(),
            PasswordProtected = passwordProtected,
            Issuer = origin,
            Certificate = new DescribedCertificate
            {
                CommonName = certificate.CommonName,
                Subject = certificate.Subject,
                DnsNames = certificate.DnsNames.ToArray(),
                IPAddresses = certificate.IPAddresses.ToArray(),
                KeyAlgorithm = certificate.KeyAlgorithm,
                KeySize = certificate.KeySize,
                ExtendedKeyUsages = certificate.ExtendedKeyUsages.ToArray(),
                NotBefore = certificate.NotBefore,
                NotAfter = certificate.NotAfter,
                Thumbprint = certificate.Thumbprint,
            },
            Files = files.Select(f => new DescribedFile { Role = f.Role, Name = f.Name }).ToArray(),
        };

    /// <summary>
    /// The description of a certificate-and-key pair an installer writes under fixed names (the Docker
    /// daemon's and CLI's pairs), as a file that switches with the pair; none for a certificate that does
    /// not say how it was made.
    /// </summary>
    internal static SlotFile[] Companions(DcosCertificate certificate, string certificateName, string keyName)
    {
        var origin = CertificateOrigin.FromJson(certificate.Origin);
        if (origin == null) return Array.Empty<SlotFile>();
        var description = For(certificate, origin, CertificateExportFormat.Pem, passwordProtected: false, new[] { ("Certificate", certificateName), ("PrivateKey", keyName) });
        return new[] { new SlotFile(PathFor(certificateName), description.ToBytes(), StagedFileWriter.PublicFile) };
    }

    /// <summary>The file's bytes: indented JSON, one trailing newline; the same certificate gives the same bytes.</summary>
    internal byte[] ToBytes() => new UTF8Encoding(false).GetBytes(JsonSerializer.Serialize(this, Indented) + "\n");

    internal string FileNameOf(string role) => Files.FirstOrDefault(f => f.Role == role)?.Name ?? string.Empty;

    /// <summary>The name of the file that holds the certificate (the first file).</summary>
    internal string CertificateName => Files.Length == 0 ? string.Empty : Files[0].Name;

    /// <summary>The key's own file, or null when the key is inside the certificate's file.</summary>
    internal string? KeyName => Files.FirstOrDefault(f => f.Role == "PrivateKey")?.Name;

    /// <summary>
    /// Reads and checks a description: JSON of this version, a known issuer kind and format, file
    /// names that stay in the description's folder. Anything else is RenewalDescriptionInvalid.
    /// </summary>
    internal static RenewalDescription Parse(byte[] content, string path)
    {
        RenewalDescription? read;
        try
        {
            if (JsonDuplicateKeys.Find(content) is { } duplicate) throw new InvalidDataException($"the key '{duplicate}' appears twice");
            read = JsonSerializer.Deserialize<RenewalDescription>(content, Compact);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or ArgumentException)
        {
            throw Invalid(path, $"it is not a renewal description ({Printable(e.Message.TrimEnd('.'), 200)})");
        }
        if (read == null) throw Invalid(path, "it is empty (null)");
        if (read.Version != CurrentVersion) throw Invalid(path, $"its version is {read.Version}; this module reads version {CurrentVersion}");
        if (!Enum.TryParse<CertificateExportFormat>(read.Format, out _)) throw Invalid(path, $"its format '{Printable(read.Format ?? "", 40)}' is not Pem, HaproxyPem or Pkcs12");
        if (read.Issuer is not { Kind: CertificateOrigin.Cluster or CertificateOrigin.LocalCa or CertificateOrigin.SelfSigned or CertificateOrigin.Acme })
            throw Invalid(path, $"its issuer kind '{Printable(read.Issuer?.Kind ?? "", 40)}' is not Cluster, LocalCa, SelfSigned or Acme");
        if (read.Issuer.Kind == CertificateOrigin.Acme && !Uri.TryCreate(read.Issuer.AcmeDirectory, UriKind.Absolute, out _))
            throw Invalid(path, "its ACME issuer names no directory URL");
        if (read.Certificate == null || string.IsNullOrEmpty(read.Certificate.Thumbprint)) throw Invalid(path, "it names no certificate thumbprint");
        if (read.Files == null || read.Files.Length == 0) throw Invalid(path, "it names no file");
        foreach (var file in read.Files)
        {
            if (file == null || string.IsNullOrEmpty(file.Name) || file.Name != System.IO.Path.GetFileName(file.Name) || file.Name is "." or ".." || file.Name.Any(char.IsControl))
                throw Invalid(path, $"the file name '{Printable(file?.Name ?? "", 80)}' is not a plain name in the description's folder");
        }
        return read;
    }

    private static DcosTlsException Invalid(string path, string why)
        => new("RenewalDescriptionInvalid", ErrorCategory.InvalidData,
            $"'{path}' cannot be read: {why}. Write it again by exporting the certificate with Export-DcosCertificate, or remove it.", path);

    /// <summary>Text from a file, shortened and with control characters shown as '?', for a message.</summary>
    private static string Printable(string text, int max)
    {
        string clean = new(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return clean.Length <= max ? clean : clean[..max] + "...";
    }
}
