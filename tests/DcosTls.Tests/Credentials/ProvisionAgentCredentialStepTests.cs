using DcosTls.Tests.Infrastructure;
using Xunit;
using static DcosTls.Tests.Credentials.CredentialTestKit;

namespace DcosTls.Tests.Credentials;

/// <summary>The "registry credentials" step of module/Examples/Provision-Agent.ps1, run in the hosted engine.</summary>
public class ProvisionAgentCredentialStepTests
{
    [Fact]
    public void Example_stages_the_credentials_file_the_mesos_line_and_the_archive()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        string root = dir["staging"];
        ps.Set("root", root).Set("DcosTlsManifest", Repo.Manifest);
        string script = Path.Combine(Repo.Root, "module", "Examples", "Provision-Agent.ps1");
        var r = ps.Run($"& '{script}' -Root $root").ThrowOnError();
        string credentials = Path.Combine(root, "var/lib/dcos/docker_credentials");
        Assert.Equal("600", Mode(credentials));
        Assert.Contains(AuthOf("example-user", "example-only-not-a-real-password"), File.ReadAllText(credentials));
        Assert.Equal("MESOS_DOCKER_CONFIG=file:///var/lib/dcos/docker_credentials\n", File.ReadAllText(Path.Combine(root, "var/lib/dcos/mesos-slave-common")));
        Assert.Equal("600", Mode(Path.Combine(root, "etc/docker.tar.gz")));
        AssertNoSecret(r.AllText(), "example-user", "example-only-not-a-real-password");
        AssertNoSecretInFiles(root, new[] { credentials }, "example-user", "example-only-not-a-real-password");
    }
}
