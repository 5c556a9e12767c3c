using DcosTls.Tests.DockerDaemon;
using DcosTls.Tests.Infrastructure;
using Xunit;
using static DcosTls.Tests.Credentials.CredentialTestKit;

namespace DcosTls.Tests.MainJob;

/// <summary>
/// The main job, module/Examples/Provision-Agent.ps1, run once in the hosted engine into a staging
/// root (as `dotnet run --project src/DcosTls.Host -- module/Examples/Provision-Agent.ps1` does), then
/// a second time to prove a re-run changes nothing.
/// </summary>
public sealed class MainJobRun : IDisposable
{
    private readonly TempDir _dir = new("dcostls-mainjob-");

    public MainJobRun()
    {
        Root = _dir["staging"];
        using var ps = new Pwsh(_dir.Path).Set("root", Root).Set("DcosTlsManifest", Repo.Manifest);
        First = ps.Run($"& '{Script}' -Root $root").ThrowOnError();
        Snapshot = Snap(Root);
        Second = ps.Run($"& '{Script}' -Root $root").ThrowOnError();
    }

    public static string Script => Path.Combine(Repo.Root, "module", "Examples", "Provision-Agent.ps1");
    public string Root { get; }
    public PwshResult First { get; }
    public PwshResult Second { get; }
    public Dictionary<string, string> Snapshot { get; }

    /// <summary>Every entry under the root: file bytes' hash and mode, or link target.</summary>
    public static Dictionary<string, string> Snap(string root)
        => Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).ToDictionary(
            p => Path.GetRelativePath(root, p),
            p =>
            {
                var info = new FileInfo(p);
                if (info.LinkTarget != null) return "-> " + info.LinkTarget;
                if (Directory.Exists(p)) return "dir " + File.GetUnixFileMode(p);
                return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(p))) + " " + File.GetUnixFileMode(p);
            });

    public string In(string agentPath) => Path.Combine(Root, agentPath.TrimStart('/'));

    public void Dispose() => _dir.Dispose();
}

public class MainJobTests : IClassFixture<MainJobRun>
{
    private readonly MainJobRun _run;

    public MainJobTests(MainJobRun run) => _run = run;

    [Fact]
    public void Registry_trust_step_makes_docker_and_mesos_trust_the_registry_certificate()
    {
        Assert.Contains(_run.First.Output, o => o.BaseObject.GetType().Name == "InstalledRegistryTrust" && o.Properties["Health"].Value.ToString() == "OK");
        var crt = Assert.Single(Directory.GetFiles(_run.In("etc/docker/certs.d/repo.internal:5000"), "*.crt"));
        string serverCert = _run.In("provisioning/registry.crt");
        Assert.Contains("OK", Tool.Openssl("verify", "-CAfile", crt, serverCert));
        Assert.Contains("OK", Tool.Openssl("verify", "-CApath", _run.In("var/lib/dcos/pki/tls/certs"), serverCert));
    }

    [Fact]
    public void Daemon_tls_step_stages_daemon_files_client_files_and_the_registry_app()
    {
        foreach (string f in new[] { "etc/docker/tls/ca.pem", "etc/docker/tls/server-cert.pem", "etc/docker/daemon.json",
                     "etc/systemd/system/docker.service.d/dcostls-hosts.conf", "provisioning/docker-client/cert.pem",
                     "provisioning/mlbint.json", "provisioning/registry.json" })
            Assert.True(File.Exists(_run.In(f)), f);
        Assert.Equal("600", FileModes.Of(_run.In("etc/docker/tls/server-key.pem")));
        Assert.Equal("600", FileModes.Of(_run.In("provisioning/docker-client/key.pem")));
        Assert.Contains("OK", Tool.Openssl("verify", "-purpose", "sslserver", "-CAfile", _run.In("etc/docker/tls/ca.pem"), _run.In("etc/docker/tls/server-cert.pem")));
        Assert.Contains(_run.First.Output, o => o.ToString() == "daemon TLS files consistent: True");
    }

    [Fact]
    public void Credential_step_stages_the_credentials_file_the_mesos_line_and_the_archive_without_showing_the_password()
    {
        string credentials = _run.In("var/lib/dcos/docker_credentials");
        Assert.Equal("600", FileModes.Of(credentials));
        Assert.Contains(AuthOf("example-user", "example-only-not-a-real-password"), File.ReadAllText(credentials));
        Assert.Equal("MESOS_DOCKER_CONFIG=file:///var/lib/dcos/docker_credentials\n", File.ReadAllText(_run.In("var/lib/dcos/mesos-slave-common")));
        Assert.Equal("600", FileModes.Of(_run.In("etc/docker.tar.gz")));
        AssertNoSecret(_run.First.AllText(), "example-user", "example-only-not-a-real-password");
        AssertNoSecretInFiles(_run.Root, new[] { credentials }, "example-user", "example-only-not-a-real-password");
    }

    [Fact]
    public void A_second_run_changes_nothing_on_the_agent()
    {
        // Every file, mode and link under the root is as the first run left it (the CA and
        // certificates are reused from provisioning/, as an operator keeps them).
        var after = MainJobRun.Snap(_run.Root);
        Assert.Equal(_run.Snapshot.OrderBy(e => e.Key), after.OrderBy(e => e.Key));
    }
}
