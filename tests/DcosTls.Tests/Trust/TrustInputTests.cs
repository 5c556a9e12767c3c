using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DcosTls.Tests.Infrastructure;
using Xunit;

namespace DcosTls.Tests.Trust;

/// <summary>Bad trust input (clear error, nothing written), the input forms that must work, and the other stores.</summary>
public class TrustInputTests
{
    private static Pwsh WithCa(TempDir dir)
    {
        var ps = new Pwsh(dir.Path);
        ps.Run(@"
            $ca = New-TlsCertificateAuthority -CommonName 'Input Test CA' -KeyAlgorithm ECDSA
            $null = $ca | Export-DcosCertificate -Path ca.crt
            $null = $ca | Export-DcosCertificate -Path both.pem -Format HaproxyPem").ThrowOnError();
        Directory.CreateDirectory(dir["root"]);
        return ps;
    }

    private static void AssertRefused(Pwsh ps, TempDir dir, string script, string errorId, string messagePart)
    {
        var result = ps.Run(script);
        var error = Assert.Single(result.AllErrors);
        Assert.StartsWith(errorId + ",", error.FullyQualifiedErrorId);
        Assert.Contains(messagePart, error.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir["root"], "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_key_a_CSR_or_DER_bytes_given_as_a_certificate_is_refused_and_nothing_is_written()
    {
        using var dir = new TempDir();
        using var ps = WithCa(dir);
        Tool.Openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", dir["csr.key"],
            "-subj", "/CN=csr", "-out", dir["request.csr"]);
        Tool.Openssl("x509", "-in", dir["ca.crt"], "-outform", "der", "-out", dir["ca.der"]);
        const string Install = "Install-DockerRegistryTrust -Registry repo.internal:5000 -Root root";

        AssertRefused(ps, dir, $"{Install} -Path ca.key", "InvalidCertificateInput", "private key");
        AssertRefused(ps, dir, $"{Install} -Path request.csr", "InvalidCertificateInput", "signing request");
        AssertRefused(ps, dir, $"{Install} -Path ca.der", "InvalidCertificateInput", "DER");
        AssertRefused(ps, dir, $",[System.IO.File]::ReadAllBytes('{dir["ca.der"]}') | {Install}", "InvalidCertificateInput", "DER");
        AssertRefused(ps, dir, $"[System.IO.File]::ReadAllText('{dir["ca.key"]}') | {Install}", "InvalidCertificateInput", "private key");
        AssertRefused(ps, dir, $"[datetime]::UtcNow | {Install}", "InvalidCertificateInput", "not a certificate");
        AssertRefused(ps, dir, $"{Install} -Path missing.crt", "CertificateFileNotFound", "does not exist");
        // A good CA followed by a bad input: still nothing written.
        AssertRefused(ps, dir, $"@((Import-DcosCertificate -Path ca.crt), 'not a pem') | {Install}", "InvalidCertificateInput", "no PEM certificate");
    }

    [Theory]
    [InlineData("repo.internal:5000/library", "path separator")]
    [InlineData("../etc", "..")]
    [InlineData("repo..internal", "..")]
    [InlineData("repo internal:5000", "whitespace")]
    [InlineData("https://repo.internal:5000", "scheme")]
    [InlineData("", "empty")]
    [InlineData("repo.internal:99999", "port")]
    public void Bad_registry_names_are_refused_and_nothing_is_written(string registry, string messagePart)
    {
        using var dir = new TempDir();
        using var ps = WithCa(dir);
        ps.Set("registry", registry);
        AssertRefused(ps, dir, "Install-DockerRegistryTrust -Registry $registry -Path ca.crt -Root root", "InvalidRegistryName", messagePart);
    }

    [Fact]
    public void An_expired_CA_is_refused_unless_Force()
    {
        using var dir = new TempDir();
        using var ps = WithCa(dir);
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            var request = new CertificateRequest("CN=Expired CA", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-1));
            File.WriteAllText(dir["expired.crt"], cert.ExportCertificatePem());
        }
        AssertRefused(ps, dir, "Install-DockerRegistryTrust -Registry repo.internal:5000 -Path expired.crt -Root root", "CertificateExpired", "-Force");
        var forced = ps.Run("Install-DockerRegistryTrust -Registry repo.internal:5000 -Path expired.crt -Root root -Force").ThrowOnError();
        Assert.Contains(forced.Warnings, w => w.Contains("expired"));
        Assert.Equal(3, forced.Output.Count);
    }

