using DcosTls.Tests.Infrastructure;
using Xunit;
using static DcosTls.Tests.Credentials.CredentialTestKit;

namespace DcosTls.Tests.Credentials;

/// <summary>Set-MesosDockerConfig on a staging root: merge, line-wise edit, idempotence, refusals.</summary>
public class MesosDockerConfigTests
{
    private const string EnvFile = "var/lib/dcos/mesos-slave-common";
    private const string CredFile = "var/lib/dcos/docker_credentials";

    private static readonly string OriginalEnvironment =
        "# operator overrides\n" +
        "MESOS_ATTRIBUTES=zone:a;rack:r1\n" +
        "MESOS_DOCKER_CONFIG=file:///etc/mesosphere/docker_credentials\n" +
        "MESOS_CGROUPS_ENABLE_CFS=false\n" +
        "#MESOS_DOCKER_CONFIG=file:///old/commented\n" +
        "MESOS_DOCKER_CONFIG=file:///a/later/duplicate\n";

    [Fact]
    public void Three_runs_leave_one_MESOS_DOCKER_CONFIG_line_every_other_line_intact_and_a_backup()
    {
        using var root = new TempDir();
        Directory.CreateDirectory(root["var/lib/dcos"]);
        File.WriteAllText(root[EnvFile], OriginalEnvironment);
        using var ps = new Pwsh(root.Path);
        ps.Set("cred", Cred());
        var actions = new List<string>();
        for (int run = 0; run < 3; run++)
        {
            var r = ps.Run("Set-MesosDockerConfig -Root . -Registry repo.internal:5000 -Credential $cred -PassThru | ForEach-Object { '{0}|{1}|{2}' -f $_.Action, $_.EnvironmentAction, $_.BackupPath }").ThrowOnError();
            actions.Add(r.Output.Single().ToString());
            AssertNoSecret(ps);
        }
        Assert.Equal($"Created|Updated|{root[EnvFile]}.dcostls.bak", actions[0]);
        Assert.Equal("Unchanged|Unchanged|", actions[1]);
        Assert.Equal("Unchanged|Unchanged|", actions[2]);
        Assert.Equal(
            "# operator overrides\n" +
            "MESOS_ATTRIBUTES=zone:a;rack:r1\n" +
            "MESOS_DOCKER_CONFIG=file:///var/lib/dcos/docker_credentials\n" +
            "MESOS_CGROUPS_ENABLE_CFS=false\n" +
            "#MESOS_DOCKER_CONFIG=file:///old/commented\n",
            File.ReadAllText(root[EnvFile]));
        Assert.Equal(OriginalEnvironment, File.ReadAllText(root[EnvFile] + ".dcostls.bak"));
        // The agent's files hold the secret only in the credentials file.
        AssertNoSecretInFiles(root.Path, new[] { root[CredFile] });
        Assert.Equal("600", FileModes.Of(root[CredFile]));
    }

    [Fact]
    public void Adding_a_registry_keeps_the_others_and_Replace_drops_them()
    {
        using var root = new TempDir();
        using var ps = new Pwsh(root.Path);
        ps.Set("cred", Cred());
        ps.Set("other", Cred("builder", "Other-Secret-99"));
        ps.Run("Set-MesosDockerConfig -Root . -Registry a.example:5000 -Credential $cred").ThrowOnError();
        var merged = ps.Run("New-DockerAuthConfig b.example:5000 $other | Set-MesosDockerConfig -Root . -PassThru | ForEach-Object { $_.Registries -join ',' }").ThrowOnError();
        Assert.Equal("a.example:5000,b.example:5000", merged.Value);
        var text = File.ReadAllText(root[CredFile]);
        Assert.Contains(AuthOf(User, Password), text);
        Assert.Contains(AuthOf("builder", "Other-Secret-99"), text);

        var replaced = ps.Run("Set-MesosDockerConfig -Root . -Registry b.example:5000 -Credential $other -Replace -PassThru | ForEach-Object { $_.Registries -join ',' }").ThrowOnError();
        Assert.Equal("b.example:5000", replaced.Value);
        Assert.DoesNotContain(AuthOf(User, Password), File.ReadAllText(root[CredFile]));
    }

