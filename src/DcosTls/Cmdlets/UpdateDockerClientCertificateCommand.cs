using DcosTls.Certificates;
using DcosTls.Files;
using DcosTls.Lifecycle;

namespace DcosTls.Cmdlets;

/// <summary>
/// Update-DockerClientCertificate: renews the client certificate Install-DockerClientCertificate put in
/// a docker CLI folder (cert.pem and key.pem, switched in one atomic step) when it is due. Silent
/// unless -PassThru.
/// </summary>
[Cmdlet(VerbsData.Update, "DockerClientCertificate", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ClusterSet)]
[OutputType(typeof(CertificateRenewal))]
[AcmeParameters(AcmeRole.Renew, DirectorySets = [AcmeSet], NamedSets = [AcmeNamedSet])]
public sealed partial class UpdateDockerClientCertificateCommand : RenewalCmdlet
{
    /// <summary>The docker CLI folder (DOCKER_CERT_PATH).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("DockerCertPath")]
    public string Path { get; set; } = "~/.docker";

    private protected override string CaChangeAdvice(RenewalPlan plan, X509Certificate2 newCa, string bundle)
        => $"'{plan.Path}' now comes from '{newCa.Subject}', and '{bundle}' trusts daemons of '{newCa.Subject}' and '{plan.Current.Issuer}'. " +
           $"A daemon lets this client in only when its tlscacert holds '{newCa.Subject}': Update-DockerDaemonCertificate -Issuer <the new CA> -ChangeIssuer adds it there.";

    protected override void Process()
    {
        string folder = ResolvePath(Path);
        // An inventory row names the file (cert.pem or ca.pem); the pair is renewed in its folder.
        if (File.Exists(folder)) folder = System.IO.Path.GetDirectoryName(folder)!;
        // A user folder, not an agent path: the writer's root is /.
        var checkedRoot = CreateWriter("/");
        var writer = new StagedFileWriter("/", (_, _) => true) { DryRun = checkedRoot.DryRun };
        Renew(writer, KeyPairSlot.Client(writer, folder, RenewalDescription.PathFor("cert.pem")), "Client", CertificateUsage.Client);
    }
}
