using DcosTls.Certificates;
using DcosTls.Common;
using DcosTls.Requests;

namespace DcosTls.Cmdlets;

/// <summary>
/// New-DcosCertificateRequest: a key made here and a PKCS#10 request for it, in memory, with the same name,
/// SAN, usage and key parameters as New-DcosCertificate. Sign it later with New-DcosCertificate
/// -CertificateRequest, or keep it with Export-DcosCertificateRequest for another CA.
/// </summary>
[Cmdlet(VerbsCommon.New, "DcosCertificateRequest")]
[OutputType(typeof(DcosCertificateRequest))]
public sealed class NewDcosCertificateRequestCommand : DcosCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("CN")]
    public string CommonName { get; set; } = string.Empty;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("DnsNames", "Hosts")]
    public string[]? DnsName { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("IPAddresses", "IP")]
    public string[]? IPAddress { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public KeyAlgorithm KeyAlgorithm { get; set; } = KeyAlgorithm.RSA;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(KeySizeCompleter))]
    public int KeySize { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)] public string? Country { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? State { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? Locality { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? Organization { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? OrganizationalUnit { get; set; }

    /// <summary>The extended key usage asked for in the request (the signing CA has the last word).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public CertificateUsage Usage { get; set; } = CertificateUsage.Server;

    // A bad name or key size ends this request only.
    protected override bool EndsOnlyThisInput(DcosTlsException error) => error is CertificateSpecException;

    protected override void Process()
    {
        ErrorTarget = CommonName;
        var spec = CertificateSpec.Create(CommonName, DnsName, IPAddress, KeyAlgorithm,
            MyInvocation.BoundParameters.ContainsKey(nameof(KeySize)) ? KeySize : null, forAuthority: false,
            Country, State, Locality, Organization, OrganizationalUnit);
        KeyGenerationProgress.Run(this, spec, "Creating certificate request " + spec.CommonName,
            () => WriteObject(CertificateRequestFactory.Create(spec, Usage)));
    }
}
