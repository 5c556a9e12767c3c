using DcosTls.DockerDaemon;
using DcosTls.Trust;

namespace DcosTls.Cmdlets;

/// <summary>
/// Install-DockerRegistryTrust: makes Docker (certs.d), the Mesos fetcher/UCR (hashed folder), the
/// OS and containers/image trust a registry's CA. Idempotent; nothing is restarted unless asked.
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "DockerRegistryTrust", SupportsShouldProcess = true, DefaultParameterSetName = CertificateSet)]
[OutputType(typeof(RegistryTrustResult))]
public sealed class InstallDockerRegistryTrustCommand : RegistryTrustInputCmdlet
{
    /// <summary>Installs an expired (or not yet valid) CA anyway.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Restarts Docker afterwards (not needed: Docker reads certs.d on every pull).</summary>
    [Parameter]
    public SwitchParameter RestartDocker { get; set; }

    /// <summary>DC/OS 1.8: an existing PEM bundle (agent path) the CA is appended to once, after a backup.</summary>
    [Parameter]
    public string? LegacyBundlePath { get; set; }

    private protected override void Accept(X509Certificate2 certificate)
    {
        var now = DateTime.UtcNow;
        string name = certificate.Subject.Length > 0 ? certificate.Subject : "(empty subject)";
        if (certificate.NotAfter.ToUniversalTime() < now)
        {
            if (!Force)
                Fail("CertificateExpired", ErrorCategory.InvalidData,
                    $"'{name}' expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}. Install the CA's renewed certificate, or use -Force to install it anyway.",
                    certificate);
            WriteWarning($"'{name}' expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}; installing it because of -Force.");
        }
        else if (certificate.NotBefore.ToUniversalTime() > now)
        {
            WriteWarning($"'{name}' is not valid before {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC; check the clocks.");
        }
        if (!certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority))
            WriteWarning($"'{name}' is not a CA certificate: trusting it works only for the server that presents this very certificate.");
        if (WeakCaCheck.Warning(certificate, name) is { } weak) WriteWarning(weak);
    }

    protected override void End()
    {
        if (PipelineWasEmpty) return;
        var writer = CreateWriter(Root);
        var installer = new RegistryTrustInstaller(writer, Requests, WriteWarning, WriteVerbose, (t, a) => ShouldProcess(t, a));
        bool changed = false;
        Run(() => installer.Check(Requests, LegacyBundlePath));
        Run(() =>
        {
            foreach (var result in installer.Install(Requests, LegacyBundlePath))
            {
                changed |= result.Action is Files.FileAction.Created or Files.FileAction.Updated;
                WriteResult(result);
            }
        });
        if (RestartDocker) Restart(writer.Root, changed);
    }

    private void Restart(string root, bool changed)
    {
        WriteWarning("Restarting Docker stops every container on this agent (tasks are lost unless live-restore is on). " +
            "Docker reads certs.d on every pull, so registry trust does not need a restart.");
        if (!ShouldProcess("docker", "Restart the Docker service (stops the agent's containers)")) return;
        if (root != "/")
        {
            WriteWarning($"Docker was not restarted: -Root '{root}' is a staging root, not this agent.");
            return;
        }
        if (!changed) WriteVerbose("Nothing changed, but -RestartDocker was given: restarting.");
        // certs.d is not in the drop-in, so no daemon-reload: a restart only.
        var failed = DockerServiceRestarter.Restart(_ => { }, reload: false);
        if (failed is { Started: false })
            Report("DockerRestartFailed", ErrorCategory.NotInstalled, $"{failed.Describe()}. Restart Docker by hand if you must; certs.d needs no restart.");
        else if (failed != null)
            Report("DockerRestartFailed", ErrorCategory.InvalidResult, $"{failed.Describe()}. The trust files are in place.");
    }
}
