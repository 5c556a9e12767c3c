using DcosTls.Tests.Infrastructure;
using DcosTls.Tests.Peers;
using Xunit;
using static DcosTls.Tests.Credentials.CredentialTestKit;

namespace DcosTls.Tests.Credentials;

/// <summary>
/// What we write is proved by the clients that read it: skopeo (containers/image, like the UCR
/// fetcher), the docker CLI, and GNU tar, against a TLS + htpasswd docker-registry.
/// </summary>
public class DockerCredentialPeerTests : IClassFixture<RegistryFixture>
{
    private readonly RegistryFixture _registry;

    public DockerCredentialPeerTests(RegistryFixture registry) => _registry = registry;

    private static void AssertNoRegistrySecret(string text) => AssertNoSecret(text, RegistryFixture.User, RegistryFixture.Password);

    private static void AssertNoRegistrySecret(Pwsh ps) => AssertNoSecret(ps, RegistryFixture.User, RegistryFixture.Password);

    [Fact]
    public void Agent_credentials_file_is_accepted_by_skopeo_and_nothing_else_holds_the_secret()
    {
        using var root = new TempDir();
        using var ps = new Pwsh(root.Path);
        ps.Set("cred", Cred(RegistryFixture.User, RegistryFixture.Password));
        ps.Set("reg", _registry.Host);
        var r = ps.Run("Set-MesosDockerConfig -Root . -Registry $reg -Credential $cred -Verbose").ThrowOnError();
        string file = root["var/lib/dcos/docker_credentials"];
        Assert.Equal("600", FileModes.Of(file));
        Assert.Equal("700", FileModes.Of(root["var/lib/dcos"]));
        Assert.Contains($"\"{_registry.Host}\"", File.ReadAllText(file));

        var inspect = _registry.Inspect(file);
        Assert.True(inspect.ExitCode == 0, inspect.Err);
        Assert.Contains("\"Name\": \"" + _registry.Host + "/demo\"", inspect.Out);

        Assert.Equal("MESOS_DOCKER_CONFIG=file:///var/lib/dcos/docker_credentials\n", File.ReadAllText(root["var/lib/dcos/mesos-slave-common"]));
        AssertNoRegistrySecret(ps);
        AssertNoSecretInFiles(root.Path, new[] { file }, RegistryFixture.User, RegistryFixture.Password);

        // Control: without our file the registry refuses the same request.
        var anonymous = _registry.Inspect(null);
        Assert.NotEqual(0, anonymous.ExitCode);
        Assert.Contains("unauthorized", anonymous.Err);
    }

    [Fact]
    public void Archive_has_the_marathon_layout_and_authenticates_as_the_sandbox_HOME_for_skopeo_and_docker()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        ps.Set("cred", Cred(RegistryFixture.User, RegistryFixture.Password));
        ps.Set("reg", _registry.Host);
        var r = ps.Run("New-DockerAuthConfig -Registry $reg -Credential $cred | New-DockerAuthArchive -Path docker.tar.gz").ThrowOnError();
        string archive = dir["docker.tar.gz"];
        Assert.Equal("600", FileModes.Of(archive));
        Assert.Equal(Path.GetFullPath(archive), r.Output.Single().Properties["Path"].Value);
        Assert.Equal("file://" + archive, r.Output.Single().Properties["FetchUri"].Value);
        AssertNoRegistrySecret(ps);

        var (code, listing, err) = Tool.Run("tar", "-tvzf", archive);
        Assert.True(code == 0, err);
        var lines = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^drwx------ root/root\s+0 2020-01-01 00:00 \.docker/$", lines[0]);
        Assert.Matches(@"^-rw------- root/root\s+\d+ 2020-01-01 00:00 \.docker/config\.json$", lines[1]);
        var (ncode, numeric, _) = Tool.Run("tar", "--numeric-owner", "-tvzf", archive);
        Assert.Equal(0, ncode);
        Assert.All(numeric.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.Contains(" 0/0 ", l));

