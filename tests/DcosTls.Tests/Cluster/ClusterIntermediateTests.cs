using DcosTls.Tests.Infrastructure;
using DcosTls.Tests.Peers;
using Xunit;

namespace DcosTls.Tests.Cluster;

/// <summary>
/// New-TlsCertificateAuthority -Profile: an intermediate CA from the real cfssl's "intermediate" profile
/// (ca_constraint), and requests made elsewhere (openssl req, cfssl genkey) signed through the cluster CA
/// and through that intermediate, each checked with openssl verify against the cluster root alone.
/// </summary>
[Collection(ClusterCollection.Name)]
public class ClusterIntermediateTests
{
    private readonly AdminRouterFixture _cluster;

    public ClusterIntermediateTests(AdminRouterFixture cluster) => _cluster = cluster;

    private Pwsh Connected(TempDir dir, string user)
    {
        _cluster.AddUser(user, user + "-pw");
        var ps = new Pwsh(dir.Path).Set("cred", Secrets.Credential(user, user + "-pw")).Set("uri", _cluster.Uri).Set("ca", _cluster.CaPath);
        ps.Run("$s = Connect-DcosCluster -Uri $uri -Credential $cred -CaCertificatePath $ca").ThrowOnError();
        return ps;
    }

    [Fact]
    public void The_intermediate_profile_gives_a_CA_whose_leaves_chain_to_the_cluster_root()
    {
        using var dir = new TempDir();
        using var ps = Connected(dir, "inter-ok");
        int before = _cluster.Requests.Count;
        var r = ps.Run("$i = New-TlsCertificateAuthority -Session $s -Profile intermediate -CommonName 'Cluster Issuing CA' -KeyAlgorithm ECDSA; " +
                       "$i.IsCertificateAuthority; $i.HasPrivateKey; $i.Chain.Count; " +
                       "$i | Export-DcosCertificate -Path inter.crt -NoKey; " +
                       "New-DcosCertificate -Issuer $i -CommonName leaf.example.test -DnsName leaf.example.test -KeyAlgorithm ECDSA | Export-DcosCertificate -Path leaf.crt").ThrowOnError();
        Assert.Equal(new object[] { true, true, 1 }, r.Output.Select(o => o.BaseObject).ToArray());
        var sent = Assert.Single(_cluster.Requests.Skip(before), q => q.Path == "/ca/api/v2/sign");
        Assert.Contains("\"profile\":\"intermediate\"", sent.Body);
        Assert.DoesNotContain(_cluster.Requests.Skip(before), q => q.Body.Contains("PRIVATE KEY"));

        string text = Tool.Openssl("x509", "-in", dir["inter.crt"], "-noout", "-text");
        Assert.Contains("CA:TRUE, pathlen:0", text);
        Assert.Contains("Certificate Sign, CRL Sign", text);
        // inter.crt holds the intermediate, then the cluster root (its chain): the first certificate is the intermediate.
        Assert.Contains(": OK", Tool.Openssl("verify", "-CAfile", _cluster.CaPath, dir["inter.crt"]));
        // The leaf file is leaf + intermediate + root: verify the leaf with the intermediate as untrusted, the root alone trusted.
        Tool.Openssl("x509", "-in", dir["leaf.crt"], "-out", dir["leaf-only.crt"]);
        Assert.Contains(": OK", Tool.Openssl("verify", "-purpose", "sslserver", "-CAfile", _cluster.CaPath, "-untrusted", dir["inter.crt"], dir["leaf-only.crt"]));
        // And without the intermediate the root alone does not reach the leaf: the chain is needed.
        var (code, _, _) = Tool.Run("openssl", "verify", "-CAfile", _cluster.CaPath, dir["leaf-only.crt"]);
        Assert.NotEqual(0, code);
    }

