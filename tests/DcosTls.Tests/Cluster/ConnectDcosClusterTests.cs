using DcosTls.Tests.Infrastructure;
using DcosTls.Tests.Peers;
using Xunit;

namespace DcosTls.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public class ConnectDcosClusterTests : IClassFixture<NoDefaultSession>
{
    private readonly AdminRouterFixture _cluster;

    public ConnectDcosClusterTests(AdminRouterFixture cluster) => _cluster = cluster;

    private Pwsh Shell(TempDir dir, string user, string password)
    {
        _cluster.AddUser(user, password);
        return new Pwsh(dir.Path).Set("cred", Secrets.Credential(user, password)).Set("uri", _cluster.Uri).Set("ca", _cluster.CaPath);
    }

    [Fact]
    public void Password_login_returns_a_session_that_becomes_the_default_and_never_shows_the_token()
    {
        using var dir = new TempDir();
        using var ps = Shell(dir, "alice", "alice-pw-7fe2");
        var r = ps.Run(@"
            $s = Connect-DcosCluster -Uri $uri -Credential $cred -CaCertificatePath $ca -Verbose
            $s
            ""$s""
            [System.Management.Automation.PSSerializer]::Serialize($s, 5)
            $s.PSObject.Properties | ForEach-Object { $_.Name }
            New-DcosCertificate -CommonName alice.example -DnsName alice.example -KeyAlgorithm ECDSA -Verbose -Debug").ThrowOnError();
        // The default is this very session: disconnecting the default disconnects $s.
        var defaultIsS = ps.Run("Disconnect-DcosCluster; $s.IsConnected").ThrowOnError();
        Assert.Equal(false, defaultIsS.Value);
        var session = r.Output[0];
        Assert.Equal("alice", session.Properties["UserId"].Value);
        Assert.Equal(new Uri(_cluster.Uri + "/"), session.Properties["ClusterUri"].Value);
        var expires = (DateTime?)session.Properties["ExpiresAt"].Value;
        Assert.InRange(expires!.Value, DateTime.UtcNow.AddMinutes(55), DateTime.UtcNow.AddMinutes(65));
        Assert.DoesNotContain(r.Output.Skip(3).Select(o => o.ToString()), n => n.Contains("Token", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(r.Verbose, v => v.Contains("/ca/api/v2/sign") && v.Contains("200"));
        // the certificate came from the default session, without -Session
        Assert.Contains(r.Output, o => o.Properties["CommonName"]?.Value as string == "alice.example");
        Secrets.AssertNoLeak(ps, _cluster.IssuedTokens.Append("alice-pw-7fe2"));
        Secrets.AssertNotInFiles(dir.Path, _cluster.IssuedTokens);
    }

    [Fact]
    public void Wrong_password_is_an_authentication_error_that_quotes_no_password()
    {
        using var dir = new TempDir();
        using var ps = Shell(dir, "bob", "bob-right-pw");
        ps.Set("bad", Secrets.Credential("bob", "bob-WRONG-pw-91"));
        var r = ps.Run("Connect-DcosCluster -Uri $uri -Credential $bad -CaCertificatePath $ca");
        var error = Assert.Single(r.AllErrors);
        Assert.Equal("LoginRefused,DcosTls.Cmdlets.ConnectDcosClusterCommand", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.Contains("ERR_INVALID_CREDENTIALS", error.ToString());
        Secrets.AssertNoLeak(ps, new[] { "bob-WRONG-pw-91", "bob-right-pw" });
    }

    [Fact]
    public void Service_account_logs_in_with_a_signed_jwt_and_logs_in_again_when_its_token_expires()
    {
        using var dir = new TempDir();
        Tool.Openssl("genrsa", "-out", dir["svc.key"], "2048");
        _cluster.AddServiceAccount("svc-ci", Tool.Openssl("rsa", "-in", dir["svc.key"], "-pubout"));
        _cluster.TokenLifetime["svc-ci"] = TimeSpan.FromMinutes(-1); // the first token is already expired
        using var ps = new Pwsh(dir.Path).Set("uri", _cluster.Uri).Set("ca", _cluster.CaPath);
        var r = ps.Run("$s = Connect-DcosCluster -Uri $uri -ServiceAccount svc-ci -PrivateKeyPath svc.key -CaCertificatePath $ca; $s.IsExpired").ThrowOnError();
        Assert.Equal(true, r.Value);
        _cluster.TokenLifetime["svc-ci"] = TimeSpan.FromHours(1);
        r = ps.Run("New-DcosCertificate -Session $s -CommonName svc.example -KeyAlgorithm ECDSA -Verbose; $s.IsExpired").ThrowOnError();
        Assert.Equal(false, r.Output.Last().BaseObject);
        Assert.Contains(r.Verbose, v => v.Contains("logging in again as service account 'svc-ci'"));
        // and after a revocation (401) it logs in once more by itself
        _cluster.RevokeTokensOf("svc-ci");
        ps.Run("New-DcosCertificate -Session $s -CommonName svc2.example -KeyAlgorithm ECDSA").ThrowOnError();
        Secrets.AssertNoLeak(ps, _cluster.IssuedTokens);
    }

    [Fact]
    public void Expired_or_refused_password_token_says_to_connect_again()
    {
        using var dir = new TempDir();
        using var ps = Shell(dir, "carol", "carol-pw");
        _cluster.TokenLifetime["carol"] = TimeSpan.FromMinutes(-1);
        var r = ps.Run("$null = Connect-DcosCluster -Uri $uri -Credential $cred -CaCertificatePath $ca; New-DcosCertificate -CommonName c.example -KeyAlgorithm ECDSA");
        var error = Assert.Single(r.AllErrors);
        Assert.StartsWith("TokenExpired,", error.FullyQualifiedErrorId);
        Assert.Contains("Run Connect-DcosCluster again", error.ToString());

        _cluster.TokenLifetime["carol"] = TimeSpan.FromHours(1);
        ps.Run("$null = Connect-DcosCluster -Uri $uri -Credential $cred -CaCertificatePath $ca").ThrowOnError();
        _cluster.RevokeTokensOf("carol");
        r = ps.Run("New-DcosCertificate -CommonName c.example -KeyAlgorithm ECDSA");
        error = Assert.Single(r.AllErrors);
        Assert.StartsWith("TokenRefused,", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Secrets.AssertNoLeak(ps, _cluster.IssuedTokens);
    }

    [Fact]
    public void Ca_fingerprint_pins_the_cluster_ca_and_a_wrong_one_refuses_before_any_login()
    {
        using var dir = new TempDir();
        using var ps = Shell(dir, "dave", "dave-pw");
        ps.Set("fp", _cluster.CaSha256);
        var r = ps.Run("$s = Connect-DcosCluster -Uri $uri -Credential $cred -CaFingerprint $fp; $s.CaSha256Fingerprint; $s.CaThumbprint").ThrowOnError();
        Assert.Equal(new[] { _cluster.CaSha256, _cluster.CaThumbprint }, r.Output.Select(o => o.ToString()));

        int logins = _cluster.Requests.Count(q => q.Path == "/acs/api/v1/auth/login");
        ps.Set("wrong", new string('A', 64));
        r = ps.Run("Connect-DcosCluster -Uri $uri -Credential $cred -CaFingerprint $wrong");
        var error = Assert.Single(r.AllErrors);
        Assert.StartsWith("CaFingerprintMismatch,", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.SecurityError, error.CategoryInfo.Category);
        Assert.Equal(logins, _cluster.Requests.Count(q => q.Path == "/acs/api/v1/auth/login"));

        // A SHA-1 thumbprint is not taken for the SHA-256 the parameter names.
        ps.Set("sha1", _cluster.CaThumbprint);
        r = ps.Run("Connect-DcosCluster -Uri $uri -Credential $cred -CaFingerprint $sha1");
        error = Assert.Single(r.AllErrors);
        Assert.StartsWith("InvalidCaFingerprint,", error.FullyQualifiedErrorId);
        Assert.Contains("SHA-1", error.ToString());
        Assert.Equal(logins, _cluster.Requests.Count(q => q.Path == "/acs/api/v1/auth/login"));
    }

    [Fact]
    public void Unpinned_cluster_ca_is_rejected_and_SkipCertificateCheck_connects_with_a_warning()
    {
        using var dir = new TempDir();
        using var ps = Shell(dir, "erin", "erin-pw");
        var r = ps.Run("Connect-DcosCluster -Uri $uri -Credential $cred");
        Assert.StartsWith("TlsCertificateRejected,", Assert.Single(r.AllErrors).FullyQualifiedErrorId);
        r = ps.Run("Connect-DcosCluster -Uri $uri -Credential $cred -SkipCertificateCheck").ThrowOnError();
        Assert.Contains(r.Warnings, w => w.Contains("SkipCertificateCheck"));
    }

    [Fact]
    public void Ca_certificate_object_pins_the_cluster_ca()
    {
        using var dir = new TempDir();
        using var ps = Shell(dir, "hank", "hank-pw");
        var r = ps.Run("$pin = Import-DcosCertificate -Path $ca; $s = Connect-DcosCluster -Uri $uri -Credential $cred -CaCertificate $pin; $s.CaSha256Fingerprint").ThrowOnError();
        Assert.Equal(_cluster.CaSha256, r.Value);
        // A CA that did not issue the cluster's certificate is refused.
        r = ps.Run("$other = New-TlsCertificateAuthority -CommonName 'Other CA' -KeyAlgorithm ECDSA; Connect-DcosCluster -Uri $uri -Credential $cred -CaCertificate $other");
        Assert.StartsWith("TlsCertificateRejected,", Assert.Single(r.AllErrors).FullyQualifiedErrorId);
    }

    [Fact]
    public void Session_table_view_renders_and_shows_no_token()
    {
        using var dir = new TempDir();
        using var ps = Shell(dir, "ivan", "ivan-pw");
        var session = ps.Run("Connect-DcosCluster -Uri $uri -Credential $cred -CaCertificatePath $ca").ThrowOnError().Output.Single();
        var (_, view, type) = Help.FormatViewChecks.Views(ps).Single(v => v.Type == "DcosTls.Session.DcosSession" && v.View.Element("TableControl") != null);
        Help.FormatViewChecks.AssertColumnsEvaluate(ps, view, type, session);
        var cells = ps.Run("$sample | ForEach-Object { $_.ClusterUri; $_.UserId; $_.LoginType; $_.ExpiresAt; $_.IsConnected; $_.CaThumbprint }").ThrowOnError();
        Secrets.AssertNoLeak(ps, _cluster.IssuedTokens);
        Assert.DoesNotContain(view.Descendants("PropertyName"), p => p.Value.Contains("Token", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Profile_completion_offers_the_profiles_the_ca_really_has_with_their_usages()
    {
        using var dir = new TempDir();
        using var ps = Shell(dir, "judy", "judy-pw");
        ps.Run("$null = Connect-DcosCluster -Uri $uri -Credential $cred -CaCertificatePath $ca").ThrowOnError();
        string line = "New-DcosCertificate -CommonName x -Profile ";
        var r = ps.Run($"(TabExpansion2 -inputScript '{line}' -cursorColumn {line.Length}).CompletionMatches | ForEach-Object {{ $_.CompletionText + '|' + $_.ToolTip }}").ThrowOnError();
        // The fixture's cfssl config has server, client and intermediate profiles; "peer" and "ca" fall back to the default.
        Assert.Equal(new[] { "server|signing, key encipherment, server auth; expiry 8760h", "client|signing, key encipherment, client auth; expiry 720h",
                "intermediate|cert sign, crl sign; expiry 43800h" },
            r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void Disconnect_forgets_the_token()
    {
        using var dir = new TempDir();
        using var ps = Shell(dir, "frank", "frank-pw");
        var r = ps.Run("$s = Connect-DcosCluster -Uri $uri -Credential $cred -CaCertificatePath $ca; Disconnect-DcosCluster; $s.IsConnected; New-DcosCertificate -CommonName f.example -KeyAlgorithm ECDSA");
        Assert.Equal(false, r.Output[0].BaseObject);
        Assert.StartsWith("NoDcosSession,", Assert.Single(r.AllErrors).FullyQualifiedErrorId);
    }

    [Fact]
    public void Get_DcosCaCertificate_returns_the_root_bundle_and_the_signing_ca()
    {
        using var dir = new TempDir();
        using var ps = Shell(dir, "gina", "gina-pw");
        var r = ps.Run("$null = Connect-DcosCluster -Uri $uri -Credential $cred -CaCertificatePath $ca; Get-DcosCaCertificate | ForEach-Object { $_.Role + '|' + $_.Thumbprint + '|' + $_.Sha256Fingerprint + '|' + $_.IsCertificateAuthority }").ThrowOnError();
        Assert.Equal(new[] { $"RootBundle|{_cluster.CaThumbprint}|{_cluster.CaSha256}|True", $"SigningCa|{_cluster.CaThumbprint}|{_cluster.CaSha256}|True" }, r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void Get_DcosCaCertificate_rows_carry_the_type_name_of_the_role_table()
    {
        // The root bundle and the signing CA are the same certificate here: only Role tells the rows
        // apart, and DcosTls.Format.ps1xml shows it in the table of this type name. (This host cannot
        // load Out-String; the Pester tier renders the view, tag ViewRoles.)
        using var dir = new TempDir();
        using var ps = Shell(dir, "hana", "hana-pw");
        var r = ps.Run("$null = Connect-DcosCluster -Uri $uri -Credential $cred -CaCertificatePath $ca; $rows = Get-DcosCaCertificate; $rows | ForEach-Object { $_.PSObject.TypeNames[0] + '|' + $_.Role }").ThrowOnError();
        Assert.Equal(new[] { "DcosTls.Certificates.DcosCertificate#ClusterCa|RootBundle", "DcosTls.Certificates.DcosCertificate#ClusterCa|SigningCa" }, r.Output.Select(o => o.ToString()));
        var row = ps.Run("$rows[0]").ThrowOnError().Output.Single();
        var (_, view, type) = Help.FormatViewChecks.Views(ps).Single(v => v.Type == "DcosTls.Certificates.DcosCertificate#ClusterCa" && v.View.Element("TableControl") != null);
        Help.FormatViewChecks.AssertColumnsEvaluate(ps, view, type, row);
    }
}
