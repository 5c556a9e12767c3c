using DcosTls.Tests.Infrastructure;
using DcosTls.Tests.Peers;
using Xunit;

namespace DcosTls.Tests.DockerDaemon;

/// <summary>The self-signed registry certificate and registry.pem, served by a real docker-registry.</summary>
public class RegistryCertificateTests
{
    private const string SeedName = "mlbint.shared.marathon.mesos";

    [Fact]
    public void Self_signed_certificate_serves_a_registry_that_skopeo_trusts_through_certs_d()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        ps.Run($@"
            $registry = New-DcosCertificate -SelfSigned -CommonName {SeedName} -Country US -State Florida -Locality Miami -Organization IT `
                -DnsName {SeedName} -IPAddress 127.0.0.1 -KeyAlgorithm ECDSA
            $null = $registry | Export-DcosCertificate -Path domain.crt
            $null = $registry | Export-DcosCertificate -Path registry.pem -Format HaproxyPem").ThrowOnError();

        // A full subject, as operators give openssl req -subj.
        Assert.Equal($"subject=C = US, ST = Florida, L = Miami, O = IT, CN = {SeedName}", Tool.Openssl("x509", "-in", dir["domain.crt"], "-noout", "-subject").Trim());
        AssertHaproxyPem(dir["registry.pem"], certificates: 1);

        // registry.pem alone is both the certificate and the key, as marathon-lb uses it.
        using var registry = DockerRegistryFixture.Start(dir["registry"], dir["registry.pem"], dir["registry.pem"]);
        string url = $"https://127.0.0.1:{registry.Port}/v2/";
        var trusted = Tool.Run("curl", "-sS", "--cacert", dir["domain.crt"], url);
        Assert.True(trusted.ExitCode == 0, trusted.Err + registry.Log);
        Assert.Equal("{}", trusted.Out.Trim());
        Assert.Equal(60, Tool.Run("curl", "-sS", url).ExitCode); // 60: peer certificate cannot be authenticated

        // Docker skips TLS checks on 127.0.0.0/8, so skopeo proves the certs.d trust.
        string hostDir = dir[$"certs.d/127.0.0.1:{registry.Port}"];
        Directory.CreateDirectory(hostDir);
        File.Copy(dir["domain.crt"], Path.Combine(hostDir, "ca.crt"));
        OciImage.Write(dir["oci"], "1", "hello.txt", "registry\n");
        string image = $"docker://127.0.0.1:{registry.Port}/demo:1";
        var push = Tool.Run("skopeo", "copy", "--dest-cert-dir", hostDir, $"oci:{dir["oci"]}:1", image);
        Assert.True(push.ExitCode == 0, push.Err + registry.Log);
        var inspect = Tool.Run("skopeo", "inspect", "--cert-dir", hostDir, image);
        Assert.True(inspect.ExitCode == 0, inspect.Err);
        Assert.Contains("\"Name\": \"127.0.0.1:" + registry.Port + "/demo\"", inspect.Out);
        var untrusted = Tool.Run("skopeo", "inspect", "--cert-dir", dir["empty-certs"], image);
        Assert.NotEqual(0, untrusted.ExitCode);
        Assert.Contains("x509", untrusted.Err);

        // The seed's own layout: the registry by its name, trusted through the system certs.d
        // (/etc/docker/certs.d/<name>:<port>/ca.crt) with no --cert-dir. The name lives in a
        // private hosts file and the staged etc/docker is bind-mounted, in a mount namespace
        // of skopeo's own: nothing on this machine changes and no name goes to DNS.
        File.WriteAllText(dir["hosts"], $"127.0.0.1 localhost\n127.0.0.1 {SeedName}\n");
        string etcDocker = dir["etc-docker"];
        string named = Path.Combine(etcDocker, "certs.d", $"{SeedName}:{registry.Port}");
        Directory.CreateDirectory(named);
        File.Copy(dir["domain.crt"], Path.Combine(named, "ca.crt"));
        const string Isolated = "mount --bind \"$1\" /etc/hosts && mount --bind \"$2\" /etc/docker && exec skopeo inspect \"$3\"";
        string byName = $"docker://{SeedName}:{registry.Port}/demo:1";
        var system = Tool.Run("unshare", "-m", "--propagation", "private", "sh", "-c", Isolated, "sh", dir["hosts"], etcDocker, byName);
        Assert.True(system.ExitCode == 0, system.Err);
        Directory.Delete(named, recursive: true);
        var noTrust = Tool.Run("unshare", "-m", "--propagation", "private", "sh", "-c", Isolated, "sh", dir["hosts"], etcDocker, byName);
        Assert.NotEqual(0, noTrust.ExitCode);
        Assert.Contains("x509", noTrust.Err);
    }

    [Fact]
    public void HaproxyPem_holds_certificate_chain_and_key_in_that_order_and_is_private()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        var r = ps.Run(@"
            $ca = New-TlsCertificateAuthority -CommonName 'Registry CA' -KeyAlgorithm ECDSA
            $leaf = New-DcosCertificate -Issuer $ca -CommonName repo.internal -DnsName repo.internal -KeyAlgorithm ECDSA
            $null = $ca | Export-DcosCertificate -Path ca.crt -NoKey
            $null = $leaf | Export-DcosCertificate -Path combined.pem -Format HaproxyPem
            $leaf | Export-DcosCertificate -Path combined.pem -Format HaproxyPem -Verbose -PassThru | Where-Object Role -NE RenewalDescription | ForEach-Object { [System.IO.Path]::GetFileName($_.Path) }").ThrowOnError();
        Assert.Equal("combined.pem", r.Value);
        Assert.Contains(r.Verbose, v => v.StartsWith("Unchanged"));
        AssertHaproxyPem(dir["combined.pem"], certificates: 2);
        // The second certificate is the issuing CA: openssl verifies the leaf with it as the chain.
        Assert.Contains("OK", Tool.Openssl("verify", "-CAfile", dir["ca.crt"], "-untrusted", dir["combined.pem"], dir["combined.pem"]));

        var noKey = ps.Run("$null = $leaf | Export-DcosCertificate -Path leaf.crt -NoKey; " +
            "(Import-DcosCertificate -Path leaf.crt)[0] | Export-DcosCertificate -Path nokey.pem -Format HaproxyPem");
        Assert.Contains(noKey.AllErrors, e => e.FullyQualifiedErrorId.StartsWith("PrivateKeyMissing,"));
        Assert.False(File.Exists(dir["nokey.pem"]));
    }

    /// <summary>CERTIFICATE blocks first (leaf, then chain), the key last, mode 0600, key matching the leaf.</summary>
    private static void AssertHaproxyPem(string file, int certificates)
    {
        Assert.Equal("600", FileModes.Of(file));
        var labels = File.ReadAllLines(file).Where(l => l.StartsWith("-----BEGIN ")).ToList();
        Assert.Equal(Enumerable.Repeat("-----BEGIN CERTIFICATE-----", certificates).Append("-----BEGIN PRIVATE KEY-----"), labels);
        string certKey = Tool.Openssl("x509", "-in", file, "-noout", "-pubkey");
        string privKey = Tool.Openssl("pkey", "-in", file, "-pubout");
        Assert.Equal(certKey, privKey);
    }
}
