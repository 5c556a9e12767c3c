using DcosTls.Certificates;
using DcosTls.DockerDaemon;
using DcosTls.Files;
using DcosTls.Lifecycle;

namespace DcosTls.Cmdlets;

/// <summary>
/// Update-DockerDaemonCertificate: renews the server certificate Set-DockerDaemonTls installed (same
/// names, key type and usages, from the CA that signed it) when it is due, switching the key and the
/// certificate in one atomic step; -Restart makes dockerd serve it. Silent unless -PassThru.
/// </summary>
[Cmdlet(VerbsData.Update, "DockerDaemonCertificate", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ClusterSet)]
[OutputType(typeof(CertificateRenewal))]
[AcmeParameters(AcmeRole.Renew, DirectorySets = [AcmeSet], NamedSets = [AcmeNamedSet])]
public sealed partial class UpdateDockerDaemonCertificateCommand : RenewalCmdlet
{
    /// <summary>Where Set-DockerDaemonTls put server-cert.pem and server-key.pem.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Path")]
    public string TlsDirectory { get; set; } = "/etc/docker/tls";

    /// <summary>Staging root standing in for the agent's /.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string Root { get; set; } = "/";

    /// <summary>systemctl daemon-reload and restart docker after a renewal (agent root only).</summary>
    [Parameter]
    public SwitchParameter Restart { get; set; }

    private protected override string CaChangeAdvice(RenewalPlan plan, X509Certificate2 newCa, string bundle)
        => $"'{plan.Path}' now comes from '{newCa.Subject}'. dockerd's tlscacert '{bundle}' holds it beside '{plan.Current.Issuer}', so clients of either CA are let in. " +
           $"Docker clients verify the daemon with their own ca.pem: give each the new CA (Update-DockerClientCertificate -Issuer <the new CA> -ChangeIssuer adds it) before dockerd restarts.";

    protected override void Process()
    {
        var checkedRoot = CreateWriter(Root);
        if (Restart && checkedRoot.Root != "/")
            Fail("RestartNeedsAgentRoot", ErrorCategory.InvalidArgument,
                $"-Restart restarts this machine's docker.service, but -Root is the staging root '{checkedRoot.Root}'. Drop -Restart, or run with -Root / on the agent.", Root);
        ErrorTarget = TlsDirectory;
        string tlsDirectory = DaemonTlsConfigurator.CheckAgentPath(AgentFolder(checkedRoot, TlsDirectory), nameof(TlsDirectory));
        ErrorTarget = null;
        // One ShouldProcess for the pair (in Renew); the writes themselves are not asked about one by one.
        var writer = new StagedFileWriter(checkedRoot.Root, (_, _) => true) { DryRun = checkedRoot.DryRun };
        bool renewed = Renew(writer, KeyPairSlot.Daemon(writer, tlsDirectory, RenewalDescription.PathFor("server-cert.pem")), "DaemonServer", CertificateUsage.Server);
        if (!renewed || !Restart) return;
        if (!ShouldProcess("docker.service", "Restart (systemctl daemon-reload; systemctl restart docker)")) return;
        string? failure = DockerServiceRestarter.Run(c => WriteVerbose("Running " + c));
        if (failure != null)
            Fail("DockerRestartFailed", ErrorCategory.InvalidOperation,
                $"The certificate was renewed, but restarting Docker failed: {failure}. Check 'journalctl -u docker'; the previous pair is in the folder beside the current one under {tlsDirectory}.");
    }

    /// <summary>
    /// An inventory row's Path is the certificate file as found on this machine (under its Root): the
    /// agent folder that holds it. A plain -TlsDirectory is taken as it is.
    /// </summary>
    private static string AgentFolder(StagedFileWriter writer, string given)
    {
        string path = given;
        if (writer.Root != "/" && writer.Paths.Contains(path) && !Directory.Exists(writer.Map(path))) path = writer.Paths.AgentPathOf(path);
        return File.Exists(writer.Map(path)) ? System.IO.Path.GetDirectoryName(path)! : path;
    }
}
