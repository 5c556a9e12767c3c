using DcosTls.Certificates;
using DcosTls.Common;
using DcosTls.Files;

namespace DcosTls.Cmdlets;

/// <summary>
/// Export-DcosCertificate: the only way a private key leaves a DcosCertificate. Silent unless
/// -PassThru, which emits one WrittenFile per file.
/// </summary>
[Cmdlet(VerbsData.Export, "DcosCertificate", SupportsShouldProcess = true)]
[OutputType(typeof(WrittenFile))]
public sealed class ExportDcosCertificateCommand : DcosCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public DcosCertificate Certificate { get; set; } = null!;

    /// <summary>The file to write; for Pem, the .crt (the .key goes beside it).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string Path { get; set; } = string.Empty;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public CertificateExportFormat Format { get; set; } = CertificateExportFormat.Pem;

    /// <summary>Encrypts the key (PKCS#8 with AES-256) or protects the PKCS#12 file.</summary>
    [Parameter]
    public SecureString? Password { get; set; }

    /// <summary>Writes the certificate only, even when a key is present.</summary>
    [Parameter]
    public SwitchParameter NoKey { get; set; }

    /// <summary>Replaces existing files with different content.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Emits one row per file (role, action, mode, path).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        if (!TryResolveExportPath(Path, "name.crt", out string target)) return;
        bool withKey = Certificate.HasPrivateKey && !NoKey;
        if (Format != CertificateExportFormat.Pem && !Certificate.HasPrivateKey)
        {
            Report("PrivateKeyMissing", ErrorCategory.InvalidArgument,
                $"'{Certificate.CommonName}' has no private key, which the {Format} format needs. Export it as Pem, or import it with -KeyPath.", Certificate);
            return;
        }
        // An encrypted key or a PKCS#12 file never has the same bytes twice (random salt and IV): one
        // that holds the same certificates and key is kept, so a re-run changes nothing.
        WriteFileSet(Plan(target, withKey), Force, PassThru, file => ExportEquivalence.Holds(file.Path, Format, Certificate, Password, file.Mode));
    }

    private List<PlannedFile> Plan(string target, bool withKey)
    {
        var utf8 = new System.Text.UTF8Encoding(false);
        string certAndChain = Certificate.CertificatePem + Certificate.ChainPem;
        string KeyPem() => Password == null
            ? PrivateKeyReader.ExportPem(Certificate.PrivateKey!, ReadOnlySpan<char>.Empty, encrypt: false)
            : SecureStrings.Use(Password, chars => PrivateKeyReader.ExportPem(Certificate.PrivateKey!, chars, encrypt: true));
        switch (Format)
        {
            case CertificateExportFormat.HaproxyPem:
                return new() { new("HaproxyPem", target, utf8.GetBytes(certAndChain + KeyPem()), StagedFileWriter.PrivateFile) };
            case CertificateExportFormat.Pkcs12:
                {
                    var ders = new[] { Certificate.Certificate }.Concat(Certificate.Chain).Select(c => c.RawData).ToList();
                    char[] chars = Password == null ? Array.Empty<char>() : SecureStrings.Use(Password, c => c.ToArray());
                    try
                    {
                        return new() { new("Pkcs12", target, Engine.Pkcs12Writer.Build(Certificate.PrivateKey!, ders, chars), StagedFileWriter.PrivateFile) };
                    }
                    finally
                    {
                        Array.Clear(chars);
                    }
                }
            default:
                string crt = target.EndsWith(".crt", StringComparison.Ordinal) || target.EndsWith(".pem", StringComparison.Ordinal)
                    ? target : target + ".crt";
                string stem = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(crt)!, System.IO.Path.GetFileNameWithoutExtension(crt));
                var files = new List<PlannedFile> { new("Certificate", crt, utf8.GetBytes(certAndChain), StagedFileWriter.PublicFile) };
                if (withKey) files.Add(new("PrivateKey", stem + ".key", utf8.GetBytes(KeyPem()), StagedFileWriter.PrivateFile));
                return files;
        }
    }
}
