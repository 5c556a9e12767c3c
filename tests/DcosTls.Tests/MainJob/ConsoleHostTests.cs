using DcosTls.Tests.Infrastructure;
using Xunit;

namespace DcosTls.Tests.MainJob;

/// <summary>The README's main command: the console host runs the example job on a machine without pwsh.</summary>
public class ConsoleHostTests
{
    private static string HostDll()
    {
        string configuration = AppContext.BaseDirectory.Contains("/Release/") ? "Release" : "Debug";
        return Path.Combine(Repo.Root, "src", "DcosTls.Host", "bin", configuration, "net10.0", "dcostls-host.dll");
    }

    [Fact]
    public void Console_host_runs_the_example_job_and_exits_0()
    {
        using var dir = new TempDir();
        var (code, stdout, stderr) = Tool.Run("dotnet", new[] { HostDll(), Path.Combine(Repo.Root, "module", "Examples", "Provision-Agent.ps1"), "-Root", dir["staging"] },
            workingDirectory: dir.Path, timeoutMs: 120_000);
        Assert.True(code == 0, $"exit {code}\n{stderr}");
        Assert.Contains("1. A local certificate authority", stdout);
        Assert.Contains("daemon TLS files consistent: True", stdout);
        Assert.Contains("Done: staging root", stdout);
        Assert.DoesNotContain("example-only-not-a-real-password", stdout + stderr);
        Assert.True(File.Exists(dir["staging/var/lib/dcos/docker_credentials"]));
    }

    [Fact]
    public void Console_host_reports_errors_with_their_id_and_a_nonzero_exit()
    {
        var (code, _, stderr) = Tool.Run("dotnet", HostDll(), "-Command", "Import-Module $DcosTlsManifest; New-DcosCertificate -SelfSigned -CommonName ('a' * 65)");
        Assert.Equal(1, code);
        Assert.Contains("InvalidCertificateRequest,CommonName", stderr);
    }
}
