using DcosTls.Certificates;
using DcosTls.Common;
using DcosTls.Session;

namespace DcosTls.Cmdlets;

/// <summary>
/// Get-DcosCaCertificate: the cluster's root bundle (/ca/dcos-ca.crt) and its signing CA
/// (/ca/api/v2/info). Each object gets a Role note property: RootBundle or SigningCa. The two are
/// often the same certificate, so the rows carry the type name <see cref="ClusterCaTypeName"/>,
/// whose table view shows the Role that tells them apart.
/// </summary>
[Cmdlet(VerbsCommon.Get, "DcosCaCertificate")]
[OutputType(typeof(DcosCertificate))]
public sealed class GetDcosCaCertificateCommand : DcosSessionCmdlet
{
    /// <summary>The type name DcosTls.Format.ps1xml selects the Role table by.</summary>
    internal const string ClusterCaTypeName = "DcosTls.Certificates.DcosCertificate#ClusterCa";

    /// <summary>The cfssl profile whose signing CA to ask for.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProfileCompleter))]
    public string? Profile { get; set; }

    // The cluster's answer ends this call only (the next piped session is asked), and names the cluster.
    protected override bool EndsOnlyThisInput(DcosTlsException error) => error is DcosApiException || error.ErrorId == "CaResponseInvalid";

    // A certificate in the cluster's answer that cannot be read.
    protected override DcosTlsException? Meaning(Exception e) => ErrorTarget != null && e is System.Security.Cryptography.CryptographicException
        ? new DcosTlsException("CaResponseInvalid", ErrorCategory.ProtocolError,
            $"{ErrorTarget} answered with a certificate that cannot be read. Check that it is a DC/OS master.", ErrorTarget)
        : null;

    protected override object? TargetOf(DcosTlsException error) => error is DcosApiException ? ErrorTarget : null;

    protected override void Process()
    {
        var session = RequireSession();
        ErrorTarget = session.ClusterUri;
        var bundle = session.Client.Get("/ca/dcos-ca.crt", Log, Cancel);
        if ((int)bundle.Status != 200)
            throw new DcosApiException("CaBundleUnavailable", $"GET /ca/dcos-ca.crt answered HTTP {(int)bundle.Status}. Is this a DC/OS master?", (int)bundle.Status);
        foreach (var certificate in PemBlock.ReadCertificates(bundle.Body))
            WriteObject(WithRole(new DcosCertificate(certificate), "RootBundle"));
        string signing = new CfsslClient(session, Log, Cancel).Info(Profile);
        foreach (var certificate in PemBlock.ReadCertificates(signing))
            WriteObject(WithRole(new DcosCertificate(certificate), "SigningCa"));
    }

    private static PSObject WithRole(DcosCertificate certificate, string role)
    {
        var wrapped = PSObject.AsPSObject(certificate);
        wrapped.TypeNames.Insert(0, ClusterCaTypeName);
        wrapped.Properties.Add(new PSNoteProperty("Role", role));
        return wrapped;
    }
}
