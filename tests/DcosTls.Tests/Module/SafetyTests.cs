using DcosTls.Tests.Infrastructure;
using Xunit;

namespace DcosTls.Tests.Module;

/// <summary>Security rules that cut across cmdlets (found in review): paths, modes, quoted secrets.</summary>
public class SafetyTests
{
    [Fact]
    public void A_linked_folder_that_leaves_the_staging_root_is_refused_and_nothing_is_written_outside()
    {
        using var dir = new TempDir();
        using var outside = new TempDir("dcostls-outside-");
        Directory.CreateDirectory(dir["root/etc"]);
        File.CreateSymbolicLink(dir["root/etc/docker"], outside.Path);
        using var ps = new Pwsh(dir.Path);
        var r = ps.Run($"New-TlsCertificateAuthority -CommonName 'Link CA' -KeyAlgorithm ECDSA | Install-DockerRegistryTrust -Registry repo.internal:5000 -Target Docker -Root '{dir["root"]}'");
        var error = Assert.Single(r.AllErrors);
        Assert.Contains("outside the root", error.ToString());
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside.Path));
    }

    [Fact]
    public void A_password_in_a_registry_name_is_never_quoted()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path).Set("cred", Secrets.Credential("deployer", "pw-in-cred"));
        var r = ps.Run("New-DockerAuthConfig -Registry 'https://deployer:leaked-Pw-77@repo.internal:5000' -Credential $cred");
        Assert.StartsWith("InvalidRegistry", Assert.Single(r.AllErrors).FullyQualifiedErrorId);
        Secrets.AssertNoLeak(ps, new[] { "leaked-Pw-77", "pw-in-cred" });
        r = ps.Run($"New-TlsCertificateAuthority -CommonName 'At CA' -KeyAlgorithm ECDSA | Install-DockerRegistryTrust -Registry 'deployer:leaked-Pw-77@repo.internal:5000' -Root '{dir["root"]}'");
        Assert.StartsWith("InvalidRegistryName", Assert.Single(r.AllErrors).FullyQualifiedErrorId);
        Secrets.AssertNoLeak(ps, new[] { "leaked-Pw-77" });
        Assert.False(Directory.Exists(dir["root"]));
    }

    [Fact]
    public void A_password_in_the_cluster_address_or_plain_http_is_refused_before_any_call()
    {
        using var ps = new Pwsh().Set("cred", Secrets.Credential("alice", "alice-pw"));
        var r = ps.Run("Connect-DcosCluster -Uri 'https://alice:uri-Pw-31@127.0.0.1:9/' -Credential $cred");
        Assert.StartsWith("CredentialInClusterUri,", Assert.Single(r.AllErrors).FullyQualifiedErrorId);
        Secrets.AssertNoLeak(ps, new[] { "uri-Pw-31", "alice-pw" });
        r = ps.Run("Connect-DcosCluster -Uri 'http://127.0.0.1:9/' -Credential $cred");
        var error = Assert.Single(r.AllErrors);
        Assert.StartsWith("UnencryptedClusterUri,", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.SecurityError, error.CategoryInfo.Category);
    }

    [Fact]
    public void A_private_file_readable_by_others_is_rewritten_0600_even_when_its_content_is_right()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["root"]);
        using var ps = new Pwsh(dir.Path).Set("cred", Secrets.Credential("deployer", "mode-pw"));
        ps.Run($"$null = Set-MesosDockerConfig -Registry repo.internal:5000 -Credential $cred -Root '{dir["root"]}'").ThrowOnError();
        string credentials = dir["root/var/lib/dcos/docker_credentials"];
        Assert.Equal("600", FileModes.Of(credentials));
        File.SetUnixFileMode(credentials, (UnixFileMode)Convert.ToInt32("644", 8));
        var r = ps.Run($"Set-MesosDockerConfig -Registry repo.internal:5000 -Credential $cred -Root '{dir["root"]}' -PassThru | ForEach-Object {{ $_.Action }}").ThrowOnError();
        Assert.Equal("Updated", r.Value?.ToString());
        Assert.Equal("600", FileModes.Of(credentials));
    }

    [Fact]
    public void Folders_made_for_private_files_are_0700()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        ps.Run("$null = New-DcosCertificate -SelfSigned -CommonName k.example -KeyAlgorithm ECDSA | Export-DcosCertificate -Path keys/k.pem -Format HaproxyPem").ThrowOnError();
        Assert.Equal("700", FileModes.Of(dir["keys"]));
        Assert.Equal("600", FileModes.Of(dir["keys/k.pem"]));
    }

    [Fact]
    public void A_folder_that_cannot_be_made_is_a_write_error_with_a_stable_id()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["blocker"], "a file where a folder should be");
        Directory.CreateDirectory(dir["root"]);
        File.WriteAllText(dir["root/etc"], "a file where /etc should be");
        using var ps = new Pwsh(dir.Path);
        var r = ps.Run("New-DcosCertificate -SelfSigned -CommonName w.example -KeyAlgorithm ECDSA | Export-DcosCertificate -Path blocker/w.crt");
        var error = Assert.Single(r.AllErrors);
        Assert.StartsWith("ExportWriteFailed,", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.WriteError, error.CategoryInfo.Category);
        r = ps.Run($"$ca = New-TlsCertificateAuthority -CommonName c -KeyAlgorithm ECDSA; Set-DockerDaemonTls -Root '{dir["root"]}' -CaCertificate $ca -Certificate (New-DcosCertificate -Issuer $ca -CommonName d -KeyAlgorithm ECDSA)");
        // Refused before the first write, naming the file in the way.
        error = Assert.Single(r.AllErrors);
        Assert.StartsWith("PathBlockedByFile,", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.WriteError, error.CategoryInfo.Category);
        Assert.Contains(dir["root/etc"], error.ToString());
    }

    [Fact]
    public void A_relative_hash_link_that_climbs_out_of_the_staging_root_is_not_read()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        // One CA file beside the staging root (outside it) and one at the top of the root (inside it).
        ps.Run("$null = New-TlsCertificateAuthority -CommonName 'Outside CA' -KeyAlgorithm ECDSA | Export-DcosCertificate -Path outside.crt -NoKey; " +
               "$null = New-TlsCertificateAuthority -CommonName 'Inside CA' -KeyAlgorithm ECDSA | Export-DcosCertificate -Path root/inside.crt -NoKey").ThrowOnError();
        string mesos = dir["root/var/lib/dcos/pki/tls/certs"];
        Directory.CreateDirectory(mesos);
        // certs -> tls -> pki -> dcos -> lib -> var -> root: six steps up is the root itself, seven leave it.
        File.CreateSymbolicLink(Path.Combine(mesos, "0badc0de.0"), "../../../../../../../outside.crt");
        File.CreateSymbolicLink(Path.Combine(mesos, "1badc0de.0"), "../../../../../../inside.crt");
        Assert.True(File.Exists(Path.Combine(mesos, "0badc0de.0")), "the climbing link must point at a real file, or the test proves nothing");
        var r = ps.Run("Get-DockerRegistryTrust -Target Mesos -Root root | ForEach-Object { [string]$_.CommonName }").ThrowOnError();
        var names = r.Output.Select(o => o?.ToString()).ToList();
        Assert.Contains("Inside CA", names);      // the same kind of link, inside the root, is read
        Assert.DoesNotContain("Outside CA", names);
    }
}
