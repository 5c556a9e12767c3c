using System.Management.Automation;
using DcosTls.Certificates;
using DcosTls.Common;

namespace DcosTls.Cmdlets;

/// <summary>New-TlsCertificateAuthority: a local CA (the ca.pem/ca-key.pem of a Docker TLS setup) in memory.</summary>
[Cmdlet(VerbsCommon.New, "TlsCertificateAuthority")]
[OutputType(typeof(DcosCertificate))]
public sealed class NewTlsCertificateAuthorityCommand : DcosCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string CommonName { get; set; } = string.Empty;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public KeyAlgorithm KeyAlgorithm { get; set; } = KeyAlgorithm.RSA;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(KeySizeCompleter))]
    public int KeySize { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 36500)]
    public int ValidDays { get; set; } = 365;

    [Parameter(ValueFromPipelineByPropertyName = true)] public string? Country { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? State { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? Locality { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? Organization { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? OrganizationalUnit { get; set; }

    protected override void ProcessRecord()
    {
        CertificateSpec spec;
        try
        {
            spec = CertificateSpec.Create(CommonName, null, null, KeyAlgorithm,
                MyInvocation.BoundParameters.ContainsKey(nameof(KeySize)) ? KeySize : null, forAuthority: true,
                Country, State, Locality, Organization, OrganizationalUnit);
        }
        catch (CertificateSpecException e)
        {
            Report("InvalidCertificateRequest," + e.Parameter, ErrorCategory.InvalidArgument, e.Message, CommonName);
            return;
        }
        ProgressReporter.Run(this, spec, "Creating certificate authority " + spec.CommonName,
            () => WriteObject(CertificateBuilder.CreateAuthority(spec, ValidDays)));
    }
}
