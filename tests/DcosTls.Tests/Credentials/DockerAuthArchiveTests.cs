using System.Security.Cryptography;
using DcosTls.Tests.Infrastructure;
using Xunit;
using static DcosTls.Tests.Credentials.CredentialTestKit;

namespace DcosTls.Tests.Credentials;

/// <summary>New-DockerAuthArchive: deterministic bytes, staging root, Marathon snippets, refusals.</summary>
public class DockerAuthArchiveTests
{
    [Fact]
    public void Same_input_gives_the_same_bytes_and_a_rerun_is_Unchanged()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        ps.Set("cred", Cred());
        var first = ps.Run("New-DockerAuthArchive -Path one.tar.gz -Registry repo.internal:5000, b.example -Credential $cred").ThrowOnError();
        Thread.Sleep(1100); // a clock that leaked into the archive would now show
        var second = ps.Run("New-DockerAuthConfig repo.internal:5000, b.example $cred | New-DockerAuthArchive -Path two.tar.gz").ThrowOnError();
        string sha1 = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(dir["one.tar.gz"]))).ToLowerInvariant();
        string sha2 = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(dir["two.tar.gz"]))).ToLowerInvariant();
        Assert.Equal(sha1, sha2);
        Assert.Equal(sha1, first.Output.Single().Properties["Sha256"].Value);
        var again = ps.Run("New-DockerAuthArchive -Path one.tar.gz -Registry repo.internal:5000, b.example -Credential $cred | ForEach-Object { $_.Action }").ThrowOnError();
        Assert.Equal("Unchanged", again.Value.ToString());
        AssertNoSecret(ps);
    }

    [Fact]
    public void Staging_root_http_uri_and_the_marathon_snippets()
    {
        using var root = new TempDir();
        using var ps = new Pwsh(root.Path);
        ps.Set("cred", Cred());
        var local = ps.Run("New-DockerAuthArchive -Root . -Path /etc/docker.tar.gz -Registry repo.internal:5000 -Credential $cred").ThrowOnError();
        var o = local.Output.Single();
        Assert.Equal(root["etc/docker.tar.gz"], o.Properties["Path"].Value);
        Assert.Equal("file:///etc/docker.tar.gz", o.Properties["FetchUri"].Value);
        var app = System.Text.Json.JsonDocument.Parse((string)o.Properties["MarathonApp"].Value).RootElement;
        Assert.Equal("DOCKER", app.GetProperty("container").GetProperty("type").GetString());
        Assert.Equal("repo.internal:5000/team/app:1.0", app.GetProperty("container").GetProperty("docker").GetProperty("image").GetString());
        Assert.Equal("file:///etc/docker.tar.gz", app.GetProperty("fetch")[0].GetProperty("uri").GetString());
        Assert.True(app.GetProperty("fetch")[0].GetProperty("extract").GetBoolean());

        var http = ps.Run("New-DockerAuthArchive -Root . -Path /srv/docker.tar.gz -Uri https://files.example/docker.tar.gz -Registry repo.internal:5000 -Credential $cred | ForEach-Object { $_.FetchEntry }").ThrowOnError();
        Assert.Contains("\"uri\": \"https://files.example/docker.tar.gz\"", (string)http.Value);
        AssertNoSecret(ps);
    }

    [Fact]
    public void Bad_input_is_refused_and_nothing_is_written()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        ps.Set("cred", Cred());
        var escape = ps.Run("New-DockerAuthArchive -Root . -Path /../outside.tar.gz -Registry a.example -Credential $cred");
        Assert.StartsWith("PathOutsideRoot,", Assert.Single(escape.AllErrors).FullyQualifiedErrorId);
        var relative = ps.Run("New-DockerAuthArchive -Root . -Path docker.tar.gz -Registry a.example -Credential $cred");
        Assert.StartsWith("AgentPathNotAbsolute,", Assert.Single(relative.AllErrors).FullyQualifiedErrorId);
        var scheme = ps.Run("New-DockerAuthArchive -Path x.tar.gz -Registry 'ftp://a.example' -Credential $cred");
        Assert.StartsWith("InvalidRegistry,", Assert.Single(scheme.AllErrors).FullyQualifiedErrorId);
        var whatIf = ps.Run("New-DockerAuthArchive -Path y.tar.gz -Registry a.example -Credential $cred -WhatIf").ThrowOnError();
        Assert.Empty(whatIf.Output);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(dir.Path)!, "outside.tar.gz"));
    }
}