    [Fact]
    public void Certificates_bind_from_objects_X509Certificate2_deserialized_objects_and_CertificatePem_properties()
    {
        using var dir = new TempDir();
        using var ps = WithCa(dir);
        ps.Set("caFile", dir["ca.crt"]);
        ps.Run(@"
            $x509 = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($ca.Certificate.RawData)
            $x509 | Install-DockerRegistryTrust -Registry a.internal -Root root
            $ca | Install-DockerRegistryTrust -Registry b.internal -Root root
            [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($ca)) |
                Install-DockerRegistryTrust -Registry c.internal -Root root
            [pscustomobject]@{ Registry = 'd.internal:443'; CertificatePem = $ca.CertificatePem } | Install-DockerRegistryTrust -Root root
            Install-DockerRegistryTrust -Registry e.internal, f.internal:5000 -Path both.pem -Root root -Target Docker").ThrowOnError();
        foreach (var registry in new[] { "a.internal", "b.internal", "c.internal", "d.internal:443", "e.internal", "f.internal:5000" })
        {
            var crt = Assert.Single(Directory.GetFiles(dir["root/etc/docker/certs.d/" + registry]));
            Assert.EndsWith(".crt", crt);
            Assert.DoesNotContain("PRIVATE KEY", File.ReadAllText(crt));
            Assert.Equal("644", FileModes.Of(crt));
        }
        // One CA, one Mesos file and one link, whatever the number of registries.
        Assert.Equal(2, Directory.GetFileSystemEntries(dir["root/var/lib/dcos/pki/tls/certs"]).Length);
        var rows = ps.Run("Get-DockerRegistryTrust -Root root -Target Docker").ThrowOnError().Output;
        Assert.Equal(6, rows.Count);
    }

    [Fact]
    public void Get_output_pipes_into_Uninstall()
    {
        using var dir = new TempDir();
        using var ps = WithCa(dir);
        ps.Run(@"
            $ca | Install-DockerRegistryTrust -Registry a.internal:5000, b.internal:5000 -Root root -Target Docker, Mesos, Containers
            Get-DockerRegistryTrust -Registry a.internal:5000 -Root root -Target Docker | Uninstall-DockerRegistryTrust -Root root -Target Docker").ThrowOnError();
        Assert.Empty(Directory.GetFiles(dir["root/etc/docker/certs.d/a.internal:5000"]));
        Assert.Single(Directory.GetFiles(dir["root/etc/docker/certs.d/b.internal:5000"]));
        Assert.Single(Directory.GetFiles(dir["root/etc/containers/certs.d/a.internal:5000"]));
        // Without -Registry, every registry folder is cleaned.
        var all = ps.Run("$ca | Uninstall-DockerRegistryTrust -Root root -Target Docker, Mesos, Containers").ThrowOnError();
        Assert.Equal(5, all.Output.Count); // b's Docker file, a's and b's Containers files, the Mesos link and file

        Assert.All(all.Output, o => Assert.Equal("Removed", o.Properties["Action"].Value.ToString()));
        Assert.Empty(Directory.EnumerateFiles(dir["root"], "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Docker_target_warns_about_a_shadowing_containers_folder_and_an_unpaired_client_key()
    {
        using var dir = new TempDir();
        using var ps = WithCa(dir);
        Directory.CreateDirectory(dir["root/etc/containers/certs.d/repo.internal:5000"]);
        Directory.CreateDirectory(dir["root/etc/docker/certs.d/repo.internal:5000"]);
        File.WriteAllText(dir["root/etc/docker/certs.d/repo.internal:5000/client.key"], "stray");
        var result = ps.Run("$ca | Install-DockerRegistryTrust -Registry repo.internal:5000 -Root root -Target Docker").ThrowOnError();
        Assert.Contains(result.Warnings, w => w.Contains("-Target Containers"));
        Assert.Contains(result.Warnings, w => w.Contains("client.key") && w.Contains("no matching .cert"));
    }

    [Theory]
    [InlineData("ID=debian\nVERSION_ID=\"12\"\n", "usr/local/share/ca-certificates", ".crt", "update-ca-certificates")]
    [InlineData("ID=ubuntu\nID_LIKE=debian\n", "usr/local/share/ca-certificates", ".crt", "update-ca-certificates")]
    [InlineData("ID=\"rhel\"\nID_LIKE=\"fedora\"\n", "etc/pki/ca-trust/source/anchors", ".pem", "update-ca-trust extract")]
    [InlineData("ID=\"centos\"\nID_LIKE=\"rhel fedora\"\n", "etc/pki/ca-trust/source/anchors", ".pem", "update-ca-trust extract")]
    [InlineData("NAME=\"Container Linux by CoreOS\"\nID=coreos\n", "etc/ssl/certs", ".pem", "update-ca-certificates")]
    [InlineData("NAME=\"Flatcar Container Linux by Kinvolk\"\nID=flatcar\nID_LIKE=coreos\n", "etc/ssl/certs", ".pem", "update-ca-certificates")]
    [InlineData("ID=\"opensuse-leap\"\nID_LIKE=\"suse opensuse\"\n", "etc/pki/trust/anchors", ".pem", "update-ca-certificates")]
    [InlineData("ID=\"sles\"\nVERSION_ID=\"12.5\"\n", "etc/pki/trust/anchors", ".pem", "update-ca-certificates")]
    [InlineData("ID=alpine\nVERSION_ID=3.19.1\n", "usr/local/share/ca-certificates", ".crt", "update-ca-certificates")]
    [InlineData("ID=arch\nBUILD_ID=rolling\n", "etc/ca-certificates/trust-source/anchors", ".pem", "update-ca-trust")]
    public void System_target_follows_the_roots_os_release(string osRelease, string anchors, string extension, string command)
    {
        using var dir = new TempDir();
        using var ps = WithCa(dir);
        Directory.CreateDirectory(dir["root/etc"]);
        File.WriteAllText(dir["root/etc/os-release"], osRelease);
        // -WhatIf names the family's update command too, and writes nothing.
        var dry = ps.Run("$ca | Install-DockerRegistryTrust -Target System -Root root -Verbose -WhatIf").ThrowOnError();
        Assert.Contains(dry.Verbose, v => v.Contains($"Not running '{command}'"));
        Assert.False(Directory.Exists(dir["root/" + anchors]));
        var result = ps.Run("$ca | Install-DockerRegistryTrust -Target System -Root root -Verbose").ThrowOnError();
        string file = Assert.Single(Directory.GetFiles(dir["root/" + anchors]));
        Assert.EndsWith(extension, file);
        // The update command did not run under a staging root; the verbose line names it.
        Assert.Contains(result.Verbose, v => v.Contains($"Not running '{command}'") && v.Contains("staging root"));
        Assert.Equal("Unchanged", ps.Run("$ca | Install-DockerRegistryTrust -Target System -Root root").ThrowOnError()
            .Output.Single().Properties["Action"].Value.ToString());
    }

    [Fact]
    public void System_target_on_CoreOS_reads_only_its_own_files_in_etc_ssl_certs()
    {
        using var dir = new TempDir();
        using var ps = WithCa(dir);
        Directory.CreateDirectory(dir["root/etc/ssl/certs/java"]);
        File.WriteAllText(dir["root/etc/os-release"], "ID=flatcar\nID_LIKE=coreos\n");
        var first = ps.Run("$ca | Install-DockerRegistryTrust -Target System -Root root").ThrowOnError().Output.Single();
        string added = first.Properties["Path"].Value.ToString()!;
        // The bundle update-ca-certificates builds holds the CA too, and so may a sub-folder: neither is an anchor.
        File.WriteAllText(dir["root/etc/ssl/certs/ca-certificates.crt"], File.ReadAllText(added));
        File.WriteAllText(dir["root/etc/ssl/certs/java/copy.pem"], File.ReadAllText(added));
        var listed = ps.Run("Get-DockerRegistryTrust -Target System -Root root").ThrowOnError().Output;
        Assert.Equal(added, Assert.Single(listed).Properties["Path"].Value.ToString());
        var removed = ps.Run("$ca | Uninstall-DockerRegistryTrust -Target System -Root root -Confirm:$false").ThrowOnError().Output;
        Assert.Equal(added, Assert.Single(removed).Properties["Path"].Value.ToString());
        Assert.True(File.Exists(dir["root/etc/ssl/certs/ca-certificates.crt"]));
    }

    [Fact]
    public void System_target_on_an_unknown_OS_names_what_os_release_says()
    {
        using var dir = new TempDir();
        using var ps = WithCa(dir);
        Directory.CreateDirectory(dir["root/etc"]);
        File.WriteAllText(dir["root/etc/os-release"], "ID=gentoo\n");
        var error = Assert.Single(ps.Run("$ca | Install-DockerRegistryTrust -Target System -Root root").AllErrors);
        Assert.StartsWith("TrustStoreUnavailable,", error.FullyQualifiedErrorId);
        Assert.Contains("'gentoo'", error.ToString());
        Assert.Equal(new[] { dir["root/etc/os-release"] }, Directory.GetFiles(dir["root"], "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void System_target_without_os_release_is_refused_before_any_write()
    {
        using var dir = new TempDir();
        using var ps = WithCa(dir);
        AssertRefused(ps, dir, "$ca | Install-DockerRegistryTrust -Registry repo.internal -Target Docker, System -Root root", "TrustStoreUnavailable", "os-release");
    }

    [Fact]
    public void Legacy_bundle_gets_the_CA_once_after_a_backup_and_RestartDocker_on_a_staging_root_only_warns()
    {
        using var dir = new TempDir();
        using var ps = WithCa(dir);
        const string Bundle = "opt/mesosphere/active/python-requests/lib/python3.6/site-packages/requests/cacert.pem";
        Directory.CreateDirectory(Path.GetDirectoryName(dir["root/" + Bundle])!);
        string original = Tool.Openssl("req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", dir["other.key"], "-subj", "/CN=Existing Root", "-days", "30");
        File.WriteAllText(dir["root/" + Bundle], original);
        ps.Set("bundle", "/" + Bundle);
        var first = ps.Run("$ca | Install-DockerRegistryTrust -Registry repo.internal:5000 -Root root -LegacyBundlePath $bundle -RestartDocker").ThrowOnError();
        Assert.Contains(first.Output, o => o.Properties["Target"].Value.ToString() == "LegacyBundle" && o.Properties["Action"].Value.ToString() == "Updated");
        Assert.Contains(first.Warnings, w => w.Contains("stops every container"));
        Assert.Contains(first.Warnings, w => w.Contains("not restarted"));
        Assert.Equal(original, File.ReadAllText(dir["root/" + Bundle] + ".dcostls.bak"));
        string after = File.ReadAllText(dir["root/" + Bundle]);
        Assert.StartsWith(original, after);
        var second = ps.Run("$ca | Install-DockerRegistryTrust -Registry repo.internal:5000 -Root root -LegacyBundlePath $bundle").ThrowOnError();
        Assert.Equal(new[] { "Docker|Unchanged", "Mesos|Unchanged", "Mesos|Unchanged", "LegacyBundle|Unchanged" },
            second.Output.Select(o => o.Properties["Target"].Value + "|" + o.Properties["Action"].Value));
        Assert.Equal(after, File.ReadAllText(dir["root/" + Bundle]));
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(after, "BEGIN CERTIFICATE").Count);
    }
}
