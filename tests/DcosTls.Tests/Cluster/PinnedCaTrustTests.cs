using DcosTls.Tests.Infrastructure;
using DcosTls.Tests.Peers;
using Xunit;

namespace DcosTls.Tests.Cluster;

/// <summary>
/// A pinned cluster CA is the only trust, whatever the machine trusts. OpenSSL reads SSL_CERT_FILE and
/// SSL_CERT_DIR from the native environment of the process, which a test cannot change in its own
/// process; so these run the module in a real pwsh whose environment the test chooses: once with the
/// variables unset, once with "system roots" that trust the cluster.
/// </summary>
[Collection(ClusterCollection.Name)]
public class PinnedCaTrustTests
{
    private readonly AdminRouterFixture _cluster;

    public PinnedCaTrustTests(AdminRouterFixture cluster) => _cluster = cluster;

    private const string Script = @"
        Import-Module $env:DCOSTLS_T_MANIFEST -ErrorAction Stop
        $cred = [pscredential]::new('pinned', (ConvertTo-SecureString $env:DCOSTLS_T_PW -AsPlainText -Force))
        $right = Import-DcosCertificate -Path $env:DCOSTLS_T_CA
        $other = New-TlsCertificateAuthority -CommonName 'Other CA' -KeyAlgorithm ECDSA
        function Try-Connect([hashtable] $pin) {
            try { $null = Connect-DcosCluster -Uri $env:DCOSTLS_T_URI -Credential $cred @pin -ErrorAction Stop; 'connected' }
            catch { $_.FullyQualifiedErrorId.Split(',')[0] }
        }
        'SYSTEM=' + (Try-Connect @{})
        'PINNED-RIGHT=' + (Try-Connect @{ CaCertificate = $right })
        'PINNED-OTHER=' + (Try-Connect @{ CaCertificate = $other })
        Disconnect-DcosCluster";

    private Dictionary<string, string> Connect(IDictionary<string, string?> trust)
    {
        _cluster.AddUser("pinned", "pinned-pw-5");
        var env = new Dictionary<string, string?>(trust)
        {
            ["DCOSTLS_T_MANIFEST"] = Repo.Manifest,
            ["DCOSTLS_T_PW"] = "pinned-pw-5",
            ["DCOSTLS_T_CA"] = _cluster.CaPath,
            ["DCOSTLS_T_URI"] = _cluster.Uri,
        };
        var (code, stdout, stderr) = Tool.Run("dotnet", new[] { "pwsh", "-NoProfile", "-NonInteractive", "-Command", Script },
            env: env, workingDirectory: Repo.Root, timeoutMs: 180_000);
        Assert.True(code == 0, $"pwsh failed ({code}): {stdout}\n{stderr}");
        return stdout.Split('\n').Select(l => l.Trim()).Where(l => l.Contains('='))
            .Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
    }

    [Fact]
    public void With_the_trust_variables_unset_only_the_pinned_ca_connects()
    {
        // Tool.Run removes SSL_CERT_FILE, SSL_CERT_DIR and CURL_CA_BUNDLE.
        var seen = Connect(new Dictionary<string, string?>());
        Assert.Equal("TlsCertificateRejected", seen["SYSTEM"]);
        Assert.Equal("connected", seen["PINNED-RIGHT"]);
        Assert.Equal("TlsCertificateRejected", seen["PINNED-OTHER"]);
    }

    [Fact]
    public void A_pinned_ca_is_not_widened_by_system_roots_that_trust_the_cluster()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["empty"]);
        // The machine's trust is the cluster CA alone: without a pin the cluster connects (the control),
        // so a pin that also accepted system roots would connect with the wrong CA too.
        var seen = Connect(new Dictionary<string, string?> { ["SSL_CERT_FILE"] = _cluster.CaPath, ["SSL_CERT_DIR"] = dir["empty"] });
        Assert.Equal("connected", seen["SYSTEM"]);
        Assert.Equal("connected", seen["PINNED-RIGHT"]);
        Assert.Equal("TlsCertificateRejected", seen["PINNED-OTHER"]);
    }
}
