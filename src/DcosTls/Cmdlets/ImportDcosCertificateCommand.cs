using System.Runtime.InteropServices;
using DcosTls.Certificates;
using DcosTls.Common;

namespace DcosTls.Cmdlets;

/// <summary>Import-DcosCertificate: certificates (and a key) from PEM files into pipeline objects.</summary>
// Pem is the default set: an object that carries both Path and CertificatePem (a trust row that came
// back from a remote agent) must be read from its PEM, not from a path that exists only over there.
[Cmdlet(VerbsData.Import, "DcosCertificate", DefaultParameterSetName = PemSet)]
[OutputType(typeof(DcosCertificate))]
public sealed class ImportDcosCertificateCommand : DcosCmdlet
{
    private const string PathSet = "Path";
    private const string PemSet = "Pem";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    [Alias("FullName", "PSPath", "CertificatePath")]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>A separate key file; without it a key in the certificate file itself is used.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    public string? KeyPath { get; set; }

    /// <summary>
    /// PEM text, e.g. the CertificatePem of an object that came back from Invoke-Command or
    /// Import-Clixml: piping such an object here makes it a live certificate object again.
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PemSet)]
    public string CertificatePem { get; set; } = string.Empty;

    /// <summary>The issuing chain as PEM (the ChainPem property of a certificate object).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = PemSet)]
    public string? ChainPem { get; set; }

    [Parameter]
    public SecureString? Password { get; set; }

    /// <summary>How the certificate was made (a DcosCertificate's Origin, e.g. after Import-Clixml): kept for its renewal description.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = PemSet)]
    public string? Origin { get; set; }

    // PEM text that is not a certificate ends this input only, named without the text: it may hold a key.
    protected override DcosTlsException? Meaning(Exception e)
        => ParameterSetName == PemSet && e is InvalidDataException or System.Security.Cryptography.CryptographicException
        ? new DcosTlsException("InvalidCertificatePem", ErrorCategory.InvalidData, $"-CertificatePem could not be read: {e.Message}", "(CertificatePem)")
        : null;

    protected override bool EndsOnlyThisInput(DcosTlsException error) => error.ErrorId == "InvalidCertificatePem";

    protected override void Process()
    {
        if (ParameterSetName == PemSet)
        {
            foreach (var cert in CertificateFileReader.ReadPem(CertificatePem, ChainPem))
            {
                cert.Origin = CertificateOrigin.FromJson(Origin)?.ToJson();
                WriteObject(cert);
            }
            return;
        }
        foreach (string p in Path)
        {
            string file = ResolvePath(p);
            if (!File.Exists(file))
            {
                Report("CertificateFileNotFound", ErrorCategory.ObjectNotFound, $"The file '{file}' does not exist. Check -Path.", p);
                continue;
            }
            try
            {
                string? keyFile = ResolveOptionalPath(KeyPath);
                foreach (var cert in CertificateFileReader.Read(file, keyFile, Password))
                {
                    // A local CA read from files: what it signs names these files in its renewal description.
                    if (cert.HasPrivateKey) cert.Files = (file, keyFile ?? file);
                    WriteObject(cert);
                }
            }
            catch (Exception e) when (e is KeyPasswordException or InvalidDataException or System.Security.Cryptography.CryptographicException or FormatException)
            {
                // Each file is its own input: a wrong password or a file that is not a certificate is reported, and the next is read.
                Report(e as KeyPasswordException ?? new DcosTlsException("InvalidCertificateFile", ErrorCategory.InvalidData, $"'{file}' could not be read: {e.Message}", p), p);
            }
        }
    }
}