    [Fact]
    public void An_existing_file_that_is_not_json_or_uses_a_credsStore_stops_the_run_before_any_write()
    {
        using var root = new TempDir();
        Directory.CreateDirectory(root["var/lib/dcos"]);
        File.WriteAllText(root[CredFile], "this is not json");
        using var ps = new Pwsh(root.Path);
        ps.Set("cred", Cred());
        var r = ps.Run("Set-MesosDockerConfig -Root . -Registry a.example:5000 -Credential $cred");
        var error = Assert.Single(r.AllErrors);
        Assert.StartsWith("DockerConfigNotJson,", error.FullyQualifiedErrorId);
        Assert.Contains("-Replace", error.Exception.Message);
        Assert.Equal("this is not json", File.ReadAllText(root[CredFile]));
        Assert.False(File.Exists(root[EnvFile]));

        File.WriteAllText(root[CredFile], "{\"auths\":{\"desk.example\":{}},\"credsStore\":\"desktop\"}");
        var helper = ps.Run("Set-MesosDockerConfig -Root . -Registry a.example:5000 -Credential $cred");
        var helperError = Assert.Single(helper.AllErrors);
        Assert.StartsWith("CredentialsInHelper,", helperError.FullyQualifiedErrorId);
        Assert.Contains("desk.example", helperError.Exception.Message);
        Assert.False(File.Exists(root[EnvFile]));

        // -Replace writes a fresh, valid file.
        ps.Run("Set-MesosDockerConfig -Root . -Registry a.example:5000 -Credential $cred -Replace").ThrowOnError();
        Assert.DoesNotContain("credsStore", File.ReadAllText(root[CredFile]));
    }

