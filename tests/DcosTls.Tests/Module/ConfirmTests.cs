using DcosTls.Tests.Infrastructure;
using Xunit;

namespace DcosTls.Tests.Module;

/// <summary>
/// -Confirm answered file by file: declining a file that others depend on must not leave the
/// agent pointing at something that is not there.
/// </summary>
public class ConfirmTests
{
    [Fact]
    public void Declining_the_credentials_file_leaves_mesos_slave_common_alone()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["root"]);
        var host = new ScriptedHost("N");
        using var ps = new Pwsh(dir.Path, host: host).Set("cred", Secrets.Credential("deployer", "confirm-pw"));
        var r = ps.Run($"Set-MesosDockerConfig -Registry repo.internal:5000 -Credential $cred -Root '{dir["root"]}' -Confirm -PassThru | ForEach-Object {{ $_.Action; $_.EnvironmentAction }}").ThrowOnError();
        Assert.Equal(new[] { "Skipped", "Skipped" }, r.Output.Select(o => o.ToString()));
        Assert.Single(host.Prompts); // the dependent line was not even offered
        Assert.False(File.Exists(dir["root/var/lib/dcos/mesos-slave-common"]));
        Assert.False(File.Exists(dir["root/var/lib/dcos/docker_credentials"]));
    }

    [Fact]
    public void Declining_the_server_pair_leaves_daemon_json_alone()
    {
        using var dir = new TempDir();
        // Yes to the TLS folder and the CA; no to the certificate and key (one question: they change together).
        var host = new ScriptedHost("Y", "Y", "N");
        using var ps = new Pwsh(dir.Path, host: host);
        var r = ps.Run($@"
            $ca = New-TlsCertificateAuthority -CommonName 'Confirm CA' -KeyAlgorithm ECDSA
            $server = New-DcosCertificate -Issuer $ca -CommonName docker -IPAddress 127.0.0.1 -KeyAlgorithm ECDSA
            Set-DockerDaemonTls -Root '{dir["root"]}' -CaCertificate $ca -Certificate $server -Hosts tcp://127.0.0.1:2376 -Confirm -PassThru | ForEach-Object {{ $_.Role + '=' + $_.Action }}").ThrowOnError();
        var actions = r.Output.Select(o => o.ToString()).ToList();
        Assert.Contains("ServerCertificate=Skipped", actions);
        Assert.Contains("ServerKey=Skipped", actions);
        Assert.False(File.Exists(dir["root/etc/docker/tls/server-cert.pem"]));
        Assert.Contains("DaemonConfig=Skipped", actions);
        Assert.False(File.Exists(dir["root/etc/docker/daemon.json"]));
        Assert.DoesNotContain(host.Prompts, p => p.Contains("daemon.json"));
    }
}
