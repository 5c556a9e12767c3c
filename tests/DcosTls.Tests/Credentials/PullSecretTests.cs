using System.Text.Json;
using DcosTls.Tests.Infrastructure;
using DcosTls.Tests.Peers;
using Xunit;
using static DcosTls.Tests.Credentials.CredentialTestKit;

namespace DcosTls.Tests.Credentials;

/// <summary>Set-MesosDockerConfig -AsSecret against the Admin Router stand-in's secrets service.</summary>
[Collection(ClusterCollection.Name)]
public class PullSecretTests : IClassFixture<NoDefaultSession>
{
    private readonly AdminRouterFixture _cluster;

    public PullSecretTests(AdminRouterFixture cluster) => _cluster = cluster;

    private Pwsh Connected(TempDir dir, string uid)
    {
        _cluster.AddUser(uid, uid + "-login-pw");
        var ps = new Pwsh(dir.Path).Set("login", Secrets.Credential(uid, uid + "-login-pw")).Set("uri", _cluster.Uri).Set("ca", _cluster.CaPath)
            .Set("cred", Cred());
        ps.Run("$null = Connect-DcosCluster -Uri $uri -Credential $login -CaCertificatePath $ca").ThrowOnError();
        return ps;
    }

    [Fact]
    public void Secret_is_created_then_updated_with_PATCH_and_the_app_uses_pullConfig()
    {
        using var dir = new TempDir();
        using var ps = Connected(dir, "secret-writer");
        var created = ps.Run("New-DockerAuthConfig repo.internal:5000 $cred | Set-MesosDockerConfig -AsSecret mesos-docker/pullConfig -AppId /mesos-docker -Verbose -PassThru").ThrowOnError();
        var o = created.Output.Single();
        var (_, view, type) = Help.FormatViewChecks.Views(ps).Single(v => v.Type == "DcosTls.Credentials.DcosPullSecret" && v.View.Element("TableControl") != null);
        Help.FormatViewChecks.AssertColumnsEvaluate(ps, view, type, o);
        Assert.Equal("Created", o.Properties["Action"].Value);
        Assert.Equal("mesos-docker/pullConfig", o.Properties["SecretPath"].Value);
        var stored = JsonDocument.Parse(_cluster.StoredSecrets["mesos-docker/pullConfig"]).RootElement;
        Assert.Equal(AuthOf(User, Password), stored.GetProperty("auths").GetProperty("repo.internal:5000").GetProperty("auth").GetString());
        var app = JsonDocument.Parse((string)o.Properties["MarathonApp"].Value).RootElement;
        Assert.Equal("/mesos-docker", app.GetProperty("id").GetString());
        Assert.Equal("MESOS", app.GetProperty("container").GetProperty("type").GetString());
        Assert.Equal("pullConfigSecret", app.GetProperty("container").GetProperty("docker").GetProperty("pullConfig").GetProperty("secret").GetString());
        Assert.Equal("mesos-docker/pullConfig", app.GetProperty("secrets").GetProperty("pullConfigSecret").GetProperty("source").GetString());
        Assert.Empty(created.Warnings);
        Assert.Contains(created.Verbose, v => v.Contains("PUT") && v.Contains("201"));

        ps.Set("other", Cred("builder", "Rotated-Secret-42"));
        var updated = ps.Run("Set-MesosDockerConfig -Registry repo.internal:5000 -Credential $other -AsSecret mesos-docker/pullConfig -Verbose -PassThru").ThrowOnError();
        Assert.Equal("Updated", updated.Output.Single().Properties["Action"].Value);
        Assert.Contains(updated.Verbose, v => v.Contains("PUT") && v.Contains("409"));
        Assert.Contains(updated.Verbose, v => v.Contains("PATCH") && v.Contains("204"));
        Assert.Contains(AuthOf("builder", "Rotated-Secret-42"), _cluster.StoredSecrets["mesos-docker/pullConfig"]);

        AssertNoSecret(ps);
        AssertNoSecret(ps, "builder", "Rotated-Secret-42");
        Secrets.AssertNoLeak(ps, _cluster.IssuedTokens);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
        // The value crossed the wire in the body only, never in a URL.
        Assert.DoesNotContain(_cluster.Requests, q => q.Path.Contains(AuthOf(User, Password)));
    }

    [Fact]
    public void Forbidden_is_a_permission_error_and_a_wrong_space_warns()
    {
        using var dir = new TempDir();
        using var ps = Connected(dir, "no-secrets-user");
        _cluster.SecretsForbidden["no-secrets-user"] = 0;
        var r = ps.Run("Set-MesosDockerConfig -Registry repo.internal:5000 -Credential $cred -AsSecret team-a/pullConfig -AppId /marathon-user/service");
        Assert.Contains(r.Warnings, w => w.Contains("/marathon-user/service") && w.Contains("cannot read"));
        var error = Assert.Single(r.AllErrors);
        Assert.StartsWith("PermissionDenied,", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
        Assert.False(_cluster.StoredSecrets.ContainsKey("team-a/pullConfig"));
        AssertNoSecret(ps);
        Secrets.AssertNoLeak(ps, _cluster.IssuedTokens.Append("no-secrets-user-login-pw"));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("team a/pull")]
    [InlineData("team//pull")]
    [InlineData("")]
    public void Bad_secret_paths_send_nothing(string path)
    {
        using var dir = new TempDir();
        using var ps = Connected(dir, "path-checker");
        int before = _cluster.Requests.Count(q => q.Path.StartsWith("/secrets/"));
        ps.Set("p", path);
        var r = ps.Run("Set-MesosDockerConfig -Registry repo.internal:5000 -Credential $cred -AsSecret $p");
        Assert.StartsWith("InvalidSecretPath,", Assert.Single(r.AllErrors).FullyQualifiedErrorId);
        Assert.Equal(before, _cluster.Requests.Count(q => q.Path.StartsWith("/secrets/")));
    }

    [Fact]
    public void WhatIf_sends_nothing_and_agent_parameters_are_refused_with_AsSecret()
    {
        using var dir = new TempDir();
        using var ps = Connected(dir, "whatif-user");
        int requests = _cluster.Requests.Count;
        var whatIf = ps.Run("Set-MesosDockerConfig -Registry repo.internal:5000 -Credential $cred -AsSecret whatif/pullConfig -WhatIf -PassThru").ThrowOnError();
        Assert.Empty(whatIf.Output);
        // Not one request crossed the wire (the cluster collection runs one test at a time).
        Assert.Equal(requests, _cluster.Requests.Count);
        Assert.False(_cluster.StoredSecrets.ContainsKey("whatif/pullConfig"));
        var mixed = ps.Run("Set-MesosDockerConfig -Registry repo.internal:5000 -Credential $cred -AsSecret whatif/pullConfig -Root .");
        // The agent's parameters are not in the -AsSecret parameter sets: the engine refuses the mix.
        Assert.StartsWith("AmbiguousParameterSet,", Assert.Single(mixed.AllErrors).FullyQualifiedErrorId);
    }
}