    [Fact]
    public void An_unwritable_root_is_a_clear_error_and_nothing_is_written()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["not-a-dir"], "x");
        using var ps = new Pwsh(dir.Path);
        ps.Set("cred", Cred());
        var r = ps.Run("Set-MesosDockerConfig -Root not-a-dir -Registry a.example:5000 -Credential $cred");
        Assert.StartsWith("RootNotDirectory,", Assert.Single(r.AllErrors).FullyQualifiedErrorId);
        // A staging root that does not exist yet is created, as by every -Root cmdlet.
        var missing = ps.Run("Set-MesosDockerConfig -Root missing -Registry a.example:5000 -Credential $cred").ThrowOnError();
        Assert.True(File.Exists(dir["missing/var/lib/dcos/docker_credentials"]));

        Directory.CreateDirectory(dir["root/var/lib"]);
        File.WriteAllText(dir["root/var/lib/dcos"], "a file where the folder should be");
        var blocked = ps.Run("Set-MesosDockerConfig -Root root -Registry a.example:5000 -Credential $cred");
        Assert.StartsWith("PathBlockedByFile,", Assert.Single(blocked.AllErrors).FullyQualifiedErrorId);
        Assert.Equal(new[] { dir["root/var/lib/dcos"] }, Directory.EnumerateFileSystemEntries(dir["root/var/lib"]));
        AssertNoSecret(ps);
    }

    [Theory]
    [InlineData("var/lib/dcos/creds", "CredentialsPathNotAbsolute")]
    [InlineData("/var/lib/dcos/my creds", "InvalidCredentialsPath")]
    [InlineData("/var/lib/../../etc/shadow", "InvalidCredentialsPath")]
    public void Bad_credentials_paths_are_refused(string path, string errorId)
    {
        using var root = new TempDir();
        using var ps = new Pwsh(root.Path);
        ps.Set("cred", Cred());
        ps.Set("p", path);
        var r = ps.Run("Set-MesosDockerConfig -Root . -Path $p -Registry a.example:5000 -Credential $cred");
        Assert.StartsWith(errorId + ",", Assert.Single(r.AllErrors).FullyQualifiedErrorId);
        Assert.Empty(Directory.EnumerateFileSystemEntries(root.Path));
    }

    [Fact]
    public void Opt_path_warns_WhatIf_writes_nothing_and_a_staging_root_is_never_restarted()
    {
        using var root = new TempDir();
        using var ps = new Pwsh(root.Path);
        ps.Set("cred", Cred());
        var opt = ps.Run("Set-MesosDockerConfig -Root . -Path /opt/mesosphere/etc/docker_credentials -Registry a.example:5000 -Credential $cred -WhatIf -PassThru").ThrowOnError();
        Assert.Contains(opt.Warnings, w => w.Contains("/opt/mesosphere") && w.Contains("upgrades"));
        Assert.Empty(opt.Output);
        Assert.Empty(Directory.EnumerateFileSystemEntries(root.Path));

        // A staging root is never restarted.
        var staged = ps.Run("Set-MesosDockerConfig -Root . -Registry a.example:5000 -Credential $cred -Restart -PassThru | ForEach-Object { '{0}|{1}' -f $_.RestartUnit, $_.Restarted }").ThrowOnError();
        Assert.Equal("dcos-mesos-slave|False", staged.Value);
        Assert.Contains(staged.Warnings, w => w.Contains("Not restarting") && w.Contains("staging root"));
        AssertNoSecret(ps);
    }

    [Fact]
    public void WhatIf_with_Restart_on_the_agent_root_changes_no_file_and_restarts_nothing()
    {
        // The real / in a private mount namespace, with an agent's existing files that a -WhatIf must not touch.
        var seed = new Dictionary<string, string>
        {
            ["/" + EnvFile] = OriginalEnvironment,
            // An installed agent unit: a -Restart that ignored -WhatIf would really call systemctl restart.
            ["/etc/systemd/system/dcos-mesos-slave.service"] = "[Service]\nExecStart=/opt/mesosphere/bin/mesos-agent\n",
            ["/" + CredFile] = $"{{\"auths\":{{\"old.example:5000\":{{\"auth\":\"{AuthOf("old", "Old-Secret-9")}\"}}}}}}\n",
        };
        var r = AgentRootSandbox.Run(seed, $@"
            $cred = [pscredential]::new('{User}', (ConvertTo-SecureString '{Escape(Password)}' -AsPlainText -Force))
            Set-MesosDockerConfig -Root / -Registry a.example:5000 -Credential $cred -Restart -WhatIf |
                ForEach-Object {{ '{{0}}|{{1}}|{{2}}|{{3}}' -f $_.Action, $_.EnvironmentAction, $_.RestartUnit, $_.Restarted }}");
        // What -WhatIf prints is the results' business; here only the files and systemctl count.
        Assert.Empty(r.Errors);
        Assert.Contains("/" + EnvFile, r.Before.Keys); // the seeds are there, so the hashes compare something
        r.AssertNothingChanged();
    }

    [Fact]
    public void AsConfigYaml_writes_the_installer_keys_through_a_yaml_library_and_YamlDotNet_stays_in_our_load_context()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        ps.Set("cred", Cred());
        var r = ps.Run("'repo.internal:5000', 'docker.io' | New-DockerAuthConfig -Credential $cred | Set-MesosDockerConfig -AsConfigYaml genconf-docker.yaml -PassThru | ForEach-Object { $_.Path }").ThrowOnError();
        Assert.Equal(dir["genconf-docker.yaml"], r.Value);
        Assert.Equal("600", FileModes.Of(dir["genconf-docker.yaml"]));
        AssertNoSecret(ps);

        // An independent YAML reader (PyYAML) sees the keys, string flags and the docker config dictionary.
        var (code, json, err) = Tool.Run("python3", "-c",
            "import json,sys,yaml; d=yaml.safe_load(open(sys.argv[1])); print(json.dumps(d, sort_keys=True))", dir["genconf-docker.yaml"]);
        Assert.True(code == 0, err);
        var doc = System.Text.Json.JsonDocument.Parse(json).RootElement;
        Assert.Equal("true", doc.GetProperty("cluster_docker_credentials_enabled").GetString());
        Assert.Equal("true", doc.GetProperty("cluster_docker_credentials_dcos_owned").GetString());
        Assert.Equal("false", doc.GetProperty("cluster_docker_credentials_write_to_etc").GetString());
        var auths = doc.GetProperty("cluster_docker_credentials").GetProperty("auths");
        Assert.Equal(AuthOf(User, Password), auths.GetProperty("repo.internal:5000").GetProperty("auth").GetString());
        Assert.Equal(AuthOf(User, Password), auths.GetProperty("https://index.docker.io/v1/").GetProperty("auth").GetString());

        var contexts = ps.Run("[System.AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'YamlDotNet' } | " +
            "ForEach-Object { [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name }").ThrowOnError()
            .Output.Select(o => o.ToString()).ToList();
        Assert.NotEmpty(contexts);
        Assert.All(contexts, name => Assert.Equal("DcosTls.Dependencies", name));
    }
}

