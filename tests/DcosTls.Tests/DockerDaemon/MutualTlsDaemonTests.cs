using System.Text.Json.Nodes;
using DcosTls.Tests.Infrastructure;
using DcosTls.Tests.Peers;
using Xunit;

namespace DcosTls.Tests.DockerDaemon;

/// <summary>
/// End to end: a real dockerd on the configuration Set-DockerDaemonTls wrote, a real docker CLI on the
/// folder Install-DockerClientCertificate wrote. Some tests pin down how the docker CLI and dockerd
/// themselves behave with those files (DOCKER_TLS_VERIFY=0, a client without a certificate): they
/// guard the module's advice and defaults, not its code.
/// </summary>
[Collection("dockerd")]
public class MutualTlsDaemonTests : IClassFixture<MutualTlsDaemon>
{
    private readonly MutualTlsDaemon _d;

    public MutualTlsDaemonTests(MutualTlsDaemon daemon) => _d = daemon;

    [Fact]
    public void Docker_tlsverify_with_our_client_certificate_gets_the_server_version()
    {
        var (code, stdout, stderr) = _d.DockerVersion(_d.TcpHost, _d.Client("ca.pem"), _d.Client("cert.pem"), _d.Client("key.pem"));
        Assert.True(code == 0, stderr + "\n" + _d.Daemon.Log);
        Assert.Matches(@"^\d+\.\d+", stdout.Trim());
    }

    [Fact]
    public void Docker_cert_path_from_Install_DockerClientCertificate_works_with_the_cli_unchanged()
    {
        var settings = _d.Setup.Output.Select(o => o.BaseObject).Last();
        var lines = (IEnumerable<string>)settings.GetType().GetProperty("EnvironmentLines")!.GetValue(settings)!;
        // Take the variables exactly as the lines a user would paste say them.
        var env = lines.Select(l => l["export ".Length..].Split('=', 2)).ToDictionary(p => p[0], p => (string?)p[1].Trim('\''));
        Assert.Equal(new[] { "DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH" }, env.Keys);
        Assert.Equal(_d.TcpHost, env["DOCKER_HOST"]);
        Assert.Equal(_d.Dir["client"], env["DOCKER_CERT_PATH"]);
        var (code, stdout, stderr) = DockerCli.Run(_d.Dir["cli-config-env"], new[] { "version", "--format", "{{.Server.Version}}" }, env);
        Assert.True(code == 0, stderr);
        Assert.Matches(@"^\d+\.\d+", stdout.Trim());
        Assert.Equal("600", FileModes.Of(_d.Client("key.pem")));
        Assert.Equal("644", FileModes.Of(_d.Client("cert.pem")));
        Assert.Equal("700", FileModes.Of(_d.Dir["client"]));
    }

    [Fact]
    public void The_docker_cli_still_verifies_the_daemon_with_DOCKER_TLS_VERIFY_0()
    {
        // Pitfall 11: any non-empty value turns verification on. With a CA that did not sign the
        // daemon's certificate in the cert path, "0" must still fail.
        string wrong = _d.Dir["wrong-cert-path"];
        Directory.CreateDirectory(wrong);
        File.WriteAllText(Path.Combine(wrong, "ca.pem"), (string)_d.Ps.Run("$otherCa.CertificatePem").Value!);
        File.Copy(_d.Client("cert.pem"), Path.Combine(wrong, "cert.pem"));
        File.Copy(_d.Client("key.pem"), Path.Combine(wrong, "key.pem"));
        var env = new Dictionary<string, string?> { ["DOCKER_HOST"] = _d.TcpHost, ["DOCKER_TLS_VERIFY"] = "0", ["DOCKER_CERT_PATH"] = wrong };
        var (code, _, stderr) = DockerCli.Run(_d.Dir["cli-config-verify0"], new[] { "version", "--format", "{{.Server.Version}}" }, env);
        Assert.NotEqual(0, code);
        Assert.Contains("x509", stderr);
    }

    [Fact]
    public void Without_a_client_certificate_the_daemon_refuses()
    {
        var (code, _, stderr) = _d.DockerVersion(_d.TcpHost, _d.Client("ca.pem"), null, null);
        Assert.NotEqual(0, code);
        Assert.Matches("bad certificate|certificate required|client authentication", stderr);
    }

    [Fact]
    public void A_client_certificate_from_another_CA_is_refused()
    {
        var (code, _, stderr) = _d.DockerVersion(_d.TcpHost, _d.Client("ca.pem"), _d.OtherClient("cert.pem"), _d.OtherClient("key.pem"));
        Assert.NotEqual(0, code);
        Assert.Matches("bad certificate|unknown certificate authority|certificate required", stderr);
    }

    [Fact]
    public void A_client_that_does_not_trust_the_CA_refuses_the_daemon()
    {
        // Trusting the other CA only: the server certificate must not verify.
        string wrongCa = _d.Dir["wrong-ca.pem"];
        File.WriteAllText(wrongCa, (string)_d.Ps.Run("$otherCa.CertificatePem").Value!);
        var (code, _, stderr) = _d.DockerVersion(_d.TcpHost, wrongCa, _d.Client("cert.pem"), _d.Client("key.pem"));
        Assert.NotEqual(0, code);
        Assert.Contains("x509", stderr);
    }

