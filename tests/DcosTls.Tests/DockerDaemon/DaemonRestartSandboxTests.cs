using DcosTls.Tests.Infrastructure;
using Xunit;

namespace DcosTls.Tests.DockerDaemon;

/// <summary>
/// -Restart on the agent root (/), in a private mount namespace whose systemctl only records its
/// arguments: this machine has no systemd to restart docker.service, so what is proved is that the
/// renewal asks systemd for exactly the restart Set-DockerDaemonTls asks for, after the switch.
/// </summary>
public class DaemonRestartSandboxTests
{
    [Fact]
    public void Update_DockerDaemonCertificate_Restart_restarts_docker_after_the_switch()
    {
        var seed = new Dictionary<string, string> { ["/etc/docker/daemon.json"] = "{\"debug\": true}\n" };
        var r = AgentRootSandbox.Run(seed, @"
            $ca = New-TlsCertificateAuthority -CommonName 'Restart CA' -KeyAlgorithm ECDSA -Confirm:$false
            $server = New-DcosCertificate -Issuer $ca -CommonName node1.example -DnsName node1.example -KeyAlgorithm ECDSA -ValidDays 5
            Set-DockerDaemonTls -Root / -CaCertificate $ca -Certificate $server -Confirm:$false
            $before = (Get-DcosTlsCertificate -Root / | Where-Object Role -eq 'DaemonServer').Thumbprint
            Update-DockerDaemonCertificate -Root / -Issuer $ca -Force -Restart -Confirm:$false
            $after = (Get-DcosTlsCertificate -Root / | Where-Object Role -eq 'DaemonServer').Thumbprint
            if ($before -ne $after -and $after) { 'renewed' } else { ""not renewed: $before $after"" }");
        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "renewed" }, r.Rows);
        Assert.Equal(new[] { "daemon-reload", "restart docker" }, r.Systemctl);
    }
}
