using DcosTls.Tests.Infrastructure;
using DcosTls.Tests.Peers;
using Xunit;

namespace DcosTls.Tests.Trust;

/// <summary>
/// Install-DockerRegistryTrust proved by the clients that use each store: curl --capath on the
/// Mesos hashed folder, skopeo --cert-dir on the certs.d folder, openssl rehash finding nothing to
/// add; Test-DockerRegistryTrust true and false against the real registry.
/// </summary>
public class RegistryTrustPeerTests : IClassFixture<DockerRegistryPeer>
{
    private readonly DockerRegistryPeer _peer;

    public RegistryTrustPeerTests(DockerRegistryPeer peer) => _peer = peer;

    private (int Code, string Out, string Err) Curl(string root)
        => Tool.Run("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--capath", Path.Combine(root, "var/lib/dcos/pki/tls/certs"),
            $"https://{_peer.Registry}/v2/");

    private (int Code, string Out, string Err) Skopeo(string root)
        => Tool.Run("skopeo", "inspect", "--cert-dir", Path.Combine(root, "etc/docker/certs.d", _peer.Registry), _peer.Image);

    [Fact]
    public void Install_makes_curl_and_skopeo_trust_the_registry_and_openssl_rehash_adds_nothing()
    {
        using var root = new TempDir();
        using var ps = new Pwsh(root.Path);
        ps.Set("registry", _peer.Registry).Set("caPath", _peer.CaPem);

        // An empty hashed folder: curl gets as far as the handshake and refuses the unknown CA there.
        Directory.CreateDirectory(root["var/lib/dcos/pki/tls/certs"]);
        var curlBefore = Curl(root.Path);
        Assert.True(curlBefore.Code == 60, $"curl should refuse the unknown CA (exit 60), got {curlBefore.Code}: {curlBefore.Err}");
        var skopeoBefore = Skopeo(root.Path);
        Assert.NotEqual(0, skopeoBefore.Code);
        Assert.Contains("x509", skopeoBefore.Err);
        Assert.False(TestAnswer.Of(ps.Run("Test-DockerRegistryTrust -Registry $registry -Root ."), "RegistryTrust"));

        var results = ps.Run("Import-DcosCertificate -Path $caPath | Install-DockerRegistryTrust -Registry $registry -Root .").ThrowOnError();
        var actions = results.Output.Select(o => $"{o.Properties["Target"].Value}:{o.Properties["Action"].Value}").ToList();
        Assert.Contains("Docker:Created", actions);
        Assert.Equal(2, actions.Count(a => a == "Mesos:Created")); // the .crt and its hash link
        Assert.Equal(3, actions.Count);

        var curlAfter = Curl(root.Path);
        Assert.True(curlAfter.Code == 0, curlAfter.Err);
        Assert.Equal("200", curlAfter.Out);
        var skopeoAfter = Skopeo(root.Path);
        Assert.True(skopeoAfter.Code == 0, skopeoAfter.Err);
        Assert.Contains("demo", skopeoAfter.Out);

        string mesos = root["var/lib/dcos/pki/tls/certs"];
        var before = Listing(mesos);
        var (rehash, _, rehashErr) = Tool.Run("openssl", "rehash", "-v", mesos);
        Assert.True(rehash == 0, rehashErr);
        Assert.Equal(before, Listing(mesos));

        var trusted = ps.Run("Test-DockerRegistryTrust -Registry $registry -Root . -Target Docker, Mesos -Detailed").ThrowOnError();
        Assert.Equal(2, trusted.Output.Count);
        Assert.All(trusted.Output, o => Assert.Equal("Trusted", o.Properties["Reason"].Value.ToString()));
        Assert.True(TestAnswer.Of(ps.Run("Test-DockerRegistryTrust $registry -Root . -Target Docker, Mesos"), "RegistryTrust"));
    }

    [Fact]
    public void Second_install_reports_Unchanged_and_changes_nothing()
    {
        using var root = new TempDir();
        using var ps = new Pwsh(root.Path);
        ps.Set("registry", _peer.Registry).Set("caPath", _peer.CaPem);
        ps.Run("Install-DockerRegistryTrust -Registry $registry -Path $caPath -Root . -Target Docker, Mesos, Containers").ThrowOnError();
        var snapshot = Snapshot(root.Path);
        var again = ps.Run("Install-DockerRegistryTrust -Registry $registry -Path $caPath -Root . -Target Docker, Mesos, Containers").ThrowOnError();
        Assert.Equal(new[] { "Docker|Unchanged", "Mesos|Unchanged", "Mesos|Unchanged", "Containers|Unchanged" },
            again.Output.Select(o => o.Properties["Target"].Value + "|" + o.Properties["Action"].Value));
        Assert.Equal(snapshot, Snapshot(root.Path));
    }