public class MesosDockerConfigMergeTests
{
    [Fact]
    public void Existing_legacy_keys_and_username_password_entries_are_rewritten_as_bare_keys_with_auth()
    {
        using var root = new TempDir();
        Directory.CreateDirectory(root["var/lib/dcos"]);
        File.WriteAllText(root["var/lib/dcos/docker_credentials"],
            $"{{\"auths\":{{\"https://legacy.example:5000/v2/\":{{\"auth\":\"{AuthOf("old", "Old-Secret-1")}\"}},\"plain.example\":{{\"username\":\"pu\",\"password\":\"Plain-Secret-2\"}}}}}}");
        using var ps = new Pwsh(root.Path);
        ps.Set("cred", Cred());
        var imported = ps.Run("Import-DockerAuthConfig var/lib/dcos/docker_credentials | ForEach-Object { $_.Registry + '|' + $_.UserName }").ThrowOnError();
        Assert.Equal(new[] { "legacy.example:5000|old", "plain.example|pu" }, imported.Output.Select(o => o.ToString()));
        var r = ps.Run("Set-MesosDockerConfig -Root . -Registry a.example:5000 -Credential $cred -PassThru | ForEach-Object { $_.Registries }").ThrowOnError();
        Assert.Equal(new[] { "a.example:5000", "legacy.example:5000", "plain.example" }, r.Output.Select(o => o.ToString()).OrderBy(s => s));
        var auths = System.Text.Json.JsonDocument.Parse(File.ReadAllText(root["var/lib/dcos/docker_credentials"])).RootElement.GetProperty("auths");
        Assert.Equal(AuthOf("pu", "Plain-Secret-2"), auths.GetProperty("plain.example").GetProperty("auth").GetString());
        Assert.False(auths.GetProperty("plain.example").TryGetProperty("password", out _));
        Assert.Equal(AuthOf("old", "Old-Secret-1"), auths.GetProperty("legacy.example:5000").GetProperty("auth").GetString());
        AssertNoSecret(ps, "pu", "Plain-Secret-2");
        AssertNoSecret(ps, "old", "Old-Secret-1");
    }
}

public class CredentialPipelineBindingTests
{
    [Fact]
    public void Set_and_archive_bind_Registry_and_Credential_by_property_name()
    {
        using var root = new TempDir();
        using var ps = new Pwsh(root.Path);
        ps.Set("cred", Cred());
        var set = ps.Run("[pscustomobject]@{ Registry = 'rows.example:5000'; Credential = $cred } | Set-MesosDockerConfig -Root . -PassThru | ForEach-Object { $_.Registries }").ThrowOnError();
        Assert.Equal("rows.example:5000", set.Value);
        var archive = ps.Run("[pscustomobject]@{ Registry = 'rows.example:5000'; Credential = $cred } | New-DockerAuthArchive -Path rows.tar.gz | ForEach-Object { $_.Registries }").ThrowOnError();
        Assert.Equal("rows.example:5000", archive.Value);
        AssertNoSecret(ps);
    }
}
