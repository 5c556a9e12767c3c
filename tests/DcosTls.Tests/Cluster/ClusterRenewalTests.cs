using DcosTls.Tests.Infrastructure;
using DcosTls.Tests.Peers;
using Xunit;

namespace DcosTls.Tests.Cluster;

/// <summary>
/// Update-DockerDaemonCertificate with the DC/OS CA (real cfssl behind the Admin Router stand-in): the
/// renewal goes through /sign with the certificate's own names; a certificate from another CA is
/// refused before anything is sent; a cluster that refuses or answers wrongly leaves the old pair.
/// </summary>
[Collection(ClusterCollection.Name)]
public class ClusterRenewalTests : IClassFixture<NoDefaultSession>
{
    private readonly AdminRouterFixture _cluster;

    public ClusterRenewalTests(AdminRouterFixture cluster) => _cluster = cluster;

    /// <summary>A staging root whose daemon certificate the cluster CA issued.</summary>
    private Pwsh ClusterDaemon(TempDir dir, string user)
    {
        var ps = _cluster.ConnectedShell(dir, user);
        ps.Run(@"$server = New-DcosCertificate -Session $s -CommonName agent1.internal -DnsName agent1.internal -IPAddress 10.0.0.21 -KeyAlgorithm ECDSA -Profile server
                 Set-DockerDaemonTls -Root ./root -CaCertificate (Get-DcosCaCertificate -Session $s -Profile server | Where-Object Role -EQ SigningCa) -Certificate $server").ThrowOnError();
        return ps;
    }

    private static string PairState(TempDir dir)
    {
        string cert = dir["root/etc/docker/tls/server-cert.pem"], key = dir["root/etc/docker/tls/server-key.pem"];
        Assert.Equal(Tool.Openssl("x509", "-in", cert, "-noout", "-pubkey"), Tool.Openssl("pkey", "-in", key, "-pubout"));
        return Tool.Openssl("x509", "-in", cert, "-noout", "-serial");
    }

    [Fact]
    public void Renews_through_sign_with_the_same_names_and_the_cluster_ca()
    {
        using var dir = new TempDir();
        using var ps = ClusterDaemon(dir, "renew-cluster");
        string before = PairState(dir);
        int sent = _cluster.Requests.Count;
        var row = ps.Run("Update-DockerDaemonCertificate -Session $s -Root ./root -Profile server -Force -PassThru").ThrowOnError().Output.Single();
        Assert.Equal(true, row.Properties["Renewed"].Value);
        Assert.NotEqual(before, PairState(dir));
        var sign = Assert.Single(_cluster.Requests.Skip(sent), q => q.Path == "/ca/api/v2/sign");
        Assert.Contains("agent1.internal", sign.Body);
        Assert.Contains("10.0.0.21", sign.Body);
        Assert.DoesNotContain("PRIVATE KEY", sign.Body);
        var text = Tool.Openssl("x509", "-in", dir["root/etc/docker/tls/server-cert.pem"], "-noout", "-text");
        Assert.Contains("DNS:agent1.internal, IP Address:10.0.0.21", text);
        Assert.Contains("TLS Web Server Authentication", text);
        Assert.Contains(": OK", Tool.Openssl("verify", "-purpose", "sslserver", "-CAfile", _cluster.CaPath, dir["root/etc/docker/tls/server-cert.pem"]));
    }

    [Fact]
    public void A_certificate_from_another_ca_is_refused_before_anything_is_signed()
    {
        using var dir = new TempDir();
        using var ps = _cluster.ConnectedShell(dir, "renew-foreign");
        ps.Run(@"$local = New-TlsCertificateAuthority -CommonName 'Local Daemon CA' -KeyAlgorithm ECDSA
                 Set-DockerDaemonTls -Root ./root -CaCertificate $local -Certificate (New-DcosCertificate -Issuer $local -CommonName agent1.internal -KeyAlgorithm ECDSA)").ThrowOnError();
        string before = PairState(dir);
        int sent = _cluster.Requests.Count;
        var r = ps.Run("Update-DockerDaemonCertificate -Session $s -Root ./root -Profile server -RenewWithin 400");
        var error = Assert.Single(r.AllErrors);
        Assert.Equal("RenewalIssuerMismatch,DcosTls.Cmdlets.UpdateDockerDaemonCertificateCommand", error.FullyQualifiedErrorId);
        Assert.Contains("CN=Local Daemon CA", error.ToString());
        Assert.Contains("DcosTls Test Cluster CA", error.ToString());
        Assert.DoesNotContain(_cluster.Requests.Skip(sent), q => q.Path == "/ca/api/v2/sign");
        Assert.Equal(before, PairState(dir));
    }

    [Fact]
    public void A_cluster_that_refuses_leaves_the_old_pair_in_place()
    {
        using var dir = new TempDir();
        using var ps = ClusterDaemon(dir, "renew-refused");
        string before = PairState(dir);
        string[] versionsBefore = Directory.GetFileSystemEntries(dir["root/etc/docker/tls/server.d"]).Order().ToArray();
        // cfssl's own refusal: a request it cannot parse.
        _cluster.CfsslBodyRewrite["sign"] = body => body.Replace("BEGIN CERTIFICATE REQUEST", "BEGIN GARBAGE");
        try
        {
            var r = ps.Run("Update-DockerDaemonCertificate -Session $s -Root ./root -Profile server -Force");
            var error = Assert.Single(r.AllErrors);
            Assert.DoesNotContain("Renewed", error.ToString());
            Assert.Equal(before, PairState(dir));
            // Nothing is written when the CA refuses: the pair's folders are those Set-DockerDaemonTls made.
            Assert.Equal(versionsBefore, Directory.GetFileSystemEntries(dir["root/etc/docker/tls/server.d"]).Order().ToArray());
        }
        finally
        {
            _cluster.CfsslBodyRewrite.TryRemove("sign", out _);
        }
    }
}
