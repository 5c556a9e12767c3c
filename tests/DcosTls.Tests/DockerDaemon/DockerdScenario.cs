using System.Text.Json.Nodes;
using DcosTls.Tests.Infrastructure;
using DcosTls.Tests.Peers;
using Xunit;

namespace DcosTls.Tests.DockerDaemon;

/// <summary>dockerd tests run one at a time: each starts its own daemon.</summary>
[CollectionDefinition("dockerd", DisableParallelization = true)]
public sealed class DockerdCollection
{
}

/// <summary>
/// A staging root configured by Set-DockerDaemonTls (on top of a daemon.json holding dockerd's
/// runtime keys), client folders from Install-DockerClientCertificate, and a dockerd running on
/// exactly that configuration. The PowerShell session stays open so tests can re-run cmdlets
/// with the same certificate objects ($ca, $server, $client, $otherClient).
/// </summary>
public abstract class DockerdScenario : IDisposable
{
    protected DockerdScenario(string serverNames, string tcpHostName)
    {
        Dir = new TempDir("dcostls-dockerd-");
        Root = Dir["root"];
        State = Dir["state"];
        Port = FreePort.Next();
        TcpHost = $"tcp://{tcpHostName}:{Port}";
        Socket = Path.Combine(State, "docker.sock");
        Directory.CreateDirectory(Path.Combine(Root, "etc", "docker"));
        Directory.CreateDirectory(State);
        OriginalConfig = DockerdFixture.RuntimeConfig(State).ToJsonString();
        File.WriteAllText(Path.Combine(Root, "etc", "docker", "daemon.json"), OriginalConfig);

        Ps = new Pwsh(Dir.Path);
        Ps.Set("root", Root).Set("hosts", new[] { "unix://" + Socket, TcpHost }).Set("tcpHost", TcpHost);
        Setup = Ps.Run($@"
            $ca = New-TlsCertificateAuthority -CommonName 'Docker Test CA' -KeyAlgorithm ECDSA
            $otherCa = New-TlsCertificateAuthority -CommonName 'Some Other CA' -KeyAlgorithm ECDSA
            $server = New-DcosCertificate -Issuer $ca -CommonName docker-host {serverNames} -KeyAlgorithm ECDSA
            $client = New-DcosCertificate -Issuer $ca -CommonName client -Usage Client -KeyAlgorithm ECDSA
            $otherClient = New-DcosCertificate -Issuer $otherCa -CommonName intruder -Usage Client -KeyAlgorithm ECDSA
            $daemonFiles = Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $server -Hosts $hosts -PassThru
            $daemonFiles
            $clientSettings = Install-DockerClientCertificate -Path client -CaCertificate $ca -Certificate $client -DockerHost $tcpHost
            $otherSettings = Install-DockerClientCertificate -Path other-client -CaCertificate $ca -Certificate $otherClient
            $clientSettings").ThrowOnError();
        Daemon = DockerdFixture.Start(Root, State, Port);
    }

    public TempDir Dir { get; }
    public string Root { get; }
    public string State { get; }
    public int Port { get; }
    public string TcpHost { get; }
    public string Socket { get; }
    public string OriginalConfig { get; }
    public Pwsh Ps { get; }
    public PwshResult Setup { get; }
    public DockerdFixture Daemon { get; }

    public string Client(string file) => Dir["client/" + file];
    public string OtherClient(string file) => Dir["other-client/" + file];
    public string Staged(string agentPath) => Path.Combine(Root, agentPath.TrimStart('/'));

    public JsonObject StagedConfig => (JsonObject)JsonNode.Parse(File.ReadAllText(Staged("/etc/docker/daemon.json")))!;

    /// <summary>docker --tlsverify against the daemon with explicit files (null = flag left out).</summary>
    public (int ExitCode, string Out, string Err) DockerVersion(string host, string? ca, string? cert, string? key)
    {
        var args = new List<string> { "--tlsverify" };
        if (ca != null) args.Add("--tlscacert=" + ca);
        if (cert != null) args.Add("--tlscert=" + cert);
        if (key != null) args.Add("--tlskey=" + key);
        args.AddRange(new[] { "-H", host, "version", "--format", "{{.Server.Version}}" });
        return DockerCli.Run(Dir["docker-config-" + Guid.NewGuid().ToString("N")[..6]], args);
    }

    public void Dispose()
    {
        Daemon.Dispose();
        Ps.Dispose();
        Dir.Dispose();
    }
}

/// <summary>The server certificate has DNS:localhost and IP:127.0.0.1; dockerd listens on 127.0.0.1.</summary>
public sealed class MutualTlsDaemon : DockerdScenario
{
    public MutualTlsDaemon() : base("-DnsName localhost -IPAddress 127.0.0.1", "127.0.0.1") { }
}

/// <summary>The server certificate has DNS:localhost only; dockerd listens on localhost.</summary>
public sealed class DnsOnlyDaemon : DockerdScenario
{
    public DnsOnlyDaemon() : base("-DnsName localhost", "localhost") { }
}
