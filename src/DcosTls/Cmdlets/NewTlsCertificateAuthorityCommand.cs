using DcosTls.Certificates;
using DcosTls.Common;
using DcosTls.Session;

namespace DcosTls.Cmdlets;

/// <summary>
/// New-TlsCertificateAuthority: a local CA (the ca.pem/ca-key.pem of a Docker TLS setup) in memory: a
/// self-signed root, with -Issuer an intermediate signed by another local CA, or with -Profile an
/// intermediate signed by the DC/OS CA through a profile that signs CAs. Every form asks ShouldProcess
/// before the key is made, as New-DcosCertificate does: with -Profile, -WhatIf sends no signing request
/// to the cluster, and under -WhatIf no form emits a CA.
/// </summary>
[Cmdlet(VerbsCommon.New, "TlsCertificateAuthority", DefaultParameterSetName = RootSet, SupportsShouldProcess = true)]
[OutputType(typeof(DcosCertificate))]
public sealed class NewTlsCertificateAuthorityCommand : DcosSessionCmdlet
{
    private const string RootSet = "Root";
    private const string IssuerSet = "Issuer";
    private const string ClusterSet = "Cluster";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string CommonName { get; set; } = string.Empty;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public KeyAlgorithm KeyAlgorithm { get; set; } = KeyAlgorithm.RSA;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(KeySizeCompleter))]
    public int KeySize { get; set; }

    [Parameter(ParameterSetName = RootSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = IssuerSet, ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 36500)]
    public int ValidDays { get; set; } = 365;

    [Parameter(ValueFromPipelineByPropertyName = true)] public string? Country { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? State { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? Locality { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? Organization { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? OrganizationalUnit { get; set; }

    /// <summary>The CA that signs this one (with its key): makes an intermediate instead of a root.</summary>
    [Parameter(Mandatory = true, ParameterSetName = IssuerSet)]
    public DcosCertificate? Issuer { get; set; }

    /// <summary>The DC/OS CA's profile that signs CAs (cfssl ca_constraint): makes an intermediate under the cluster CA.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ClusterSet, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProfileCompleter))]
    [ValidateNotNullOrEmpty]
    public string Profile { get; set; } = string.Empty;

    /// <summary>How many CAs may sit below this one (pathLenConstraint); an intermediate defaults to 0.</summary>
    [Parameter(ParameterSetName = RootSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = IssuerSet, ValueFromPipelineByPropertyName = true)]
    [ValidateRange(0, 16)]
    public int PathLength { get; set; }

    // A bad name or issuer and a refusal by the CA end this CA only; a refused login ends the command.
    protected override bool EndsOnlyThisInput(DcosTlsException error)
        => error is CertificateSpecException or (DcosApiException and not DcosAuthenticationException) || error.ErrorId == "CaResponseInvalid";

    // The DC/OS CA answered 200 with a certificate that cannot be read: this CA's error.
    protected override DcosTlsException? Meaning(Exception e)
        => ParameterSetName == ClusterSet && e is System.Security.Cryptography.CryptographicException or InvalidDataException or FormatException
        ? new DcosTlsException("CaResponseInvalid", ErrorCategory.ProtocolError,
            $"The DC/OS CA's answer for '{CommonName}' holds no readable certificate. Check that the session's cluster address is a DC/OS Enterprise master.", CommonName)
        : null;

    // The CA named by -CommonName, except a profile the cluster refuses for CAs, which names -Profile itself.
    protected override object? TargetOf(DcosTlsException error) => error.ErrorId == "CaProfileNotForAuthorities" ? null : CommonName;

    protected override void Process()
    {
        CertificateSpec spec;
        LocalCaIssuer? issuer = null;
        int? pathLength = MyInvocation.BoundParameters.ContainsKey(nameof(PathLength)) ? PathLength : null;
        spec = CertificateSpec.Create(CommonName, null, null, KeyAlgorithm,
            MyInvocation.BoundParameters.ContainsKey(nameof(KeySize)) ? KeySize : null, forAuthority: true,
            Country, State, Locality, Organization, OrganizationalUnit);
        if (ParameterSetName == ClusterSet)
        {
            IssueFromCluster(spec);
            return;
        }
        if (Issuer != null)
        {
            issuer = new LocalCaIssuer(Issuer, ValidDays);
            issuer.Validate();
            pathLength ??= 0;
            issuer.ValidatePathLength(pathLength.Value);
            if (Issuer.NotAfter < DateTime.UtcNow.AddDays(ValidDays))
                WriteVerbose($"'{spec.CommonName}' ends on {Issuer.NotAfter:yyyy-MM-dd} with its issuer '{Issuer.CommonName}', before -ValidDays {ValidDays}.");
        }
        if (!ShouldProcess(spec.CommonName, issuer != null ? $"Create certificate authority (signed by '{Issuer!.CommonName}')" : "Create self-signed certificate authority")) return;
        KeyGenerationProgress.Run(this, spec, "Creating certificate authority " + spec.CommonName,
            () => WriteObject(issuer != null ? issuer.IssueAuthority(spec, pathLength!.Value) : CertificateBuilder.CreateAuthority(spec, ValidDays, pathLength)));
    }

    /// <summary>The cluster's profile decides validity and path length; the answer is checked before it is output.</summary>
    private void IssueFromCluster(CertificateSpec spec)
    {
        var issuer = new Session.ClusterAuthorityIssuer(RequireSession(), Profile, Log, Cancel);
        issuer.ValidateProfile();
        if (!ShouldProcess(spec.CommonName, $"Issue certificate authority (DC/OS CA, profile '{Profile}')")) return;
        KeyGenerationProgress.Run(this, spec, "Creating certificate authority " + spec.CommonName, () => WriteObject(issuer.Issue(spec)));
    }
}
