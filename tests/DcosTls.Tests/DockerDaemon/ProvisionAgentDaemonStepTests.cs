using DcosTls.Tests.Infrastructure;
using Xunit;

namespace DcosTls.Tests.DockerDaemon;

/// <summary>The "daemon TLS" steps of module/Examples/Provision-Agent.ps1, run in the hosted engine.</summary>
public class ProvisionAgentDaemonStepTests
{
    [Fact]
    public void Example_stages_daemon_TLS_client_files_and_the_registry_app()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        string root = dir["staging"];
        ps.Set("root", root).Set("DcosTlsManifest", Repo.Manifest);
        string script = Path.Combine(Repo.Root, "module", "Examples", "Provision-Agent.ps1");
        ps.Run($"$null = & '{script}' -Root $root").ThrowOnError();
        foreach (string f in new[] { "etc/docker/tls/ca.pem", "etc/docker/tls/server-cert.pem", "etc/docker/daemon.json",
                     "etc/systemd/system/docker.service.d/dcostls-hosts.conf", "provisioning/docker-client/cert.pem",
                     "provisioning/mlbint.json", "provisioning/registry.json" })
            Assert.True(File.Exists(Path.Combine(root, f)), f);
        Assert.Equal("600", MutualTlsDaemonTests.Mode(Path.Combine(root, "etc/docker/tls/server-key.pem")));
        Assert.Equal("600", MutualTlsDaemonTests.Mode(Path.Combine(root, "provisioning/docker-client/key.pem")));
        Assert.Contains("OK", Tool.Openssl("verify", "-purpose", "sslserver", "-CAfile", Path.Combine(root, "etc/docker/tls/ca.pem"),
            Path.Combine(root, "etc/docker/tls/server-cert.pem")));
    }
}
