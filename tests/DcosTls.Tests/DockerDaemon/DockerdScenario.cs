using System.Security.Cryptography.X509Certificates;
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
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                Start(serverNames, tcpHostName);
                return;
            }
            catch (Exception e)
            {
                // xunit never disposes a fixture whose constructor threw: stop what was started.
                Dispose();
                // Another process took the port before dockerd bound it: a new staging root on a new port.
                if (e is not PortTakenException || attempt == 5) throw;
            }
        }
    }

    private void Start(string serverNames, string tcpHostName)
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
        Daemon = DockerdFixture.Start(Root, State, Port, Ping);
    }

    /// <summary>
    /// dockerd is ready when GET /_ping over mutual TLS (the client folder's files, the daemon's own CA
    /// as the only trust) answers OK: an open port alone could be someone else's.
    /// </summary>
    private bool Ping()
    {
        using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Client("ca.pem")));
        using var client = X509Certificate2.CreateFromPemFile(Client("cert.pem"), Client("key.pem"));
        using var handler = new HttpClientHandler
        {
            ClientCertificateOptions = ClientCertificateOption.Manual,
            ServerCertificateCustomValidationCallback = (_, server, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                return server != null && chain.Build(server);
            },
        };
        handler.ClientCertificates.Add(X509CertificateLoader.LoadPkcs12(client.Export(X509ContentType.Pkcs12), null));
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(3) };
        return http.GetStringAsync($"https://127.0.0.1:{Port}/_ping").GetAwaiter().GetResult() == "OK";
    }

    public TempDir Dir { get; private set; } = null!;
    public string Root { get; private set; } = null!;
    public string State { get; private set; } = null!;
    public int Port { get; private set; }
    public string TcpHost { get; private set; } = null!;
    public string Socket { get; private set; } = null!;
    public string OriginalConfig { get; private set; } = null!;
    public Pwsh Ps { get; private set; } = null!;
    public PwshResult Setup { get; private set; } = null!;
    public DockerdFixture Daemon { get; private set; } = null!;

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
        Daemon?.Dispose();
        Ps?.Dispose();
        Dir?.Dispose();
        Daemon = null!; Ps = null!; Dir = null!;
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