    [Fact]
    public void WhatIf_on_the_cluster_path_sends_no_signing_request_and_emits_nothing()
    {
        using var dir = new TempDir();
        using var ps = Connected(dir, "inter-whatif");
        int before = _cluster.Requests.Count;
        var r = ps.Run("New-TlsCertificateAuthority -Session $s -Profile intermediate -CommonName 'WhatIf Issuing CA' -KeyAlgorithm ECDSA -WhatIf").ThrowOnError();
        Assert.Empty(r.Output);
        Assert.DoesNotContain(_cluster.Requests.Skip(before), q => q.Path == "/ca/api/v2/sign");
        // The local forms emit nothing under -WhatIf either.
        r = ps.Run("New-TlsCertificateAuthority -CommonName 'Local CA' -KeyAlgorithm ECDSA -WhatIf").ThrowOnError();
        Assert.Empty(r.Output);
    }

    [Theory]
    [InlineData("openssl-rsa-sans", "cluster")]
    [InlineData("openssl-rsa-plain", "cluster")]
    [InlineData("openssl-ec-plain", "cluster")]
    [InlineData("cfssl-genkey", "cluster")]
    [InlineData("openssl-rsa-sans", "intermediate")]
    [InlineData("openssl-ec-plain", "intermediate")]
    [InlineData("cfssl-genkey", "intermediate")]
    public void Requests_made_elsewhere_sign_through_the_cluster_and_its_intermediate(string maker, string issuer)
    {
        using var dir = new TempDir();
        string cn = maker + ".example.test";
        switch (maker)
        {
            case "openssl-rsa-sans":
                Tool.Openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", dir["req.key"], "-out", dir["req.csr"], "-subj", "/CN=" + cn, "-addext", $"subjectAltName=DNS:{cn},IP:10.1.2.3");
                break;
            case "openssl-rsa-plain":
                Tool.Openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", dir["req.key"], "-out", dir["req.csr"], "-subj", "/O=Example/CN=" + cn);
                break;
            case "openssl-ec-plain":
                Tool.Openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", dir["req.key"], "-out", dir["req.csr"], "-subj", "/CN=" + cn);
                break;
            default:
                File.WriteAllText(dir["req.json"], $"{{\"CN\":\"{cn}\",\"hosts\":[\"{cn}\",\"127.0.0.2\"],\"key\":{{\"algo\":\"ecdsa\",\"size\":256}}}}");
                var (code, _, err) = Tool.Run("sh", new[] { "-c", "cfssl genkey req.json 2>/dev/null | cfssljson -bare req" }, workingDirectory: dir.Path);
                Assert.True(code == 0, err);
                File.Move(dir["req-key.pem"], dir["req.key"]);
                break;
        }
        using var ps = Connected(dir, "inter-" + maker + "-" + issuer);
        if (issuer == "intermediate")
            ps.Run("$i = New-TlsCertificateAuthority -Session $s -Profile intermediate -CommonName 'Requests Issuing CA' -KeyAlgorithm ECDSA; $i | Export-DcosCertificate -Path inter.crt -NoKey").ThrowOnError();
        string sign = issuer == "cluster" ? "New-DcosCertificate -Session $s -Profile server" : "New-DcosCertificate -Issuer $i";
        var r = ps.Run($"$c = Import-DcosCertificateRequest req.csr | {sign}; $c.HasPrivateKey; $c | Export-DcosCertificate -Path req.crt").ThrowOnError();
        Assert.Equal(false, r.Output.Single().BaseObject);
        Assert.Equal(Tool.Openssl("pkey", "-in", dir["req.key"], "-pubout"), Tool.Openssl("x509", "-in", dir["req.crt"], "-noout", "-pubkey"));
        Tool.Openssl("x509", "-in", dir["req.crt"], "-out", dir["leaf-only.crt"]);
        var verify = issuer == "cluster"
            ? Tool.Openssl("verify", "-purpose", "sslserver", "-CAfile", _cluster.CaPath, dir["leaf-only.crt"])
            : Tool.Openssl("verify", "-purpose", "sslserver", "-CAfile", _cluster.CaPath, "-untrusted", dir["inter.crt"], dir["leaf-only.crt"]);
        Assert.Contains(": OK", verify);
        string text = Tool.Openssl("x509", "-in", dir["req.crt"], "-noout", "-subject", "-ext", "subjectAltName");
        Assert.Contains(cn, text);
        if (maker == "openssl-rsa-sans") Assert.Contains("IP Address:10.1.2.3", text);
        if (maker == "cfssl-genkey") Assert.Contains("IP Address:127.0.0.2", text);
    }