        // As the Mesos fetcher does: extract into the sandbox, then HOME=<sandbox>.
        string sandbox = dir["sandbox"];
        Directory.CreateDirectory(sandbox);
        Assert.Equal(0, Tool.Run("tar", "-xzf", archive, "-C", sandbox).ExitCode);
        var inspect = _registry.Inspect(authFile: null, home: sandbox);
        Assert.True(inspect.ExitCode == 0, inspect.Err);

        // The docker CLI (no engine needed for manifest inspect) finds the same config through HOME alone,
        // as on the agent: no --config, no DOCKER_CONFIG. It proves the credentials only: the docker CLI
        // does not verify TLS for a registry on 127.0.0.0/8 (skopeo above, with --cert-dir, does).
        var docker = Tool.Run("docker", new[] { "manifest", "inspect", _registry.Image },
            env: new Dictionary<string, string?> { ["HOME"] = sandbox, ["DOCKER_CONFIG"] = null });
        Assert.True(docker.ExitCode == 0, docker.Err);
        // Control: the same CLI with an empty HOME is refused, so the sandbox's config is what authenticated.
        using var emptyHome = new TempDir("dcostls-home-");
        var anonymous = Tool.Run("docker", new[] { "manifest", "inspect", _registry.Image },
            env: new Dictionary<string, string?> { ["HOME"] = emptyHome.Path, ["DOCKER_CONFIG"] = null });
        Assert.NotEqual(0, anonymous.ExitCode);
        Assert.Contains("schemaVersion", docker.Out);
        AssertNoRegistrySecret(docker.Out + docker.Err);
    }

    [Fact]
    public void A_newline_in_the_auth_is_refused_by_us_and_really_rejected_by_the_registry()
    {
        using var dir = new TempDir();
        // What `echo user:pass | base64` gives.
        string broken = AuthOf(RegistryFixture.User, RegistryFixture.Password + "\n");
        File.WriteAllText(dir["config.json"], $"{{\"auths\":{{\"{_registry.Host}\":{{\"auth\":\"{broken}\"}}}}}}\n");

        // Control: the registry really refuses it (so refusing it is not pedantry)...
        var control = _registry.Inspect(dir["config.json"]);
        Assert.NotEqual(0, control.ExitCode);
        Assert.Contains("unauthorized", control.Err);

        // ...we refuse it, naming the registry and the fix, without quoting it...
        using var ps = new Pwsh(dir.Path);
        var refused = ps.Run("Import-DockerAuthConfig -Path config.json");
        Assert.Empty(refused.Output);
        var error = Assert.Single(refused.AllErrors);
        Assert.StartsWith("InvalidAuth,TrailingNewline,", error.FullyQualifiedErrorId);
        Assert.Equal(_registry.Host, error.TargetObject);
        Assert.DoesNotContain(broken, refused.AllText());
        AssertNoRegistrySecret(ps);

        // ...and an agent file that holds it stops Set-MesosDockerConfig before anything is written.
        Directory.CreateDirectory(dir["root/var/lib/dcos"]);
        File.Copy(dir["config.json"], dir["root/var/lib/dcos/docker_credentials"]);
        ps.Set("cred", Cred(RegistryFixture.User, RegistryFixture.Password));
        var blocked = ps.Run("Set-MesosDockerConfig -Root root -Registry other.example:5000 -Credential $cred");
        Assert.StartsWith("InvalidAuth,TrailingNewline,", Assert.Single(blocked.AllErrors).FullyQualifiedErrorId);
        Assert.False(File.Exists(dir["root/var/lib/dcos/mesos-slave-common"]));

        // -Repair gives a login the registry accepts.
        var repaired = ps.Run("Import-DockerAuthConfig -Path config.json -Repair | Set-MesosDockerConfig -Root root").ThrowOnError();
        var inspect = _registry.Inspect(dir["root/var/lib/dcos/docker_credentials"]);
        Assert.True(inspect.ExitCode == 0, inspect.Err);
        AssertNoRegistrySecret(ps);
    }
}
