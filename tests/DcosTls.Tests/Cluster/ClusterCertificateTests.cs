using DcosTls.Tests.Infrastructure;
using DcosTls.Tests.Peers;
using Xunit;

namespace DcosTls.Tests.Cluster;

/// <summary>New-DcosCertificate against the real cfssl behind the Admin Router stand-in.</summary>
[Collection(ClusterCollection.Name)]
public class ClusterCertificateTests : IClassFixture<NoDefaultSession>
{
    private readonly AdminRouterFixture _cluster;

    public ClusterCertificateTests(AdminRouterFixture cluster) => _cluster = cluster;

    private Pwsh Connected(TempDir dir, string user) => _cluster.ConnectedShell(dir, user);

    [Theory]
    [InlineData("RSA", 2048, "Public-Key: (2048 bit)")]
    [InlineData("ECDSA", 384, "NIST CURVE: P-384")]
    public void Local_key_flow_sends_only_a_csr_and_openssl_verifies_the_result(string algorithm, int size, string keyText)
    {
        using var dir = new TempDir();
        using var ps = Connected(dir, "issuer-" + algorithm.ToLowerInvariant());
        int before = _cluster.Requests.Count;
        ps.Run($@"New-DcosCertificate -Session $s -CommonName repo.internal -DnsName repo.internal,repo -IPAddress 10.10.0.200 -KeyAlgorithm {algorithm} -KeySize {size} -Profile server |
                   Export-DcosCertificate -Path repo.crt").ThrowOnError();
        var text = Tool.Openssl("x509", "-in", dir["repo.crt"], "-noout", "-text");
        Assert.Contains(keyText, text);
        Assert.Contains("DNS:repo.internal", text);
        Assert.Contains("DNS:repo,", text);
        Assert.Contains("IP Address:10.10.0.200", text);
        Assert.Contains("TLS Web Server Authentication", text);
        Assert.Contains("Issuer: C = US, O = DcosTls Tests, CN = DcosTls Test Cluster CA", text);
        // the .crt holds the leaf and the signing CA; verify the leaf against the cluster CA
        Assert.Contains(": OK", Tool.Openssl("verify", "-purpose", "sslserver", "-CAfile", _cluster.CaPath, dir["repo.crt"]));
        Assert.Equal("600", FileModes.Of(dir["repo.key"]));
        var sent = _cluster.Requests.Skip(before).ToList();
        Assert.Contains(sent, q => q.Path == "/ca/api/v2/sign" && q.Body.Contains("CERTIFICATE REQUEST"));
        Assert.DoesNotContain(sent, q => q.Body.Contains("PRIVATE KEY"));
        Assert.DoesNotContain(sent, q => q.Path.EndsWith("/newkey"));
    }

    [Fact]
    public void Server_generated_key_flow_uses_newkey_then_sign_and_sends_both_key_fields()
    {
        using var dir = new TempDir();
        using var ps = Connected(dir, "newkey-user");
        int before = _cluster.Requests.Count;
        var r = ps.Run("$c = New-DcosCertificate -ServerGeneratedKey -CommonName agent.example -DnsName agent.example -KeyAlgorithm ECDSA -Usage ServerAndClient; " +
                       "$c.HasPrivateKey; $null = $c | Export-DcosCertificate -Path agent.crt").ThrowOnError();
        Assert.Equal(true, r.Output[0].BaseObject);
        var newkey = Assert.Single(_cluster.Requests.Skip(before), q => q.Path == "/ca/api/v2/newkey");
        Assert.Contains("\"key\":{\"algo\":\"ecdsa\",\"size\":256}", newkey.Body);
        var text = Tool.Openssl("x509", "-in", dir["agent.crt"], "-noout", "-text");
        Assert.Contains("TLS Web Server Authentication, TLS Web Client Authentication", text);
        Assert.Contains(": OK", Tool.Openssl("verify", "-CAfile", _cluster.CaPath, dir["agent.crt"]));
        // the key that came back belongs to the certificate
        var certKey = Tool.Openssl("x509", "-in", dir["agent.crt"], "-noout", "-pubkey");
        var keyPub = Tool.Openssl("pkey", "-in", dir["agent.key"], "-pubout");
        Assert.Equal(certKey, keyPub);
    }

    [Fact]
    public void Profile_that_lacks_the_usage_warns()
    {
        using var dir = new TempDir();
        using var ps = Connected(dir, "profile-user");
        var r = ps.Run("New-DcosCertificate -CommonName client.example -KeyAlgorithm ECDSA -Usage Client -Profile server").ThrowOnError();
        Assert.Contains(r.Warnings, w => w.Contains("-Profile"));
    }

    [Theory]
    [InlineData("-CommonName ('a' * 65)", "InvalidCertificateRequest,CommonName")]
    [InlineData("-CommonName ok.example -DnsName 'bad_host..example'", "InvalidCertificateRequest,DnsName")]
    [InlineData("-CommonName ok.example -IPAddress 300.1.1.1", "InvalidCertificateRequest,IPAddress")]
    [InlineData("-CommonName ok.example -KeyAlgorithm RSA -KeySize 1024", "InvalidCertificateRequest,KeySize")]
    [InlineData("-CommonName ok.example -KeyAlgorithm ECDSA -KeySize 4096", "InvalidCertificateRequest,KeySize")]
    [InlineData("-CommonName ok.example -KeyAlgorithm RSA -KeySize 16384", "InvalidCertificateRequest,KeySize")]
    [InlineData("-CommonName ok.example -Country USA", "InvalidCertificateRequest,Country")]
    public void Bad_input_is_refused_before_anything_is_sent(string arguments, string errorId)
    {
        using var dir = new TempDir();
        using var ps = Connected(dir, "badinput-" + Math.Abs(arguments.GetHashCode()));
        int before = _cluster.Requests.Count;
        var r = ps.Run("New-DcosCertificate " + arguments);
        var error = Assert.Single(r.AllErrors);
        Assert.Equal(errorId + ",DcosTls.Cmdlets.NewDcosCertificateCommand", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(before, _cluster.Requests.Count);
        Assert.Empty(r.Output);
    }

    [Fact]
    public void An_ip_given_as_dns_name_goes_to_the_ip_sans()
    {
        using var dir = new TempDir();
        using var ps = Connected(dir, "ipdns-user");
        var r = ps.Run("$c = New-DcosCertificate -CommonName reg.example -DnsName reg.example,192.0.2.7 -KeyAlgorithm ECDSA; $c.DnsNames -join ','; $c.IPAddresses -join ','").ThrowOnError();
        Assert.Equal("reg.example", r.Output[0].ToString());
        Assert.Equal("192.0.2.7", r.Output[1].ToString());
    }

    [Fact]
    public void Cfssl_error_envelopes_become_error_records_with_the_cfssl_code()
    {
        using var dir = new TempDir();
        using var ps = Connected(dir, "cfssl-error-user");
        // Corrupt the CSR on its way to the real cfssl: it answers 400 text/plain {"errors":[{"code":9002,...}]}.
        _cluster.CfsslBodyRewrite["sign"] = body => "{\"certificate_request\":\"garbage\"}";
        try
        {
            var r = ps.Run("New-DcosCertificate -CommonName broken.example -KeyAlgorithm ECDSA; 'after'");
            var error = Assert.Single(r.AllErrors);
            Assert.Equal("CaRequestRefused,DcosTls.Cmdlets.NewDcosCertificateCommand", error.FullyQualifiedErrorId);
            Assert.Contains("cfssl error 9002", error.ToString());
            Assert.Contains("CSR Decode failed", error.ToString());
            Assert.Equal(9002, ((dynamic)error.Exception).CfsslCode);
            Assert.Equal("after", r.Output.Last().ToString()); // non-terminating: the pipeline went on
        }
        finally
        {
            _cluster.CfsslBodyRewrite.TryRemove("sign", out _);
        }
    }

    [Fact]
    public void Csv_rows_issue_one_certificate_each_by_property_name()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["hosts.csv"], "CommonName,DnsName,IPAddress\nnode1.example,node1.example;n1,10.0.0.1\nnode2.example,node2.example,10.0.0.2\n");
        using var ps = Connected(dir, "csv-user");
        // Import-Csv is not in the hosted core engine; ConvertFrom-Csv neither: build the rows the way it does.
        var r = ps.Run(@"
            $lines = [System.IO.File]::ReadAllLines($ExecutionContext.SessionState.Path.CurrentLocation.Path + '/hosts.csv')
            $head = $lines[0].Split(',')
            $rows = $lines | Where-Object { $_ -ne $lines[0] } | ForEach-Object {
                $cells = $_.Split(','); $o = [ordered]@{}; for ($i = 0; $i -lt $head.Count; $i++) { $o[$head[$i]] = $cells[$i] }; [pscustomobject]$o }
            $rows | New-DcosCertificate -KeyAlgorithm ECDSA | ForEach-Object { $_.CommonName + '|' + ($_.DnsNames -join ',') + '|' + ($_.IPAddresses -join ',') }").ThrowOnError();
        Assert.Equal(new[] { "node1.example|node1.example,n1|10.0.0.1", "node2.example|node2.example|10.0.0.2" }, r.Output.Select(o => o.ToString()));
    }
}