    [Fact]
    public void A_leaf_profile_is_refused_before_anything_is_sent()
    {
        using var dir = new TempDir();
        using var ps = Connected(dir, "inter-leaf");
        int before = _cluster.Requests.Count;
        var r = ps.Run("New-TlsCertificateAuthority -Session $s -Profile server -CommonName 'Not A CA' -KeyAlgorithm ECDSA");
        Assert.Empty(r.Output);
        var e = Assert.Single(r.AllErrors);
        Assert.Equal("CaProfileNotForAuthorities,DcosTls.Cmdlets.NewTlsCertificateAuthorityCommand", e.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, e.CategoryInfo.Category);
        Assert.Contains("'server'", e.Exception.Message);
        Assert.DoesNotContain(_cluster.Requests.Skip(before), q => q.Path == "/ca/api/v2/sign");
    }

    [Fact]
    public void A_leaf_answered_for_a_CA_request_is_not_output()
    {
        using var dir = new TempDir();
        using var ps = Connected(dir, "inter-wrong");
        // Something between us and cfssl answers with a leaf: the same key and name, signed by the cluster CA,
        // but with no CA flag (openssl x509 -req copies no requested extension). Real cfssl itself refuses a
        // CA request through a leaf profile, so the leaf is made here.
        _cluster.CfsslAnswerRewrite["sign"] = (body, answer) =>
        {
            var csr = System.Text.Json.Nodes.JsonNode.Parse(body)!["certificate_request"]!.GetValue<string>();
            File.WriteAllText(dir["wrong.csr"], csr);
            Tool.Openssl("x509", "-req", "-in", dir["wrong.csr"], "-CA", _cluster.CaPath, "-CAkey", _cluster.Cfssl.CaKeyPath, "-days", "1", "-out", dir["wrong.pem"]);
            var envelope = System.Text.Json.Nodes.JsonNode.Parse(answer)!;
            envelope["result"]!["certificate"] = File.ReadAllText(dir["wrong.pem"]);
            return envelope.ToJsonString();
        };
        try
        {
            var r = ps.Run("New-TlsCertificateAuthority -Session $s -Profile intermediate -CommonName 'Wrong Answer CA' -KeyAlgorithm ECDSA");
            Assert.Empty(r.Output);
            var e = Assert.Single(r.AllErrors);
            Assert.Equal("CaResponseInvalid,DcosTls.Cmdlets.NewTlsCertificateAuthorityCommand", e.FullyQualifiedErrorId);
            Assert.Contains("not a CA certificate", e.Exception.Message);
        }
        finally
        {
            _cluster.CfsslAnswerRewrite.TryRemove("sign", out _);
        }
    }
}

/// <summary>A batch whose session is refused partway: later rows are named, not sent, and the end says where to rerun from.</summary>
[Collection(ClusterCollection.Name)]
public class ClusterBatchLoginRefusedTests
{
    private readonly AdminRouterFixture _cluster;

    public ClusterBatchLoginRefusedTests(AdminRouterFixture cluster) => _cluster = cluster;

