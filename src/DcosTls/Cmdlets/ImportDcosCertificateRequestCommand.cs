using DcosTls.Common;
using DcosTls.Requests;

namespace DcosTls.Cmdlets;

/// <summary>
/// Import-DcosCertificateRequest: PKCS#10 requests from PEM or DER files (openssl req, cfssl genkey, an
/// appliance) or PEM text, checked before they become objects: signature, key, names, no CA flag.
/// </summary>
[Cmdlet(VerbsData.Import, "DcosCertificateRequest", DefaultParameterSetName = PathSet)]
[OutputType(typeof(DcosCertificateRequest))]
public sealed class ImportDcosCertificateRequestCommand : DcosCmdlet
{
    private const string PathSet = "Path";
    private const string PemSet = "Pem";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    [Alias("FullName", "PSPath")]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>PEM text, e.g. the RequestPem property of a request that came back from Import-Clixml.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PemSet)]
    [Alias("Csr")]
    public string RequestPem { get; set; } = string.Empty;

    protected override void Process()
    {
        if (ParameterSetName == PemSet)
        {
            Read(() => CertificateRequestReader.Read(System.Text.Encoding.UTF8.GetBytes(RequestPem), "-RequestPem"), "(RequestPem)");
            return;
        }
        foreach (string p in Path)
        {
            string file = ResolvePath(p);
            Read(() => CertificateRequestReader.ReadFile(file, "-Path"), p);
        }
    }

    private void Read(Func<DcosCertificateRequest> read, object target)
    {
        try
        {
            WriteObject(read());
        }
        catch (Exception e) when (e is CertificateRequestException or IOException)
        {
            // Each file is its own input: a bad one is reported and the next is read.
            Report(e as CertificateRequestException ?? new DcosTlsException("CertificateRequestFileUnreadable", ErrorCategory.ReadError,
                $"{target} could not be read ({e.GetType().Name}). Check the file's permissions.", target), target);
        }
    }
}
