using DcosTls.Tests.Infrastructure;
using Xunit;

namespace DcosTls.Tests.Help;

/// <summary>Tab completion, through the engine's own TabExpansion2.</summary>
public class CompletionTests
{
    private static List<string> Complete(Pwsh ps, string line)
        => ps.Run($"(TabExpansion2 -inputScript '{line.Replace("'", "''")}' -cursorColumn {line.Length}).CompletionMatches | ForEach-Object {{ $_.CompletionText }}")
            .ThrowOnError().Output.Select(o => o.ToString()).ToList();

    [Fact]
    public void KeySize_offers_the_sizes_of_the_chosen_algorithm()
    {
        using var ps = new Pwsh();
        Assert.Equal(new[] { "256", "384", "521" }, Complete(ps, "New-DcosCertificate -KeyAlgorithm ECDSA -KeySize "));
        Assert.Equal(new[] { "2048", "3072", "4096", "8192" }, Complete(ps, "New-TlsCertificateAuthority -KeySize "));
    }

    [Fact]
    public void Registry_offers_installed_certs_d_folders_and_credential_keys_under_the_root()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["etc/docker/certs.d/repo.internal:5000"]);
        Directory.CreateDirectory(dir["etc/containers/certs.d/mirror.internal"]);
        Directory.CreateDirectory(dir["var/lib/dcos"]);
        File.WriteAllText(dir["var/lib/dcos/docker_credentials"], "{\"auths\":{\"private.example:443\":{\"auth\":\"eDp5\"}}}");
        using var ps = new Pwsh(dir.Path);
        Assert.Equal(new[] { "mirror.internal", "private.example:443", "repo.internal:5000" },
            Complete(ps, $"Get-DockerRegistryTrust -Root {dir.Path} -Registry "));
        Assert.Equal(new[] { "repo.internal:5000" }, Complete(ps, $"Set-MesosDockerConfig -Root {dir.Path} -Registry re"));
    }
}