    [Fact]
    public void Test_is_false_for_the_wrong_CA_a_wrong_name_an_expired_certificate_and_an_unreachable_port()
    {
        using var root = new TempDir();
        using var ps = new Pwsh(root.Path);
        ps.Set("registry", _peer.Registry).Set("other", _peer.OtherCaPem).Set("caPath", _peer.CaPem);
        using var closedPort = ClosedPort();
        ps.Set("wrongName", $"wrong.name:{_peer.Port}").Set("closed", $"127.0.0.1:{((System.Net.IPEndPoint)closedPort.LocalEndPoint!).Port}");

        ps.Run("Install-DockerRegistryTrust -Registry $registry -Path $other -Root . -Target Docker").ThrowOnError();
        var unknown = ps.Run("Test-DockerRegistryTrust -Registry $registry -Root . -Detailed").ThrowOnError();
        Assert.Equal("UnknownAuthority", unknown.Output.Single().Properties["Reason"].Value.ToString());
        Assert.False(TestAnswer.Of(ps.Run("Test-DockerRegistryTrust -Registry $registry -Root ."), "RegistryTrust"));

        // The right CA, but the registry is reached under a name its certificate does not carry.
        ps.Run("Install-DockerRegistryTrust -Registry $wrongName -Path $caPath -Root . -Target Docker").ThrowOnError();
        var mismatch = ps.Run("Test-DockerRegistryTrust -Registry $wrongName -ConnectAddress 127.0.0.1 -Root . -Detailed").ThrowOnError();
        Assert.Equal("NameMismatch", mismatch.Output.Single().Properties["Reason"].Value.ToString());

        ps.Run("Install-DockerRegistryTrust -Registry $closed -Path $caPath -Root . -Target Docker").ThrowOnError();
        var unreachable = ps.Run("Test-DockerRegistryTrust -Registry $closed -Root . -Detailed -TimeoutSec 5").ThrowOnError();
        Assert.Equal("Unreachable", unreachable.Output.Single().Properties["Reason"].Value.ToString());

        ps.Set("expired", $"127.0.0.1:{_peer.ExpiredPort}");
        ps.Run("Install-DockerRegistryTrust -Registry $expired -Path $caPath -Root . -Target Docker").ThrowOnError();
        var expired = ps.Run("Test-DockerRegistryTrust -Registry $expired -Root . -Detailed").ThrowOnError();
        Assert.Equal("Expired", expired.Output.Single().Properties["Reason"].Value.ToString());

        var none = ps.Run("Test-DockerRegistryTrust -Registry $registry -Root . -Target Mesos -Detailed").ThrowOnError();
        Assert.Equal("NoInstalledCertificates", none.Output.Single().Properties["Reason"].Value.ToString());
    }

    [Fact]
    public void Test_trusts_only_the_installed_CA_even_when_system_roots_trust_the_registry()
    {
        // OpenSSL reads SSL_CERT_FILE from the process's native environment, so this runs in a real pwsh
        // whose "system roots" are the registry's own CA. Installed for the registry: another CA only.
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["empty"]);
        const string Script = @"
            Import-Module $env:DCOSTLS_T_MANIFEST -ErrorAction Stop
            $null = Install-DockerRegistryTrust -Registry $env:DCOSTLS_T_REGISTRY -Path $env:DCOSTLS_T_OTHER -Root $env:DCOSTLS_T_ROOT -Target Docker
            # Control: .NET's own system trust, here the registry's CA, accepts the registry.
            $system = try { [System.Net.Http.HttpClient]::new().GetAsync(""https://$env:DCOSTLS_T_REGISTRY/v2/"").GetAwaiter().GetResult().Headers.Contains('Docker-Distribution-Api-Version') } catch { $_.Exception.InnerException.Message }
            'SYSTEM=' + $system
            'REASON=' + (Test-DockerRegistryTrust -Registry $env:DCOSTLS_T_REGISTRY -Root $env:DCOSTLS_T_ROOT -Target Docker -Detailed).Reason";
        var env = new Dictionary<string, string?>
        {
            ["SSL_CERT_FILE"] = _peer.CaPem, ["SSL_CERT_DIR"] = dir["empty"],
            ["DCOSTLS_T_MANIFEST"] = Repo.Manifest, ["DCOSTLS_T_REGISTRY"] = _peer.Registry,
            ["DCOSTLS_T_OTHER"] = _peer.OtherCaPem, ["DCOSTLS_T_ROOT"] = dir["root"],
        };
        var (code, stdout, stderr) = Tool.Run("dotnet", new[] { "pwsh", "-NoProfile", "-NonInteractive", "-Command", Script },
            env: env, workingDirectory: Repo.Root, timeoutMs: 180_000);
        Assert.True(code == 0, $"pwsh failed ({code}): {stdout}\n{stderr}");
        Assert.Contains("SYSTEM=True", stdout);
        Assert.Contains("REASON=UnknownAuthority", stdout);
    }

    /// <summary>
    /// A port that refuses connections for as long as the socket lives: bound but never listening, so
    /// no other process can take it and answer in between.
    /// </summary>
    private static System.Net.Sockets.Socket ClosedPort()
    {
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return socket;
    }

    internal static string Listing(string dir)
        => string.Join("\n", new DirectoryInfo(dir).EnumerateFileSystemInfos().OrderBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => f.Name + (f.LinkTarget != null ? " -> " + f.LinkTarget : "")));

    /// <summary>Every entry under the root with its link target, size, mode and modification time.</summary>
    internal static string Snapshot(string root)
        => string.Join("\n", new DirectoryInfo(root).EnumerateFileSystemInfos("*", SearchOption.AllDirectories)
            .OrderBy(f => f.FullName, StringComparer.Ordinal)
            .Select(f => $"{Path.GetRelativePath(root, f.FullName)} {f.LinkTarget} {(f is FileInfo fi && f.LinkTarget == null ? fi.Length : 0)} " +
                         $"{f.UnixFileMode} {f.LastWriteTimeUtc.Ticks}"));
}
