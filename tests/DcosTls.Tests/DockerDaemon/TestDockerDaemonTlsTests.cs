using System.Security.Cryptography;
using System.Text.Json.Nodes;
using DcosTls.Tests.Infrastructure;
using DcosTls.Tests.Peers;
using Xunit;

namespace DcosTls.Tests.DockerDaemon;

/// <summary>
/// Test-DockerDaemonTls on staging roots written by Set-DockerDaemonTls, each then broken in one
/// way: the answer is $false and -Detailed names exactly the check that failed.
/// </summary>
public class TestDockerDaemonTlsFileTests
{
    private static readonly string[] FileChecks =
        { "DaemonConfig", "TlsVerify", "TlsFiles", "ServerChain", "ServerAuth", "Validity", "HostNames", "KeyMatch", "KeyPermissions" };

    private const string Setup = @"
        $ca = New-TlsCertificateAuthority -CommonName 'Daemon Test CA' -KeyAlgorithm ECDSA
        $otherCa = New-TlsCertificateAuthority -CommonName 'Other Test CA' -KeyAlgorithm ECDSA
        $server = New-DcosCertificate -Issuer $ca -CommonName node1 -DnsName node1.example -IPAddress 10.0.0.5 -KeyAlgorithm ECDSA
        $hosts = 'unix:///var/run/docker.sock', 'tcp://10.0.0.5:2376', 'tcp://node1.example:2376', 'tcp://0.0.0.0:2376'
        $null = Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $server -Hosts $hosts -WarningAction SilentlyContinue
    ";

    private sealed class Agent : IDisposable
    {
        internal Agent()
        {
            Dir = new TempDir("dcostls-daemontest-");
            Root = Dir["root"];
            Ps = new Pwsh(Dir.Path);
            Ps.Set("root", Root);
            Ps.Run(Setup).ThrowOnError();
        }

        internal TempDir Dir { get; }
        internal string Root { get; }
        internal Pwsh Ps { get; }

        internal string Staged(string agentPath) => Path.Combine(Root, agentPath.TrimStart('/'));

        internal bool Test() => TestAnswer.Of(Ps.Run("Test-DockerDaemonTls -Root $root"), "DaemonTls");

        /// <summary>Check name → (passed, detail).</summary>
        internal Dictionary<string, (bool Passed, string Detail)> Detailed()
            => Ps.Run("Test-DockerDaemonTls -Root $root -Detailed").ThrowOnError().Output
                .ToDictionary(o => o.Properties["Check"].Value.ToString()!, o => ((bool)o.Properties["Passed"].Value, (string)o.Properties["Detail"].Value));

        public void Dispose()
        {
            Ps.Dispose();
            Dir.Dispose();
        }
    }

    /// <summary>The only failing check is <paramref name="check"/>; its detail contains <paramref name="says"/>.</summary>
    private static void OnlyFails(Agent agent, string check, string says)
    {
        Assert.False(agent.Test());
        var checks = agent.Detailed();
        Assert.Equal(FileChecks, checks.Keys);
        Assert.Equal(new[] { check }, checks.Where(c => !c.Value.Passed).Select(c => c.Key));
        Assert.Contains(says, checks[check].Detail);
    }

