using DcosTls.Tests.Infrastructure;
using Xunit;
using static DcosTls.Tests.Credentials.CredentialTestKit;

namespace DcosTls.Tests.Credentials;

/// <summary>New-DockerAuthConfig and Import-DockerAuthConfig: objects, keys, refusals, no leaks.</summary>
public class DockerAuthConfigTests
{
    [Fact]
    public void Registries_from_the_pipeline_become_normalised_keys_and_the_password_stays_hidden()
    {
        using var ps = new Pwsh();
        ps.Set("cred", Cred());
        var r = ps.Run(@"
            'repo.internal:5000', 'https://Repo.Other:5443/v2/', 'docker.io', '10.0.0.5' | New-DockerAuthConfig -Credential $cred |
                ForEach-Object { '{0}|{1}|{2}' -f $_.Registry, $_.UserName, $_ }");
        Assert.Empty(r.AllErrors);
        Assert.Equal(new[]
        {
            "repo.internal:5000|deployer|deployer@repo.internal:5000",
            "repo.other:5443|deployer|deployer@repo.other:5443",
            "https://index.docker.io/v1/|deployer|deployer@https://index.docker.io/v1/",
            "10.0.0.5|deployer|deployer@10.0.0.5",
        }, r.Output.Select(o => o.ToString()));
        Assert.Contains(r.Warnings, w => w.Contains("'https://Repo.Other:5443/v2/' is written as 'repo.other:5443'"));
        var objects = ps.Run("$c = New-DockerAuthConfig -Registry repo.internal:5000 -Credential $cred; $c; \"$c\"; [System.Management.Automation.PSSerializer]::Serialize($c, 5)").ThrowOnError();
        Assert.Contains(objects.Output, o => o.ToString() == "deployer@repo.internal:5000");
        AssertNoSecret(ps);
        // No public member gives the password back.
        var members = ps.Run("(New-DockerAuthConfig repo.internal:5000 $cred).PSObject.Properties | ForEach-Object { $_.Name }").ThrowOnError()
            .Output.Select(o => o.ToString()).ToList();
        Assert.DoesNotContain("Password", members);
        Assert.Contains("Registry", members);
    }

    [Fact]
    public void Rows_bind_by_property_name()
    {
        using var ps = new Pwsh();
        ps.Set("cred", Cred());
        var r = ps.Run("[pscustomobject]@{ Registry = 'a.example:5000'; Credential = $cred }, [pscustomobject]@{ Registry = 'b.example'; Credential = $cred } | " +
                       "New-DockerAuthConfig | ForEach-Object { $_.Registry }").ThrowOnError();
        Assert.Equal(new[] { "a.example:5000", "b.example" }, r.Output.Select(o => o.ToString()));
    }

    [Theory]
    [InlineData("ftp://repo.internal", "InvalidRegistry")]
    [InlineData("repo internal:5000", "InvalidRegistry")]
    [InlineData("   ", "InvalidRegistry")]
    [InlineData("repo.internal:99999", "InvalidRegistry")]
    [InlineData("repo.internal/../etc", "InvalidRegistry")]
    [InlineData("..", "InvalidRegistry")]
    [InlineData("user@repo.internal", "InvalidRegistry")]
    [InlineData("repo\\internal", "InvalidRegistry")]
    public void Bad_registry_names_are_refused(string registry, string errorId)
    {
        using var ps = new Pwsh();
        ps.Set("cred", Cred());
        ps.Set("reg", registry);
        var r = ps.Run("New-DockerAuthConfig -Registry $reg -Credential $cred");
        Assert.Empty(r.Output);
        var error = Assert.Single(r.AllErrors);
        Assert.StartsWith(errorId + ",", error.FullyQualifiedErrorId);
        Assert.Equal("InvalidArgument", error.CategoryInfo.Category.ToString());
        Assert.Contains("host[:port]", error.Exception.Message);
    }

    [Theory]
    [InlineData("", Password, "EmptyUserName")]
    [InlineData("deployer", "", "EmptyPassword")]
    [InlineData("dep:loyer", Password, "UserNameHasColon")]
    [InlineData("deployer", Password + "\n", "PasswordHasLineBreak")]
    public void Empty_or_broken_user_and_password_are_refused(string user, string password, string errorId)
    {
        using var ps = new Pwsh();
        ps.Set("cred", Cred(user.Length == 0 ? " " : user, password));
        var r = ps.Run("New-DockerAuthConfig -Registry repo.internal:5000 -Credential $cred");
        Assert.Empty(r.Output);
        Assert.StartsWith(errorId + ",", Assert.Single(r.AllErrors).FullyQualifiedErrorId);
        if (password.Length > 0) AssertNoSecret(ps, user, password.TrimEnd('\n'));
    }

    [Fact]
    public void Import_reads_good_entries_and_refuses_helpers_newlines_and_missing_colons_by_name()
    {
        using var dir = new TempDir();
        string newline = AuthOf("nluser", "nl-Secret-1\n");
        string noColon = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("justatoken"));
        File.WriteAllText(dir["config.json"], $@"{{
  ""auths"": {{
    ""https://good.example:5000"": {{ ""auth"": ""{AuthOf(User, Password)}"" }},
    ""newline.example"": {{ ""auth"": ""{newline}"" }},
    ""nocolon.example"": {{ ""auth"": ""{noColon}"" }},
    ""helper.example"": {{}}
  }},
  ""credsStore"": ""desktop"",
  ""credHelpers"": {{ ""gcr.example"": ""gcloud"" }}
}}");
        using var ps = new Pwsh(dir.Path);
        var r = ps.Run("Import-DockerAuthConfig -Path config.json | ForEach-Object { $_.Registry + '|' + $_.UserName }");
        Assert.Equal(new[] { "good.example:5000|deployer" }, r.Output.Select(o => o.ToString()));
        var errors = r.AllErrors.ToDictionary(e => e.TargetObject.ToString()!, e => e);
        Assert.StartsWith("InvalidAuth,TrailingNewline,", errors["newline.example"].FullyQualifiedErrorId);
        Assert.Contains("printf '%s'", errors["newline.example"].Exception.Message);
        Assert.Contains("-Repair", errors["newline.example"].Exception.Message);
        Assert.StartsWith("InvalidAuth,NoColon,", errors["nocolon.example"].FullyQualifiedErrorId);
        Assert.StartsWith("CredentialsInHelper,", errors["helper.example"].FullyQualifiedErrorId);
        Assert.Contains("docker-credential-desktop", errors["helper.example"].Exception.Message);
        Assert.StartsWith("CredentialsInHelper,", errors["gcr.example"].FullyQualifiedErrorId);
        Assert.Contains("gcr.example", errors["gcr.example"].Exception.Message);
        AssertNoSecret(ps);
        AssertNoSecret(ps, "nluser", "nl-Secret-1");
        Assert.DoesNotContain(newline, r.AllText());

        var repaired = ps.Run("Import-DockerAuthConfig -Path config.json -Registry newline.example -Repair | ForEach-Object { $_.Registry + '|' + $_.UserName }");
        Assert.Equal(new[] { "newline.example|nluser" }, repaired.Output.Select(o => o.ToString()));
        Assert.Empty(repaired.AllErrors);
        Assert.Contains(repaired.Warnings, w => w.Contains("trailing newline"));
    }

    [Fact]
    public void Import_refuses_a_file_that_is_not_json_or_missing()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["config.json"], "{ \"auths\": { \"x\": ");
        using var ps = new Pwsh(dir.Path);
        var r = ps.Run("Import-DockerAuthConfig -Path config.json, missing.json");
        Assert.Empty(r.Output);
        var ids = r.AllErrors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]).ToList();
        Assert.Equal(new[] { "DockerConfigNotJson", "DockerConfigNotFound" }, ids);
    }
}