    [Fact]
    public void Rows_after_a_refused_login_are_named_as_not_attempted_and_nothing_is_sent_for_them()
    {
        using var dir = new TempDir();
        _cluster.AddUser("batch-401", "batch-401-pw");
        Action revoke = () => _cluster.RevokeTokensOf("batch-401");
        using var ps = new Pwsh(dir.Path).Set("cred", Secrets.Credential("batch-401", "batch-401-pw")).Set("uri", _cluster.Uri).Set("ca", _cluster.CaPath).Set("revoke", revoke);
        ps.Run("$s = Connect-DcosCluster -Uri $uri -Credential $cred -CaCertificatePath $ca").ThrowOnError();
        int before = _cluster.Requests.Count;
        var r = ps.Run("'r1.example','r2.example','r3.example','r4.example','r5.example' | ForEach-Object { if ($_ -eq 'r3.example') { $revoke.Invoke() }; [pscustomobject]@{ CommonName = $_ } } | " +
                       "New-DcosCertificate -Session $s -KeyAlgorithm ECDSA | ForEach-Object { $_ | Export-DcosCertificate -Path \"$($_.CommonName).crt\"; $_.CommonName }");
        Assert.Equal(new object[] { "r1.example", "r2.example" }, r.Output.Select(o => o.BaseObject).ToArray());
        var skipped = r.Errors.Where(e => e.FullyQualifiedErrorId.StartsWith("CertificateNotAttempted,")).ToList();
        Assert.Equal(new[] { "r4.example", "r5.example" }, skipped.Select(e => e.TargetObject as string).ToArray());
        Assert.All(skipped, e => Assert.Contains("'r3.example'", e.Exception.Message));
        // The refusal ends the command (statement-terminating): the last error, after the rows not attempted.
        var end = r.AllErrors.Last();
        Assert.StartsWith("TokenRefused,", end.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.AuthenticationError, end.CategoryInfo.Category);
        Assert.Contains("'r3.example'", end.ErrorDetails.Message);
        Assert.Contains("'r4.example', 'r5.example'", end.ErrorDetails.Message);
        // r3 was the one refused; r4 and r5 never reached the cluster.
        Assert.Equal(3, _cluster.Requests.Skip(before).Count(q => q.Path == "/ca/api/v2/sign"));
        Assert.True(File.Exists(dir["r1.example.crt"]) && File.Exists(dir["r2.example.crt"]) && !File.Exists(dir["r3.example.crt"]));

        // The rerun after logging in again, the whole batch with -SkipIfValid: r1 and r2 are already
        // written and valid, so only r3-r5 are sent, and r1/r2's files are left as they were.
        string r1Before = File.ReadAllText(dir["r1.example.crt"]);
        ps.Run("$s = Connect-DcosCluster -Uri $uri -Credential $cred -CaCertificatePath $ca").ThrowOnError();
        int beforeRerun = _cluster.Requests.Count;
        var rerun = ps.Run("'r1.example','r2.example','r3.example','r4.example','r5.example' | ForEach-Object { [pscustomobject]@{ CommonName = $_ } } | " +
                           "New-DcosCertificate -Session $s -KeyAlgorithm ECDSA -SkipIfValid { \"$($_.CommonName).crt\" } -Verbose 4>&1 | " +
                           "ForEach-Object { if ($_ -is [System.Management.Automation.VerboseRecord]) { \"verbose: $_\" } else { $_ | Export-DcosCertificate -Path \"$($_.CommonName).crt\"; $_.CommonName } }").ThrowOnError();
        var rows = rerun.Output.Select(o => o.BaseObject.ToString()!).ToList();
        Assert.Equal(new[] { "r3.example", "r4.example", "r5.example" }, rows.Where(o => !o.StartsWith("verbose: ")).ToArray());
        Assert.Contains(rows, o => o.StartsWith("verbose: Skipped 'r1.example'"));
        Assert.Contains(rows, o => o.StartsWith("verbose: Skipped 'r2.example'"));
        Assert.Equal(3, _cluster.Requests.Skip(beforeRerun).Count(q => q.Path == "/ca/api/v2/sign"));
        Assert.Equal(r1Before, File.ReadAllText(dir["r1.example.crt"]));
        // A third run has nothing left to issue.
        int beforeThird = _cluster.Requests.Count;
        var third = ps.Run("'r1.example','r2.example','r3.example','r4.example','r5.example' | ForEach-Object { [pscustomobject]@{ CommonName = $_ } } | " +
                           "New-DcosCertificate -Session $s -KeyAlgorithm ECDSA -SkipIfValid { \"$($_.CommonName).crt\" }").ThrowOnError();
        Assert.Empty(third.Output);
        Assert.Equal(0, _cluster.Requests.Skip(beforeThird).Count(q => q.Path == "/ca/api/v2/sign"));
        Secrets.AssertNoLeak(ps, _cluster.IssuedTokens);
    }
}