    private static string Snapshot(string root)
        => string.Join("\n", Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order()
            .Select(f => f + " " + File.GetUnixFileMode(f) + " " + Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))));

    [Fact]
    public void True_for_a_root_written_by_Set_DockerDaemonTls_and_nothing_is_changed()
    {
        using var agent = new Agent();
        string before = Snapshot(agent.Root);
        var r = agent.Ps.Run("Test-DockerDaemonTls -Root $root; Test-DockerDaemonTls -Root $root -Detailed").ThrowOnError();
        Assert.Equal(true, r.Output[0].BaseObject);
        var checks = r.Output.Skip(1).Select(o => o.BaseObject).ToList();
        Assert.Equal("DcosTls.DockerDaemon.DockerDaemonTlsCheck", checks[0].GetType().FullName);
        var detailed = agent.Detailed();
        Assert.Equal(FileChecks, detailed.Keys);
        Assert.All(detailed, c => Assert.True(c.Value.Passed, c.Key + ": " + c.Value.Detail));
        Assert.Contains("tcp://10.0.0.5:2376, tcp://node1.example:2376", detailed["HostNames"].Detail);
        Assert.DoesNotContain("0.0.0.0", detailed["HostNames"].Detail);
        Assert.Empty(r.Warnings);
        Assert.Equal(before, Snapshot(agent.Root));
        Assert.DoesNotContain("PRIVATE KEY", r.AllText());
    }

    [Fact]
    public void Missing_daemon_json_fails_DaemonConfig()
    {
        using var agent = new Agent();
        File.Delete(agent.Staged("/etc/docker/daemon.json"));
        Assert.False(agent.Test());
        var checks = agent.Detailed();
        Assert.Equal(new[] { "DaemonConfig" }, checks.Keys);
        Assert.False(checks["DaemonConfig"].Passed);
        Assert.Contains("does not exist", checks["DaemonConfig"].Detail);
        // A file that is not a JSON object fails the same check.
        File.WriteAllText(agent.Staged("/etc/docker/daemon.json"), "[1, 2]");
        Assert.False(agent.Detailed()["DaemonConfig"].Passed);
    }

    [Fact]
    public void Tlsverify_off_fails_TlsVerify()
    {
        using var agent = new Agent();
        agent.Ps.Run("$null = Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $server -SkipClientVerification -WarningAction SilentlyContinue").ThrowOnError();
        OnlyFails(agent, "TlsVerify", "\"tlsverify\" is false");
    }

    [Fact]
    public void A_missing_or_broken_TLS_file_fails_TlsFiles_and_the_checks_that_need_it_are_left_out()
    {
        using var agent = new Agent();
        File.Delete(agent.Staged("/etc/docker/tls/ca.pem"));
        Assert.False(agent.Test());
        var checks = agent.Detailed();
        Assert.False(checks["TlsFiles"].Passed);
        Assert.Contains("\"tlscacert\" /etc/docker/tls/ca.pem does not exist", checks["TlsFiles"].Detail);
        Assert.DoesNotContain("ServerChain", checks.Keys);
        Assert.True(checks["KeyMatch"].Passed);
        // A tlscert holding something that is not a PEM certificate.
        File.WriteAllText(agent.Staged("/etc/docker/tls/server-cert.pem"), "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n");
        checks = agent.Detailed();
        Assert.Contains("\"tlscert\" /etc/docker/tls/server-cert.pem holds no PEM certificate", checks["TlsFiles"].Detail);
        Assert.DoesNotContain("KeyMatch", checks.Keys);
    }

    [Fact]
    public void A_server_certificate_from_another_CA_fails_ServerChain()
    {
        using var agent = new Agent();
        agent.Ps.Run(@"$foreign = New-DcosCertificate -Issuer $otherCa -CommonName node1 -DnsName node1.example -IPAddress 10.0.0.5 -KeyAlgorithm ECDSA
            $null = Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $foreign -WarningAction SilentlyContinue").ThrowOnError();
        OnlyFails(agent, "ServerChain", "does not chain to the CA in tlscacert");
    }

    [Fact]
    public void A_key_that_does_not_match_fails_KeyMatch()
    {
        using var agent = new Agent();
        // Another pair installed in a second root: its key (0600 as well) replaces ours.
        string other = agent.Dir["other-root"];
        agent.Ps.Set("other", other).Run(@"$s2 = New-DcosCertificate -Issuer $ca -CommonName node1 -IPAddress 10.0.0.5 -KeyAlgorithm ECDSA
            $null = Set-DockerDaemonTls -Root $other -CaCertificate $ca -Certificate $s2").ThrowOnError();
        File.Copy(Path.Combine(other, "etc/docker/tls/server-key.pem"), agent.Staged("/etc/docker/tls/server-key.pem"), overwrite: true);
        File.SetUnixFileMode(agent.Staged("/etc/docker/tls/server-key.pem"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        OnlyFails(agent, "KeyMatch", "not the private key of tlscert");
    }

    [Fact]
    public void Key_mode_0644_fails_KeyPermissions()
    {
        using var agent = new Agent();
        File.SetUnixFileMode(agent.Staged("/etc/docker/tls/server-key.pem"),
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        OnlyFails(agent, "KeyPermissions", "mode 0644");
    }

    [Fact]
    public void Hosts_not_covered_by_the_SANs_fail_HostNames()
    {
        using var agent = new Agent();
        // Set-DockerDaemonTls refuses such hosts, so the file is edited by hand, as on a drifted agent.
        string config = agent.Staged("/etc/docker/daemon.json");
        var json = (JsonObject)JsonNode.Parse(File.ReadAllText(config))!;
        ((JsonArray)json["hosts"]!).Add("tcp://10.9.9.9:2376");
        ((JsonArray)json["hosts"]!).Add("tcp://other.example:2376");
        File.WriteAllText(config, json.ToJsonString());
        OnlyFails(agent, "HostNames", "'tcp://10.9.9.9:2376' needs an IP SAN 10.9.9.9");
        Assert.Contains("'tcp://other.example:2376' needs a DNS SAN other.example", agent.Detailed()["HostNames"].Detail);
    }

    [Fact]
    public void A_certificate_with_less_than_30_days_left_passes_with_a_warning()
    {
        using var agent = new Agent();
        var r = agent.Ps.Run(@"$soon = New-DcosCertificate -Issuer $ca -CommonName node1 -DnsName node1.example -IPAddress 10.0.0.5 -KeyAlgorithm ECDSA -ValidDays 10
            $null = Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $soon
            Test-DockerDaemonTls -Root $root").ThrowOnError();
        Assert.Equal(true, r.Value);
        Assert.Contains(r.Warnings, w => w.Contains("expires on") && w.Contains("days left"));
    }

    [Theory]
    [InlineData("http://10.0.0.5:2376")]
    [InlineData("10.0.0.5:99999")]
    [InlineData("0.0.0.0:2376")]
    [InlineData("bad host:2376")]
    public void An_invalid_Address_is_an_error(string address)
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        var r = ps.Set("address", address).Run("Test-DockerDaemonTls -Root . -Address $address");
        var e = Assert.Single(r.AllErrors);
        Assert.Equal("InvalidDaemonAddress,DcosTls.Cmdlets.TestDockerDaemonTlsCommand", e.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, e.CategoryInfo.Category);
        Assert.Empty(r.Output);
    }

    [Fact]
    public void A_client_certificate_without_its_key_is_an_error()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        var r = ps.Run(@"$ca = New-TlsCertificateAuthority -CommonName c -KeyAlgorithm ECDSA
            $public = Import-DcosCertificate -CertificatePem (New-DcosCertificate -Issuer $ca -CommonName ops -Usage Client -KeyAlgorithm ECDSA).CertificatePem
            Test-DockerDaemonTls -Root . -Address 127.0.0.1:2376 -ClientCertificate $public");
        var e = Assert.Single(r.AllErrors);
        Assert.Equal("ClientCertificateWithoutKey,DcosTls.Cmdlets.TestDockerDaemonTlsCommand", e.FullyQualifiedErrorId);
        Assert.Contains("Import-DcosCertificate -KeyPath", e.ToString());
    }
}

/// <summary>Test-DockerDaemonTls -Address against a real dockerd running on the files Set-DockerDaemonTls wrote.</summary>
[Collection("dockerd")]
public class TestDockerDaemonTlsOnlineTests : IClassFixture<MutualTlsDaemon>
{
    private readonly MutualTlsDaemon _d;

    public TestDockerDaemonTlsOnlineTests(MutualTlsDaemon daemon)
    {
        _d = daemon;
        _d.Ps.Set("address", "127.0.0.1:" + _d.Port);
    }

    private Dictionary<string, (bool Passed, string Detail)> Detailed(string arguments)
        => _d.Ps.Run("Test-DockerDaemonTls -Root $root -Address $address -Detailed " + arguments).ThrowOnError().Output
            .ToDictionary(o => o.Properties["Check"].Value.ToString()!, o => ((bool)o.Properties["Passed"].Value, (string)o.Properties["Detail"].Value));

    [Fact]
    public void True_with_our_client_certificate()
    {
        var r = _d.Ps.Run("Test-DockerDaemonTls -Root $root -Address $address -ClientCertificate $client").ThrowOnError();
        Assert.True(Equals(true, r.Value), string.Join("\n", Detailed("-ClientCertificate $client").Select(c => $"{c.Key}: {c.Value}")) + "\n" + _d.Daemon.Log);
        var checks = Detailed("-ClientCertificate $client");
        Assert.Contains("Handshake", checks.Keys);
        Assert.Matches(@"GET /version answered 200 \(Docker \d+\.", checks["VersionRequest"].Detail);
        // The CA given explicitly works the same way as the tlscacert file.
        Assert.Equal(true, _d.Ps.Run("Test-DockerDaemonTls -Root $root -Address \"tcp://$address\" -ClientCertificate $client -CaCertificate $ca").ThrowOnError().Value);
        // Install-DockerClientCertificate's output binds by property name: DockerHost → -Address.
        var piped = _d.Ps.Run("$clientSettings | Test-DockerDaemonTls -Root $root -ClientCertificate $client -Detailed").ThrowOnError().Output;
        var version = Assert.Single(piped, o => o.Properties["Check"].Value.ToString() == "VersionRequest");
        Assert.True((bool)version.Properties["Passed"].Value);
    }

    [Fact]
    public void False_without_a_client_certificate()
    {
        Assert.False(TestAnswer.Of(_d.Ps.Run("Test-DockerDaemonTls -Root $root -Address $address"), "DaemonTlsHandshakeFailed"));
        var checks = Detailed(string.Empty);
        // The files are fine; the daemon refuses the connection (with TLS 1.3, right after the handshake).
        Assert.Equal(new[] { "Handshake" }, checks.Where(c => !c.Value.Passed).Select(c => c.Key));
        Assert.Contains("No client certificate was presented", checks["Handshake"].Detail);
        Assert.DoesNotContain("VersionRequest", checks.Keys);
    }

    [Fact]
    public void False_with_a_client_certificate_from_another_CA()
    {
        var checks = Detailed("-ClientCertificate $otherClient");
        Assert.False(checks["Handshake"].Passed);
        Assert.Contains("refused the client certificate 'intruder'", checks["Handshake"].Detail);
    }

    [Fact]
    public void False_when_the_daemon_is_verified_against_another_CA()
    {
        Assert.False(TestAnswer.Of(_d.Ps.Run("Test-DockerDaemonTls -Root $root -Address $address -ClientCertificate $client -CaCertificate $otherCa"), "DaemonTlsHandshakeFailed"));
        var checks = Detailed("-ClientCertificate $client -CaCertificate $otherCa");
        Assert.False(checks["Handshake"].Passed);
        Assert.Contains("does not verify against -CaCertificate", checks["Handshake"].Detail);
        Assert.DoesNotContain("VersionRequest", checks.Keys);
    }
}
