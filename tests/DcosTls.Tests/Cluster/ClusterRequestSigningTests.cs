using DcosTls.Tests.Infrastructure;
using DcosTls.Tests.Peers;
using Xunit;

namespace DcosTls.Tests.Cluster;

/// <summary>New-DcosCertificate -CertificateRequest through the DC/OS CA: a request made elsewhere, signed by the real cfssl.</summary>
[Collection(ClusterCollection.Name)]
public class ClusterRequestSigningTests
{
    private readonly AdminRouterFixture _cluster;

    public ClusterRequestSigningTests(AdminRouterFixture cluster) => _cluster = cluster;

    [Theory]
    [InlineData("rsa:2048", "subjectAltName=DNS:appliance.internal,IP:10.10.0.201")]
    [InlineData("ec", "subjectAltName=DNS:appliance.internal")]
    public void A_foreign_request_is_sent_as_is_and_the_answer_carries_its_key_and_names(string newkey, string san)
    {
        using var dir = new TempDir();
        var args = new List<string> { "req", "-new", "-newkey", newkey };
        if (newkey == "ec") args.AddRange(new[] { "-pkeyopt", "ec_paramgen_curve:P-256" });
        args.AddRange(new[] { "-nodes", "-keyout", dir["appliance.key"], "-out", dir["appliance.csr"], "-subj", "/CN=appliance.internal", "-addext", san });
        Tool.Openssl(args.ToArray());
        string user = "csr-" + newkey.Replace(":", "");
        _cluster.AddUser(user, user + "-pw");
        using var ps = new Pwsh(dir.Path).Set("cred", Secrets.Credential(user, user + "-pw")).Set("uri", _cluster.Uri).Set("ca", _cluster.CaPath);
        ps.Run("$s = Connect-DcosCluster -Uri $uri -Credential $cred -CaCertificatePath $ca").ThrowOnError();
        int before = _cluster.Requests.Count;
        var r = ps.Run("$c = Import-DcosCertificateRequest appliance.csr | New-DcosCertificate -Session $s -Profile server; $c.HasPrivateKey; $c | Export-DcosCertificate -Path appliance.crt").ThrowOnError();
        Assert.Equal(false, r.Output[0].BaseObject);
        Assert.False(File.Exists(dir["appliance.crt.key"]) || File.Exists(Path.Combine(dir.Path, "appliance.key.new")));
        Assert.Equal(Tool.Openssl("pkey", "-in", dir["appliance.key"], "-pubout"), Tool.Openssl("x509", "-in", dir["appliance.crt"], "-noout", "-pubkey"));
        Assert.Contains(": OK", Tool.Openssl("verify", "-purpose", "sslserver", "-CAfile", _cluster.CaPath, dir["appliance.crt"]));
        var text = Tool.Openssl("x509", "-in", dir["appliance.crt"], "-noout", "-text");
        Assert.Contains("DNS:appliance.internal", text);
        if (san.Contains("IP:")) Assert.Contains("IP Address:10.10.0.201", text);
        var sent = Assert.Single(_cluster.Requests.Skip(before), q => q.Path == "/ca/api/v2/sign");
        // The answer carries the appliance's key (checked above), so the request sent was the appliance's own.
        Assert.Contains("CERTIFICATE REQUEST", sent.Body);
        Assert.DoesNotContain(_cluster.Requests.Skip(before), q => q.Body.Contains("PRIVATE KEY"));
    }

    [Fact]
    public void A_bad_request_never_reaches_the_cluster()
    {
        using var dir = new TempDir();
        Tool.Openssl("req", "-new", "-newkey", "rsa:1024", "-nodes", "-keyout", dir["weak.key"], "-out", dir["weak.csr"], "-subj", "/CN=weak.internal");
        _cluster.AddUser("csr-weak", "csr-weak-pw");
        using var ps = new Pwsh(dir.Path).Set("cred", Secrets.Credential("csr-weak", "csr-weak-pw")).Set("uri", _cluster.Uri).Set("ca", _cluster.CaPath);
        ps.Run("$s = Connect-DcosCluster -Uri $uri -Credential $cred -CaCertificatePath $ca").ThrowOnError();
        int before = _cluster.Requests.Count;
        var r = ps.Run("Import-DcosCertificateRequest weak.csr | New-DcosCertificate -Session $s -Profile server");
        Assert.Contains(r.Errors, e => e.FullyQualifiedErrorId.StartsWith("CertificateRequestWeakKey,"));
        Assert.Empty(r.Output);
        Assert.DoesNotContain(_cluster.Requests.Skip(before), q => q.Path == "/ca/api/v2/sign");
    }
}
