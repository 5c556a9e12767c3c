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

    /// <summary>
    /// Leaves out the renewal description ("&lt;file&gt;.renewal.json") that is otherwise written beside a
    /// certificate New-DcosCertificate made, so that Update-DcosCertificate can renew it.
    /// </summary>
    [Parameter]
    public SwitchParameter NoRenewalDescription { get; set; }

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
        var files = Plan(target, withKey);
        if (Describe(files, withKey) is { } description) files.Add(description);
        WriteFileSet(files, Force, PassThru, file => file.Role != "RenewalDescription" && ExportEquivalence.Holds(file.Path, Format, Certificate, Password, file.Mode));
        // A local CA written to files: what it signs from now on names them in its renewal description.
        if (withKey && Format == CertificateExportFormat.Pem && Certificate.IsCertificateAuthority && !IsWhatIf())
            Certificate.Files = (files[0].Path, files[1].Path);
    }

    /// <summary>
    /// The renewal description beside the files, for a certificate that says how it was made and is
    /// written with its key; none (said in Verbose) otherwise.
    /// </summary>
    private PlannedFile? Describe(List<PlannedFile> files, bool withKey)
    {
        if (NoRenewalDescription || Certificate.IsCertificateAuthority) return null;
        var origin = CertificateOrigin.FromJson(Certificate.Origin);
        if (origin == null || !withKey)
        {
            WriteVerbose($"No renewal description for '{Certificate.CommonName}': " + (origin == null
                ? "it does not say how it was made (only a certificate from New-DcosCertificate does)."
                : "its key is not written (-NoKey or no key), and a renewal replaces the key."));
            return null;
        }
        var description = RenewalDescription.For(Certificate, origin, Format, Password != null,
            files.Select(f => (f.Role, System.IO.Path.GetFileName(f.Path))));
        return new PlannedFile("RenewalDescription", RenewalDescription.PathFor(files[0].Path), description.ToBytes(), StagedFileWriter.PublicFile);
    }

    private List<PlannedFile> Plan(string target, bool withKey) => CertificateFiles.Plan(Certificate, Format, target, withKey, Password);
}
