using System.Management.Automation;
using DcosTls.Tests.Infrastructure;
using Xunit;

namespace DcosTls.Tests.DockerDaemon;

/// <summary>Set-DockerDaemonTls and Install-DockerClientCertificate without a daemon: bad input, -WhatIf, drop-ins, warnings.</summary>
public class DaemonTlsInputTests
{
    private const string Certificates = @"
        $ca = New-TlsCertificateAuthority -CommonName 'Input CA' -KeyAlgorithm ECDSA
        $server = New-DcosCertificate -Issuer $ca -CommonName node1.example -DnsName node1.example -IPAddress 10.0.0.5,127.0.0.1 -KeyAlgorithm ECDSA
        $client = New-DcosCertificate -Issuer $ca -CommonName ops -Usage Client -KeyAlgorithm ECDSA
    ";

    private static (TempDir Dir, Pwsh Ps, string Root) Start()
    {
        var dir = new TempDir();
        var ps = new Pwsh(dir.Path);
        string root = dir["root"];
        Directory.CreateDirectory(root);
        ps.Set("root", root);
        ps.Run(Certificates).ThrowOnError();
        return (dir, ps, root);
    }

    private static string[] FilesUnder(string root) => Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).ToArray();

    private static ErrorRecord SingleError(PwshResult r) => Assert.Single(r.AllErrors);

    [Fact]
    public void Common_name_over_64_characters_is_refused_and_nothing_is_written()
    {
        var (dir, ps, root) = Start();
        using (dir) using (ps)
        {
            var r = ps.Run("New-DcosCertificate -Issuer $ca -CommonName ('a' * 65) -IPAddress 127.0.0.1 -KeyAlgorithm ECDSA | Set-DockerDaemonTls -Root $root -CaCertificate $ca");
            var e = SingleError(r);
            Assert.Equal("InvalidCertificateRequest,CommonName,DcosTls.Cmdlets.NewDcosCertificateCommand", e.FullyQualifiedErrorId);
            Assert.Contains("at most 64", e.ToString());
            Assert.Empty(FilesUnder(root));
        }
    }

    [Fact]
    public void An_IP_that_the_server_certificate_holds_only_as_a_DNS_name_is_refused()
    {
        var (dir, ps, root) = Start();
        using (dir) using (ps)
        {
            // Only openssl can make this mistake: our cmdlets move IP literals to IP SANs.
            Tool.Openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", dir["ipdns.key"],
                "-out", dir["ipdns.crt"], "-subj", "/CN=ipdns", "-days", "2", "-addext", "subjectAltName=DNS:127.0.0.1", "-addext", "extendedKeyUsage=serverAuth");
            var r = ps.Run("$bad = Import-DcosCertificate -Path ipdns.crt -KeyPath ipdns.key; Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $bad -Hosts 'tcp://127.0.0.1:2376'");
            var e = SingleError(r);
            Assert.StartsWith("ServerCertificateIpAsDnsName,", e.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidArgument, e.CategoryInfo.Category);
            Assert.Contains("-IPAddress 127.0.0.1", e.ToString());
            Assert.Empty(FilesUnder(root));
            // A host name the certificate lacks is refused the same way.
            var missing = SingleError(ps.Run("Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $server -Hosts 'tcp://node2.example:2376'"));
            Assert.StartsWith("ServerCertificateMissingSan,", missing.FullyQualifiedErrorId);
            Assert.Empty(FilesUnder(root));
        }
    }

    [Fact]
    public void A_key_that_is_too_small_is_refused()
    {
        var (dir, ps, root) = Start();
        using (dir) using (ps)
        {
            var asked = SingleError(ps.Run("New-DcosCertificate -Issuer $ca -CommonName small -KeySize 1024"));
            Assert.Equal("InvalidCertificateRequest,KeySize,DcosTls.Cmdlets.NewDcosCertificateCommand", asked.FullyQualifiedErrorId);
            Tool.Openssl("req", "-x509", "-newkey", "rsa:1024", "-nodes", "-keyout", dir["weak.key"], "-out", dir["weak.crt"], "-subj", "/CN=weak",
                "-days", "2", "-addext", "subjectAltName=IP:127.0.0.1", "-addext", "extendedKeyUsage=serverAuth");
            var e = SingleError(ps.Run("Import-DcosCertificate -Path weak.crt -KeyPath weak.key | Set-DockerDaemonTls -Root $root -CaCertificate $ca -Hosts 'tcp://127.0.0.1:2376'"));
            Assert.StartsWith("KeyTooSmall,", e.FullyQualifiedErrorId);
            Assert.Contains("RSA-1024", e.ToString());
            Assert.Empty(FilesUnder(root));
        }
    }

    [Fact]
    public void An_issuer_without_the_CA_flag_is_refused()
    {
        var (dir, ps, root) = Start();
        using (dir) using (ps)
        {
            var e = SingleError(ps.Run("New-DcosCertificate -Issuer $server -CommonName leaf2 -KeyAlgorithm ECDSA | Set-DockerDaemonTls -Root $root -CaCertificate $ca"));
            Assert.Equal("InvalidCertificateRequest,Issuer,DcosTls.Cmdlets.NewDcosCertificateCommand", e.FullyQualifiedErrorId);
            Assert.Contains("not a certificate authority", e.ToString());
            // The same mistake on the daemon's side: a leaf given as -CaCertificate.
            var ca = SingleError(ps.Run("Set-DockerDaemonTls -Root $root -CaCertificate $server -Certificate $server"));
            Assert.StartsWith("CaCertificateNotAuthority,", ca.FullyQualifiedErrorId);
            Assert.Empty(FilesUnder(root));
        }
    }

    [Fact]
    public void A_server_certificate_without_its_key_is_refused()
    {
        var (dir, ps, root) = Start();
        using (dir) using (ps)
        {
            var e = SingleError(ps.Run("$null = $server | Export-DcosCertificate -Path server.crt -NoKey; " +
                "Import-DcosCertificate -Path server.crt | Set-DockerDaemonTls -Root $root -CaCertificate $ca -Hosts 'tcp://10.0.0.5:2376'"));
            Assert.StartsWith("CertificateWithoutKey,", e.FullyQualifiedErrorId);
            Assert.Contains("server-key.pem", e.ToString());
            Assert.Empty(FilesUnder(root));
            var client = SingleError(ps.Run("Install-DockerClientCertificate -Path cli -CaCertificate $ca -Certificate (Import-DcosCertificate -Path server.crt)[0]"));
            Assert.StartsWith("CertificateWithoutKey,", client.FullyQualifiedErrorId);
            Assert.False(Directory.Exists(dir["cli"]));
        }
    }

    [Fact]
    public void A_daemon_json_that_is_not_JSON_is_left_alone()
    {
        var (dir, ps, root) = Start();
        using (dir) using (ps)
        {
            string config = Path.Combine(root, "etc/docker/daemon.json");
            Directory.CreateDirectory(Path.GetDirectoryName(config)!);
            const string broken = "{ \"log-driver\": \"journald\", }\n";
            File.WriteAllText(config, broken);
            var e = SingleError(ps.Run("Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $server -Hosts 'unix:///var/run/docker.sock','tcp://10.0.0.5:2376'"));
            Assert.StartsWith("DaemonJsonInvalid,", e.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidData, e.CategoryInfo.Category);
            Assert.Contains("nothing was written", e.ToString());
            Assert.Equal(broken, File.ReadAllText(config));
            Assert.Equal(new[] { Path.Combine(root, "etc"), Path.Combine(root, "etc/docker"), config }, FilesUnder(root).OrderBy(f => f));
            File.WriteAllText(config, "[1, 2]");
            Assert.StartsWith("DaemonJsonInvalid,", SingleError(ps.Run("Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $server")).FullyQualifiedErrorId);
        }
    }

    [Fact]
    public void Other_bad_arguments_name_what_to_fix()
    {
        var (dir, ps, root) = Start();
        using (dir) using (ps)
        {
            Assert.StartsWith("ServerCertificateLacksServerAuth,", SingleError(ps.Run("Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $client")).FullyQualifiedErrorId);
            Assert.StartsWith("ClientCertificateLacksClientAuth,", SingleError(ps.Run("Install-DockerClientCertificate -Path cli -CaCertificate $ca -Certificate $server")).FullyQualifiedErrorId);
            Assert.StartsWith("InvalidDockerHost,", SingleError(ps.Run("Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $server -Hosts 'http://10.0.0.5:2376'")).FullyQualifiedErrorId);
            Assert.StartsWith("InvalidAgentPath,", SingleError(ps.Run("Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $server -TlsDirectory '/etc/../../tmp/x'")).FullyQualifiedErrorId);
            Assert.StartsWith("InvalidFileName,", SingleError(ps.Run("Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $server -DropInName '../docker'")).FullyQualifiedErrorId);
            Assert.StartsWith("InvalidDockerHost,", SingleError(ps.Run("Install-DockerClientCertificate -Path cli -CaCertificate $ca -Certificate $client -DockerHost 'unix:///x.sock'")).FullyQualifiedErrorId);
            var restart = SingleError(ps.Run("Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $server -Restart"));
            Assert.StartsWith("RestartNeedsAgentRoot,", restart.FullyQualifiedErrorId);
            Assert.Empty(FilesUnder(root));
            Assert.False(Directory.Exists(dir["cli"]));
        }
    }

    [Fact]
    public void WhatIf_with_Restart_on_the_agent_root_writes_and_restarts_nothing()
    {
        // The real / in a private mount namespace, with an agent's existing Docker configuration.
        var seed = new Dictionary<string, string>
        {
            ["/etc/docker/daemon.json"] = "{\"debug\": true, \"tlsverify\": false}\n",
            ["/etc/docker/tls/ca.pem"] = "an older CA an overwrite would replace\n",
            ["/etc/systemd/system/docker.service.d/override.conf"] = "[Service]\nLimitNOFILE=1048576\n",
        };
        var r = AgentRootSandbox.Run(seed, Certificates + @"
            Set-DockerDaemonTls -Root / -CaCertificate $ca -Certificate $server -Hosts 'unix:///var/run/docker.sock','tcp://10.0.0.5:2376' -Restart -WhatIf |
                ForEach-Object { '{0} {1}' -f $_.Role, $_.Action }");
        // What -WhatIf prints is the results' business; here only the files and systemctl count.
        Assert.Empty(r.Errors);
        Assert.Contains("/etc/docker/daemon.json", r.Before.Keys); // the seeds are there, so the hashes compare something
        r.AssertNothingChanged();
    }

    [Fact]
    public void Drop_in_keeps_the_units_own_flags_but_not_its_host_flag()
    {
        var (dir, ps, root) = Start();
        using (dir) using (ps)
        {
            string unit = Path.Combine(root, "lib/systemd/system/docker.service");
            Directory.CreateDirectory(Path.GetDirectoryName(unit)!);
            // Debian 12's docker.io unit.
            File.WriteAllText(unit, "[Service]\nType=notify\nExecStart=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS\nExecReload=/bin/kill -s HUP $MAINPID\n");
            ps.Run("$null = Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $server -Hosts 'fd://','tcp://10.0.0.5:2376'").ThrowOnError();
            string dropIn = File.ReadAllText(Path.Combine(root, "etc/systemd/system/docker.service.d/dcostls-hosts.conf"));
            Assert.EndsWith("[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd --containerd=/run/containerd/containerd.sock $DOCKER_OPTS\n", dropIn);

            // An admin's own unit in /etc wins; flags daemon.json now sets go, others stay.
            string etcUnit = Path.Combine(root, "etc/systemd/system/docker.service");
            File.WriteAllText(etcUnit, "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd -H=tcp://0.0.0.0:2375 --tlsverify --tlscert=/x.pem --tlskey /y.pem --host-gateway-ip=10.1.1.1 -Hfd://\n");
            ps.Run("$null = Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $server").ThrowOnError();
            dropIn = File.ReadAllText(Path.Combine(root, "etc/systemd/system/docker.service.d/dcostls-hosts.conf"));
            Assert.EndsWith("ExecStart=\nExecStart=/usr/bin/dockerd --host-gateway-ip=10.1.1.1\n", dropIn);

            // Dropping "hosts" from daemon.json again removes our drop-in, or dockerd would have no socket.
            string config = Path.Combine(root, "etc/docker/daemon.json");
            File.WriteAllText(config, "{\"debug\": true}");
            var r = ps.Run("Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $server -PassThru | ForEach-Object { '{0} {1}' -f $_.Role, $_.Action }").ThrowOnError();
            Assert.Contains("SystemdDropIn Removed", r.Output.Select(o => o.ToString()));
            Assert.False(File.Exists(Path.Combine(root, "etc/systemd/system/docker.service.d/dcostls-hosts.conf")));
        }
    }

    [Fact]
    public void Tcp_off_loopback_without_tlsverify_warns()
    {
        var (dir, ps, root) = Start();
        using (dir) using (ps)
        {
            var r = ps.Run("$null = Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $server -Hosts 'tcp://0.0.0.0:2376' -SkipClientVerification").ThrowOnError();
            Assert.Contains(r.Warnings, w => w.Contains("tlsverify is off") && w.Contains("tcp://0.0.0.0:2376"));
            Assert.Contains(r.Warnings, w => w.Contains("local socket"));
            var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(root, "etc/docker/daemon.json")))!;
            Assert.False(config["tlsverify"]!.GetValue<bool>());
            var loopback = ps.Run("$null = Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $server -Hosts 'unix:///var/run/docker.sock','tcp://127.0.0.1:2376' -SkipClientVerification").ThrowOnError();
            Assert.DoesNotContain(loopback.Warnings, w => w.Contains("tlsverify is off"));
        }
    }

    [Fact]
    public void Client_install_is_idempotent_and_WhatIf_writes_nothing()
    {
        var (dir, ps, root) = Start();
        using (dir) using (ps)
        {
            var whatIf = ps.Run("Install-DockerClientCertificate -Path cli -CaCertificate $ca -Certificate $client -WhatIf").ThrowOnError();
            Assert.False(Directory.Exists(dir["cli"]));
            Assert.Empty(whatIf.Output);
            var first = ps.Run("(Install-DockerClientCertificate -Path cli -CaCertificate $ca -Certificate $client).Files | ForEach-Object { '{0} {1} {2}' -f $_.Role, $_.Action, $_.Mode }").ThrowOnError();
            Assert.Equal(new[] { "CaCertificate Created 0644", "ClientCertificate Created 0644", "ClientKey Created 0600" }, first.Output.Select(o => o.ToString()));
            var again = ps.Run("(Install-DockerClientCertificate -Path cli -CaCertificate $ca -Certificate $client).Files | ForEach-Object { $_.Action }").ThrowOnError();
            Assert.Equal(new[] { "Unchanged", "Unchanged", "Unchanged" }, again.Output.Select(o => o.ToString()));
            // The key stays in key.pem: not in any output, stream or the other files.
            string keyBody = File.ReadAllLines(dir["cli/key.pem"])[1];
            Assert.DoesNotContain(keyBody, first.AllText() + again.AllText() + whatIf.AllText());
            Assert.DoesNotContain(keyBody, File.ReadAllText(dir["cli/cert.pem"]) + File.ReadAllText(dir["cli/ca.pem"]));
        }
    }

    [Fact]
    public void Parameters_bind_by_property_name()
    {
        var (dir, ps, root) = Start();
        using (dir) using (ps)
        {
            var r = ps.Run("[pscustomobject]@{ Certificate = $server; CaCertificate = $ca; Hosts = @('unix:///var/run/docker.sock', 'tcp://10.0.0.5:2376'); Root = $root; TlsDirectory = '/etc/docker/certs' } | " +
                "Set-DockerDaemonTls -PassThru | ForEach-Object { $_.AgentPath }").ThrowOnError();
            Assert.Contains("/etc/docker/certs/server-key.pem", r.Output.Select(o => o.ToString()));
            Assert.Equal("600", FileModes.Of(Path.Combine(root, "etc/docker/certs/server-key.pem")));
            var c = ps.Run("[pscustomobject]@{ ClientCertificate = $client; CaCertificate = $ca; DockerCertPath = 'bound' } | Install-DockerClientCertificate | ForEach-Object { $_.Files.Count }").ThrowOnError();
            Assert.Equal(3, c.Value);
        }
    }
}
