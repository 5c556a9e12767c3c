using DcosTls.Tests.Infrastructure;
using Xunit;

namespace DcosTls.Tests.Trust;

/// <summary>The Mesos/UCR hashed folder: collisions, existing absolute links, renumbering, health, -WhatIf.</summary>
public class MesosHashLinkTests
{
    private const string Mesos = "var/lib/dcos/pki/tls/certs";

    /// <summary>Two CAs with the same subject, a leaf from each, all exported for openssl.</summary>
    private static void MakeTwins(Pwsh ps)
    {
        ps.Run(@"
            $a = New-TlsCertificateAuthority -CommonName 'Same Subject CA' -Organization 'Twins' -KeyAlgorithm ECDSA
            $b = New-TlsCertificateAuthority -CommonName 'Same Subject CA' -Organization 'Twins' -KeyAlgorithm ECDSA
            $null = New-DcosCertificate -Issuer $a -CommonName leaf-a -DnsName leaf-a -KeyAlgorithm ECDSA | Export-DcosCertificate -Path leaf-a.crt -NoKey
            $null = New-DcosCertificate -Issuer $b -CommonName leaf-b -DnsName leaf-b -KeyAlgorithm ECDSA | Export-DcosCertificate -Path leaf-b.crt -NoKey
            $null = $a | Export-DcosCertificate -Path ca-a.crt -NoKey
            $null = $b | Export-DcosCertificate -Path ca-b.crt -NoKey").ThrowOnError();
    }

    private static (int Code, string Out, string Err) Verify(string capath, string leaf)
        => Tool.Run("openssl", "verify", "-CApath", capath, leaf);

    [Fact]
    public void Same_subject_CAs_get_0_and_1_and_uninstall_renumbers_without_a_gap()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        MakeTwins(ps);
        var installed = ps.Run("Install-DockerRegistryTrust -Path ca-a.crt, ca-b.crt -Target Mesos -Root root").ThrowOnError();
        string hash = installed.Output[0].Properties["SubjectHash"].Value.ToString();
        Assert.Equal(Tool.Openssl("x509", "-noout", "-hash", "-in", dir["ca-a.crt"]).Trim(), hash);
        var links = installed.Output.Select(o => Path.GetFileName(o.Properties["Path"].Value.ToString())).Where(n => n.StartsWith(hash)).ToList();
        Assert.Equal(new[] { hash + ".0", hash + ".1" }, links);
        string capath = dir["root/" + Mesos];
        Assert.Equal(0, Verify(capath, dir["leaf-a.crt"]).Code);
        Assert.Equal(0, Verify(capath, dir["leaf-b.crt"]).Code);

        var removed = ps.Run("Import-DcosCertificate -Path ca-a.crt | Uninstall-DockerRegistryTrust -Target Mesos -Root root").ThrowOnError();
        var actions = removed.Output.Select(o => $"{o.Properties["Action"].Value}:{Path.GetFileName(o.Properties["Path"].Value.ToString())}").ToList();
        // .1 is copied over .0 (one rename, no moment without a .0), then .1 goes, then ca-a's file.
        Assert.Equal(new[] { $"Updated:{hash}.0", $"Removed:{hash}.1" }, actions.Where(a => a.Contains(hash + ".")).ToArray());
        Assert.True(File.Exists(Path.Combine(capath, hash + ".0")));
        Assert.False(new FileInfo(Path.Combine(capath, hash + ".1")).LinkTarget != null || File.Exists(Path.Combine(capath, hash + ".1")));
        Assert.Equal(0, Verify(capath, dir["leaf-b.crt"]).Code);
        Assert.NotEqual(0, Verify(capath, dir["leaf-a.crt"]).Code);
        Assert.Single(Directory.GetFiles(capath, "*.crt"));

        var health = ps.Run("Get-DockerRegistryTrust -Target Mesos -Root root").ThrowOnError();
        Assert.Equal("OK", health.Output.Single().Properties["Health"].Value);
    }

    [Fact]
    public void A_CA_already_linked_by_an_absolute_DCOS_link_is_not_added_again()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        ps.Run("$null = New-TlsCertificateAuthority -CommonName 'DC/OS Root CA' -KeyAlgorithm ECDSA | Export-DcosCertificate -Path dcos-ca.crt -NoKey").ThrowOnError();
        string hash = Tool.Openssl("x509", "-noout", "-hash", "-in", dir["dcos-ca.crt"]).Trim();
        string mesos = dir["root/" + Mesos];
        Directory.CreateDirectory(mesos);
        File.Copy(dir["dcos-ca.crt"], Path.Combine(mesos, "dcos-root-ca-cert.crt"));
        File.CreateSymbolicLink(Path.Combine(mesos, hash + ".0"), "/" + Mesos + "/dcos-root-ca-cert.crt");
        string before = RegistryTrustPeerTests.Snapshot(dir["root"]);

