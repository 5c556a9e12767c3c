using DcosTls.Trust;

namespace DcosTls.Cmdlets;

/// <summary>
/// Uninstall-DockerRegistryTrust: removes the given CAs (matched by fingerprint, whatever the file
/// or link is called) and renumbers the hash links so that OpenSSL still finds the others.
/// Without -Registry, the certs.d targets are cleaned in every registry folder.
/// </summary>
[Cmdlet(VerbsLifecycle.Uninstall, "DockerRegistryTrust", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = CertificateSet)]
[OutputType(typeof(RegistryTrustResult))]
public sealed class UninstallDockerRegistryTrustCommand : RegistryTrustInputCmdlet
{
    protected override void End()
    {
        if (PipelineWasEmpty) return;
        var installer = new RegistryTrustInstaller(CreateWriter(Root), Requests, WriteWarning, WriteVerbose, (t, a) => ShouldProcess(t, a));
        Run(() => installer.Check(Requests, null, registryRequired: false));
        Run(() =>
        {
            foreach (var result in installer.Uninstall(Requests)) WriteResult(result);
        });
    }
}
