using DcosTls.Certificates;
using DcosTls.Common;
using DcosTls.Files;
using DcosTls.Requests;

namespace DcosTls.Cmdlets;

/// <summary>
/// Export-DcosCertificateRequest: the request as PEM (&lt;name&gt;.csr, 0644) and, when it was made here,
/// its key (&lt;name&gt;.key, 0600). Silent unless -PassThru. Both files are checked before either is written.
/// </summary>
[Cmdlet(VerbsData.Export, "DcosCertificateRequest", SupportsShouldProcess = true)]
[OutputType(typeof(WrittenFile))]
public sealed class ExportDcosCertificateRequestCommand : DcosCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public DcosCertificateRequest CertificateRequest { get; set; } = null!;

    /// <summary>The .csr file to write; the .key goes beside it.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string Path { get; set; } = string.Empty;

    /// <summary>Encrypts the key file (PKCS#8 with AES-256).</summary>
    [Parameter]
    public System.Security.SecureString? Password { get; set; }

    /// <summary>Writes the request only, even when the key is present.</summary>
    [Parameter]
    public SwitchParameter NoKey { get; set; }

    /// <summary>Replaces existing files with different content.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        if (!TryResolveExportPath(Path, "name.csr", out string target)) return;
        string csr = target.EndsWith(".csr", StringComparison.Ordinal) || target.EndsWith(".pem", StringComparison.Ordinal) ? target : target + ".csr";
        string stem = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(csr)!, System.IO.Path.GetFileNameWithoutExtension(csr));
        var utf8 = new System.Text.UTF8Encoding(false);
        var planned = new List<PlannedFile> { new("CertificateRequest", csr, utf8.GetBytes(CertificateRequest.RequestPem), StagedFileWriter.PublicFile) };
        if (CertificateRequest.HasPrivateKey && !NoKey)
            planned.Add(new("PrivateKey", stem + ".key",
                utf8.GetBytes(Password == null
                    ? PrivateKeyReader.ExportPem(CertificateRequest.PrivateKey!, ReadOnlySpan<char>.Empty, encrypt: false)
                    : SecureStrings.Use(Password, chars => PrivateKeyReader.ExportPem(CertificateRequest.PrivateKey!, chars, encrypt: true))),
                StagedFileWriter.PrivateFile));
        // An encrypted key differs byte for byte on every export: a key file that decrypts to the same key is kept.
        WriteFileSet(planned, Force, PassThru, file => file.Role == "PrivateKey" && ExportEquivalence.HoldsKey(file.Path, CertificateRequest.PrivateKey!, Password, file.Mode));
    }
}