    [Fact]
    public void Openssl_verify_agrees_on_purposes_and_issuers()
    {
        string ca = _d.Staged("/etc/docker/tls/ca.pem");
        string serverCert = _d.Staged("/etc/docker/tls/server-cert.pem");
        Assert.Contains("OK", Tool.Openssl("verify", "-purpose", "sslserver", "-CAfile", ca, serverCert));
        Assert.Contains("OK", Tool.Openssl("verify", "-purpose", "sslclient", "-CAfile", _d.Client("ca.pem"), _d.Client("cert.pem")));
        Assert.NotEqual(0, Tool.Run("openssl", "verify", "-purpose", "sslserver", "-CAfile", ca, _d.Client("cert.pem")).ExitCode);
        Assert.NotEqual(0, Tool.Run("openssl", "verify", "-purpose", "sslclient", "-CAfile", ca, _d.OtherClient("cert.pem")).ExitCode);
        // And a full handshake: the daemon's certificate checks out for 127.0.0.1 with our client key.
        var (_, stdout, stderr) = Tool.Run("openssl", new[] { "s_client", "-connect", $"127.0.0.1:{_d.Port}", "-CAfile", ca,
            "-cert", _d.Client("cert.pem"), "-key", _d.Client("key.pem"), "-verify_ip", "127.0.0.1", "-verify_return_error", "-brief" }, stdin: "");
        Assert.Contains("Verification: OK", stdout + stderr);
    }

    [Fact]
    public void Daemon_json_keeps_unrelated_keys_and_a_second_run_changes_nothing()
    {
        var config = _d.StagedConfig;
        var original = (JsonObject)JsonNode.Parse(_d.OriginalConfig)!;
        foreach (var (key, value) in original) Assert.True(JsonNode.DeepEquals(value, config[key]), key);
        Assert.True(config["tls"]!.GetValue<bool>());
        Assert.True(config["tlsverify"]!.GetValue<bool>());
        Assert.Equal("/etc/docker/tls/ca.pem", config["tlscacert"]!.GetValue<string>());
        Assert.Equal("/etc/docker/tls/server-cert.pem", config["tlscert"]!.GetValue<string>());
        Assert.Equal("/etc/docker/tls/server-key.pem", config["tlskey"]!.GetValue<string>());
        Assert.Equal(new[] { "unix://" + _d.Socket, _d.TcpHost }, config["hosts"]!.AsArray().Select(n => n!.GetValue<string>()));
        // The first run replaced an existing file: its backup holds the original bytes.
        Assert.Equal(_d.OriginalConfig, File.ReadAllText(_d.Staged("/etc/docker/daemon.json.dcostls.bak")));
        Assert.Equal("600", FileModes.Of(_d.Staged("/etc/docker/tls/server-key.pem")));
        Assert.Equal("700", FileModes.Of(_d.Staged("/etc/docker/tls")));
        string dropIn = File.ReadAllText(_d.Staged("/etc/systemd/system/docker.service.d/dcostls-hosts.conf"));
        Assert.Contains("[Service]\nExecStart=\nExecStart=/usr/bin/dockerd\n", dropIn);

        var before = Snapshot(_d.Root);
        var again = _d.Ps.Run("Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $server -Hosts $hosts -PassThru | ForEach-Object { '{0} {1}' -f $_.Role, $_.Action }").ThrowOnError();
        // The drop-in comes before daemon.json: dockerd must never meet "hosts" without it.
        Assert.Equal(new[] { "CaCertificate Unchanged", "ServerCertificate Unchanged", "ServerKey Unchanged", "SystemdDropIn Unchanged", "DaemonConfig Unchanged" },
            again.Output.Select(o => o.ToString()));
        Assert.Equal(before, Snapshot(_d.Root));
        // Without -Hosts the listeners in daemon.json stay as they are.
        var keep = _d.Ps.Run("$server | Set-DockerDaemonTls -Root $root -CaCertificate $ca -PassThru | Where-Object Action -ne 'Unchanged'").ThrowOnError();
        Assert.Empty(keep.Output);
    }

    [Fact]
    public void Output_names_files_not_secrets()
    {
        string key = File.ReadAllText(_d.Staged("/etc/docker/tls/server-key.pem"));
        string keyBody = key.Split('\n')[1];
        Assert.DoesNotContain(keyBody, _d.Setup.AllText());
        Assert.DoesNotContain("PRIVATE KEY", _d.Setup.AllText());
        Assert.Contains("DaemonConfig", _d.Setup.AllText());
    }


    private static Dictionary<string, string> Snapshot(string root)
        => Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith("key.json", StringComparison.Ordinal))
            .ToDictionary(f => f, f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))) + File.GetLastWriteTimeUtc(f).Ticks);
}

/// <summary>Pitfall 12: a server certificate without the IP SAN clients dial.</summary>
[Collection("dockerd")]
public class MissingIpSanDaemonTests : IClassFixture<DnsOnlyDaemon>
{
    private readonly DnsOnlyDaemon _d;

    public MissingIpSanDaemonTests(DnsOnlyDaemon daemon) => _d = daemon;

    [Fact]
    public void Dialling_the_IP_fails_while_the_name_in_the_certificate_works()
    {
        var byIp = _d.DockerVersion($"tcp://127.0.0.1:{_d.Port}", _d.Client("ca.pem"), _d.Client("cert.pem"), _d.Client("key.pem"));
        Assert.NotEqual(0, byIp.ExitCode);
        Assert.Matches("x509: .*(127\\.0\\.0\\.1|IP SANs)", byIp.Err);
        var byName = _d.DockerVersion(_d.TcpHost, _d.Client("ca.pem"), _d.Client("cert.pem"), _d.Client("key.pem"));
        Assert.True(byName.ExitCode == 0, byName.Err + "\n" + _d.Daemon.Log);
        Assert.NotEqual(0, Tool.Run("openssl", "verify", "-verify_ip", "127.0.0.1", "-CAfile", _d.Staged("/etc/docker/tls/ca.pem"),
            _d.Staged("/etc/docker/tls/server-cert.pem")).ExitCode);
    }
}
