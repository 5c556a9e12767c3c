using DcosTls.Tests.Infrastructure;
using Xunit;

namespace DcosTls.Tests.Certificates;

/// <summary>Export-/Import-DcosCertificate against openssl's view of the files.</summary>
public class ExportImportTests
{
    private const string Password = "export-pw-3c1d";

    [Fact]
    public void Password_encrypts_the_key_as_pkcs8_aes256_and_openssl_reads_it_back()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path).Set("pw", Secrets.Secure(Password));
        var r = ps.Run(@"New-DcosCertificate -SelfSigned -CommonName enc.example -KeyAlgorithm ECDSA | Export-DcosCertificate -Path enc.crt -Password $pw -Verbose").ThrowOnError();
        string key = File.ReadAllText(dir["enc.key"]);
        Assert.StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----", key);
        var asn = Tool.Openssl("asn1parse", "-in", dir["enc.key"]);
        Assert.Contains("aes-256-cbc", asn);
        Tool.Openssl("pkey", "-in", dir["enc.key"], "-passin", "pass:" + Password, "-noout");
        Assert.NotEqual(0, Tool.Run("openssl", "pkey", "-in", dir["enc.key"], "-passin", "pass:wrong", "-noout").ExitCode);
        Secrets.AssertNoLeak(ps, new[] { Password });
        // and back in: the key matches the certificate
        r = ps.Run("(Import-DcosCertificate -Path enc.crt -KeyPath enc.key -Password $pw).HasPrivateKey").ThrowOnError();
        Assert.Equal(true, r.Value);
    }

    [Fact]
    public void Import_reads_a_legacy_encrypted_openssl_key_and_says_what_is_wrong()
    {
        using var dir = new TempDir();
        Tool.Run("openssl", "genrsa", "-aes256", "-traditional", "-passout", "pass:" + Password, "-out", dir["ca-key.pem"], "2048");
        Tool.Openssl("req", "-new", "-x509", "-days", "30", "-key", dir["ca-key.pem"], "-passin", "pass:" + Password, "-sha256", "-subj", "/CN=Operator openssl CA", "-out", dir["ca.pem"]);
        Tool.Openssl("req", "-new", "-key", dir["ca-key.pem"], "-passin", "pass:" + Password, "-subj", "/CN=csr", "-out", dir["req.csr"]);
        using var ps = new Pwsh(dir.Path).Set("pw", Secrets.Secure(Password)).Set("bad", Secrets.Secure("not-it"));
        var r = ps.Run("(Import-DcosCertificate ca.pem -KeyPath ca-key.pem -Password $pw) | ForEach-Object { $_.HasPrivateKey; $_.IsCertificateAuthority }").ThrowOnError();
        Assert.Equal(new object[] { true, true }, r.Output.Select(o => o.BaseObject));

        r = ps.Run("Import-DcosCertificate ca.pem -KeyPath ca-key.pem");
        Assert.StartsWith("KeyPasswordRequired,", Assert.Single(r.AllErrors).FullyQualifiedErrorId);
        r = ps.Run("Import-DcosCertificate ca.pem -KeyPath ca-key.pem -Password $bad");
        var wrong = Assert.Single(r.AllErrors);
        Assert.StartsWith("KeyPasswordWrong,", wrong.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.AuthenticationError, wrong.CategoryInfo.Category);
        r = ps.Run("Import-DcosCertificate req.csr");
        var csr = Assert.Single(r.AllErrors);
        Assert.StartsWith("InvalidCertificateFile,", csr.FullyQualifiedErrorId);
        Assert.Contains("CERTIFICATE REQUEST", csr.ToString());
        r = ps.Run("Import-DcosCertificate nothing-here.pem");
        Assert.StartsWith("CertificateFileNotFound,", Assert.Single(r.AllErrors).FullyQualifiedErrorId);
        Secrets.AssertNoLeak(ps, new[] { Password });
    }

    [Fact]
    public void Pkcs12_and_haproxy_pem_hold_certificate_chain_and_key()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path).Set("pw", Secrets.Secure(Password));
        ps.Run(@"
            $ca = New-TlsCertificateAuthority -CommonName 'Export CA' -KeyAlgorithm ECDSA
            $leaf = New-DcosCertificate -Issuer $ca -CommonName web.example -DnsName web.example -KeyAlgorithm ECDSA
            $null = $leaf | Export-DcosCertificate -Path web.p12 -Format Pkcs12 -Password $pw
            $null = $leaf | Export-DcosCertificate -Path web.pem -Format HaproxyPem
            $null = $ca | Export-DcosCertificate -Path ca.crt -NoKey").ThrowOnError();
        var p12 = Tool.Openssl("pkcs12", "-in", dir["web.p12"], "-passin", "pass:" + Password, "-nodes");
        // AES-256 and a SHA-256 MAC, as OpenSSL 3 writes by default (not .NET 8's 3DES/SHA-1).
        var (_, _, info) = Tool.Run("openssl", "pkcs12", "-in", dir["web.p12"], "-passin", "pass:" + Password, "-info", "-noout");
        Assert.Contains("MAC: sha256", info);
        Assert.Contains("AES-256-CBC", info);
        Assert.DoesNotContain("3DES", info);
        Assert.Contains("subject=CN = web.example", p12);
        Assert.Contains("subject=CN = Export CA", p12);
        Assert.Contains("PRIVATE KEY", p12);
        string pem = File.ReadAllText(dir["web.pem"]);
        Assert.Equal(2, pem.Split("BEGIN CERTIFICATE").Length - 1);
        Assert.Contains("BEGIN PRIVATE KEY", pem);
        Assert.Equal("600", FileModes.Of(dir["web.pem"]));
        Assert.Contains(": OK", Tool.Openssl("verify", "-CAfile", dir["ca.crt"], dir["web.pem"]));
    }

    [Fact]
    public void Export_refuses_to_overwrite_other_content_and_writes_nothing_then()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["taken.key"], "someone else's key");
        using var ps = new Pwsh(dir.Path);
        var r = ps.Run("New-DcosCertificate -SelfSigned -CommonName taken.example -KeyAlgorithm ECDSA | Export-DcosCertificate -Path taken.crt");
        Assert.StartsWith("ExportFileExists,", Assert.Single(r.AllErrors).FullyQualifiedErrorId);
        Assert.False(File.Exists(dir["taken.crt"]));
        Assert.Equal("someone else's key", File.ReadAllText(dir["taken.key"]));
        // -WhatIf writes nothing at all
        r = ps.Run("New-DcosCertificate -SelfSigned -CommonName w.example -KeyAlgorithm ECDSA | Export-DcosCertificate -Path w.crt -WhatIf -PassThru").ThrowOnError();
        Assert.False(File.Exists(dir["w.crt"]));
        Assert.Empty(r.Output);
    }

    [Fact]
    public void Self_signed_registry_certificate_with_full_subject_verifies_against_itself()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        ps.Run("New-DcosCertificate -SelfSigned -CommonName registry.marathon.l4lb.thisdcos.directory -Country US -State CA -Locality 'San Francisco' -Organization Mesosphere -OrganizationalUnit Ops -KeyAlgorithm RSA -KeySize 2048 -ValidDays 30 | Export-DcosCertificate -Path reg.crt").ThrowOnError();
        var subject = Tool.Openssl("x509", "-in", dir["reg.crt"], "-noout", "-subject", "-enddate");
        Assert.Contains("subject=C = US, ST = CA, L = San Francisco, O = Mesosphere, OU = Ops, CN = registry.marathon.l4lb.thisdcos.directory", subject);
        Assert.Contains(": OK", Tool.Openssl("verify", "-CAfile", dir["reg.crt"], dir["reg.crt"]));
    }

    [Fact]
    public void Deserialized_certificates_bind_by_property_name_and_carry_no_key()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        var r = ps.Run(@"
            $ca = New-TlsCertificateAuthority -CommonName 'Remote CA' -KeyAlgorithm ECDSA
            $leaf = New-DcosCertificate -Issuer $ca -CommonName remote.example -KeyAlgorithm ECDSA
            $xml = [System.Management.Automation.PSSerializer]::Serialize($leaf)
            $back = [System.Management.Automation.PSSerializer]::Deserialize($xml)
            $back.PSObject.TypeNames[0]
            $live = $back | Import-DcosCertificate
            $live.Thumbprint -eq $leaf.Thumbprint
            $live.Chain.Count
            $xml").ThrowOnError();
        Assert.Equal("Deserialized.DcosTls.Certificates.DcosCertificate", r.Output[0].ToString());
        Assert.Equal(true, r.Output[1].BaseObject);
        Assert.Equal(1, r.Output[2].BaseObject);
        Assert.DoesNotContain("PRIVATE KEY", r.Output[3].ToString());
    }

    [Fact]
    public void Re_exporting_the_same_key_with_a_password_or_as_pkcs12_changes_nothing()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path).Set("pw", Secrets.Secure(Password)).Set("other", Secrets.Secure("another-pw"));
        ps.Run(@"$c = New-DcosCertificate -SelfSigned -CommonName again.example -KeyAlgorithm ECDSA
                 $null = $c | Export-DcosCertificate -Path again.crt -Password $pw
                 $null = $c | Export-DcosCertificate -Path again.p12 -Format Pkcs12 -Password $pw").ThrowOnError();
        byte[] key = File.ReadAllBytes(dir["again.key"]), p12 = File.ReadAllBytes(dir["again.p12"]);
        var r = ps.Run(@"$c | Export-DcosCertificate -Path again.crt -Password $pw -Verbose -PassThru | ForEach-Object { '{0} {1}' -f [System.IO.Path]::GetFileName($_.Path), $_.Action }
                         $c | Export-DcosCertificate -Path again.p12 -Format Pkcs12 -Password $pw -PassThru | ForEach-Object { '{0} {1}' -f [System.IO.Path]::GetFileName($_.Path), $_.Action }").ThrowOnError();
        Assert.Equal(new[] { "again.crt Unchanged", "again.key Unchanged", "again.crt.renewal.json Unchanged", "again.p12 Unchanged", "again.p12.renewal.json Unchanged" }, r.Output.Select(o => o.ToString()));
        Assert.Equal(key, File.ReadAllBytes(dir["again.key"]));
        Assert.Equal(p12, File.ReadAllBytes(dir["again.p12"]));
        Assert.Contains(r.Verbose, v => v.Contains("same certificate and key"));
        // Another password or another key is other content: refused without -Force.
        r = ps.Run("$c | Export-DcosCertificate -Path again.crt -Password $other");
        Assert.StartsWith("ExportFileExists,", Assert.Single(r.AllErrors).FullyQualifiedErrorId);
        r = ps.Run("New-DcosCertificate -SelfSigned -CommonName again.example -KeyAlgorithm ECDSA | Export-DcosCertificate -Path again.crt -Password $pw");
        Assert.StartsWith("ExportFileExists,", Assert.Single(r.AllErrors).FullyQualifiedErrorId);
    }
}
