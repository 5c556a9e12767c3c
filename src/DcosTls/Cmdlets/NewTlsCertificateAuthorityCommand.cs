using System.Management.Automation;
using DcosTls.Certificates;
using DcosTls.Common;

namespace DcosTls.Cmdlets;

/// <summary>
/// New-TlsCertificateAuthority: a local CA (the ca.pem/ca-key.pem of a Docker TLS setup) in memory: a
/// self-signed root, or with -Issuer an intermediate signed by another local CA.
/// </summary>
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

    /// <summary>The CA that signs this one (with its key): makes an intermediate instead of a root.</summary>
    [Parameter]
    public DcosCertificate? Issuer { get; set; }

    /// <summary>How many CAs may sit below this one (pathLenConstraint); an intermediate defaults to 0.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(0, 16)]
    public int PathLength { get; set; }

    protected override void ProcessRecord()
    {
        CertificateSpec spec;
        LocalCaIssuer? issuer = null;
        int? pathLength = MyInvocation.BoundParameters.ContainsKey(nameof(PathLength)) ? PathLength : null;
        try
        {
            spec = CertificateSpec.Create(CommonName, null, null, KeyAlgorithm,
                MyInvocation.BoundParameters.ContainsKey(nameof(KeySize)) ? KeySize : null, forAuthority: true,
                Country, State, Locality, Organization, OrganizationalUnit);
            if (Issuer != null)
            {
                issuer = new LocalCaIssuer(Issuer, ValidDays);
                issuer.Validate();
                pathLength ??= 0;
                issuer.ValidatePathLength(pathLength.Value);
                if (Issuer.NotAfter < DateTime.UtcNow.AddDays(ValidDays))
                    WriteVerbose($"'{spec.CommonName}' ends on {Issuer.NotAfter:yyyy-MM-dd} with its issuer '{Issuer.CommonName}', before -ValidDays {ValidDays}.");
            }
        }
        catch (CertificateSpecException e)
        {
            Report(e, CommonName);
            return;
        }
        ProgressReporter.Run(this, spec, "Creating certificate authority " + spec.CommonName,
            () => WriteObject(issuer != null ? issuer.IssueAuthority(spec, pathLength!.Value) : CertificateBuilder.CreateAuthority(spec, ValidDays, pathLength)));
    }
}
