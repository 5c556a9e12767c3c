using DcosTls.Tests.Infrastructure;
using Xunit;

namespace DcosTls.Tests.Trust;

/// <summary>The Mesos hashed folder is shared by all registries: Uninstall for one keeps the CA the others use.</summary>
public class SharedMesosUninstallTests
{
    [Fact]
    public void Uninstall_for_one_registry_keeps_the_shared_mesos_copy_while_another_registry_uses_it()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path).Set("root", dir["root"]);
        ps.Run("$ca = New-TlsCertificateAuthority -CommonName 'Shared CA' -KeyAlgorithm ECDSA; $null = $ca | Install-DockerRegistryTrust -Registry a.internal:5000, b.internal:5000 -Root $root").ThrowOnError();
        string mesos = dir["root/var/lib/dcos/pki/tls/certs"];
        int before = Directory.GetFileSystemEntries(mesos).Length;

        var r = ps.Run("$ca | Uninstall-DockerRegistryTrust -Registry a.internal:5000 -Root $root | ForEach-Object { $_.Target + '|' + $_.Action }").ThrowOnError();
        Assert.Equal(new[] { "Docker|Removed" }, r.Output.Select(o => o.ToString()));
        Assert.Contains(r.Warnings, w => w.Contains("b.internal:5000"));
        Assert.Equal(before, Directory.GetFileSystemEntries(mesos).Length);
        Assert.False(Directory.Exists(dir["root/etc/docker/certs.d/a.internal:5000"]) && Directory.GetFiles(dir["root/etc/docker/certs.d/a.internal:5000"]).Length > 0);

        // The last registry goes: now the Mesos copy and its link go too.
        r = ps.Run("$ca | Uninstall-DockerRegistryTrust -Registry b.internal:5000 -Root $root | ForEach-Object { $_.Target + '|' + $_.Action }").ThrowOnError();
        Assert.Equal(new[] { "Docker|Removed", "Mesos|Removed", "Mesos|Removed" }, r.Output.Select(o => o.ToString()));
        Assert.Empty(Directory.GetFileSystemEntries(mesos));
    }
}
