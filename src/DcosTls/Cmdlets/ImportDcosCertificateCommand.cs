using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;
using DcosTls.Certificates;
using DcosTls.Common;

namespace DcosTls.Cmdlets;

/// <summary>Import-DcosCertificate: certificates (and a key) from PEM files into pipeline objects.</summary>
[Cmdlet(VerbsData.Import, "DcosCertificate")]
[OutputType(typeof(DcosCertificate))]
public sealed class ImportDcosCertificateCommand : DcosCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath", "CertificatePath")]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>A separate key file; without it a key in the certificate file itself is used.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? KeyPath { get; set; }

    [Parameter]
    public SecureString? Password { get; set; }

    protected override void ProcessRecord()
    {
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
                foreach (var cert in CertificateFileReader.Read(file, KeyPath == null ? null : ResolvePath(KeyPath), Password))
                    WriteObject(cert);
            }
            catch (KeyPasswordException e)
            {
                Report(e.Needed ? "KeyPasswordRequired" : "KeyPasswordWrong", ErrorCategory.AuthenticationError, e.Message, p);
            }
            catch (Exception e) when (e is InvalidDataException or System.Security.Cryptography.CryptographicException or FormatException)
            {
                Report("InvalidCertificateFile", ErrorCategory.InvalidData, $"'{file}' could not be read: {e.Message}", p);
            }
        }
    }
}