        var result = ps.Run("Install-DockerRegistryTrust -Path dcos-ca.crt -Target Mesos -Root root").ThrowOnError();
        // The DC/OS copy and its link are reported as they are, and nothing new is written.
        Assert.Equal(new[] { "dcos-root-ca-cert.crt|Unchanged", hash + ".0|Unchanged" },
            result.Output.Select(o => Path.GetFileName(o.Properties["Path"].Value.ToString()) + "|" + o.Properties["Action"].Value));
        Assert.Equal(before, RegistryTrustPeerTests.Snapshot(dir["root"]));

        var rows = ps.Run("Get-DockerRegistryTrust -Target Mesos -Root root").ThrowOnError().Output;
        Assert.Equal("OK", rows.Single().Properties["Health"].Value);
    }

    [Fact]
    public void A_different_file_with_the_same_name_is_never_overwritten()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        MakeTwins(ps);
        // Learn the name Install gives ca-a, then put ca-b's bytes under that name in a fresh root.
        string name = Path.GetFileName(ps.Run("Install-DockerRegistryTrust -Path ca-a.crt -Target Mesos -Root first").ThrowOnError()
            .Output.First().Properties["Path"].Value.ToString());
        string mesos = dir["second/" + Mesos];
        Directory.CreateDirectory(mesos);
        File.Copy(dir["ca-b.crt"], Path.Combine(mesos, name));
        var result = ps.Run("Install-DockerRegistryTrust -Path ca-a.crt -Target Mesos -Root second").ThrowOnError();
        Assert.Equal(File.ReadAllText(dir["ca-b.crt"]), File.ReadAllText(Path.Combine(mesos, name)));
        string written = result.Output.First().Properties["Path"].Value.ToString();
        Assert.NotEqual(name, Path.GetFileName(written));
        Assert.Equal("Created", result.Output.First().Properties["Action"].Value.ToString());
    }

    [Fact]
    public void Get_reports_missing_links_gaps_dangling_links_and_wrong_hashes()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        MakeTwins(ps);
        ps.Run("$null = New-TlsCertificateAuthority -CommonName 'Third CA' -KeyAlgorithm ECDSA | Export-DcosCertificate -Path ca-c.crt -NoKey").ThrowOnError();
        string hashAb = Tool.Openssl("x509", "-noout", "-hash", "-in", dir["ca-a.crt"]).Trim();
        string mesos = dir["root/" + Mesos];
        Directory.CreateDirectory(mesos);
        File.Copy(dir["ca-a.crt"], Path.Combine(mesos, "unlinked.crt"));              // no link at all
        File.Copy(dir["ca-b.crt"], Path.Combine(mesos, "behind-gap.crt"));
        File.CreateSymbolicLink(Path.Combine(mesos, hashAb + ".1"), "behind-gap.crt"); // .1 without .0
        File.Copy(dir["ca-c.crt"], Path.Combine(mesos, "wrong.crt"));
        File.CreateSymbolicLink(Path.Combine(mesos, "00000000.0"), "wrong.crt");       // under a hash that is not its own
        File.CreateSymbolicLink(Path.Combine(mesos, "deadbeef.0"), "gone.crt");        // dangling

        var rows = ps.Run("Get-DockerRegistryTrust -Target Mesos -Root root").ThrowOnError().Output
            .ToDictionary(o => Path.GetFileName(o.Properties["Path"].Value.ToString()!), o => o.Properties["Health"].Value.ToString()!);
        Assert.Equal("MissingLink", rows["unlinked.crt"]);
        Assert.Equal("Gap", rows["behind-gap.crt"]);
        Assert.Equal("WrongHash", rows["wrong.crt"]);
        Assert.Equal("DanglingLink", rows["deadbeef.0"]);

        // Install fills the gap at .0; Uninstall of the other twin closes whatever gap it leaves.
        ps.Run("Install-DockerRegistryTrust -Path ca-a.crt -Target Mesos -Root root").ThrowOnError();
        Assert.Equal(0, Verify(mesos, dir["leaf-a.crt"]).Code);
        Assert.Equal(0, Verify(mesos, dir["leaf-b.crt"]).Code);
        ps.Run("Import-DcosCertificate -Path ca-b.crt | Uninstall-DockerRegistryTrust -Target Mesos -Root root").ThrowOnError();
        Assert.Equal(0, Verify(mesos, dir["leaf-a.crt"]).Code);
        Assert.NotEqual(0, Verify(mesos, dir["leaf-b.crt"]).Code);
        Assert.True(File.Exists(Path.Combine(mesos, hashAb + ".0")));
        Assert.False(File.Exists(Path.Combine(mesos, hashAb + ".1")) || new FileInfo(Path.Combine(mesos, hashAb + ".1")).LinkTarget != null);
        var after = ps.Run("Get-DockerRegistryTrust -Target Mesos -Root root").ThrowOnError().Output
            .Select(o => o.Properties["Health"].Value.ToString()).ToList();
        Assert.DoesNotContain("Gap", after);
    }

    [Fact]
    public void WhatIf_writes_nothing()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        MakeTwins(ps);
        Directory.CreateDirectory(dir["root"]);
        var result = ps.Run("Install-DockerRegistryTrust -Registry repo.internal:5000 -Path ca-a.crt -Target Docker, Mesos, Containers -Root root -WhatIf")
            .ThrowOnError();
        Assert.Empty(result.Output);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir["root"]));
    }
}
