using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DcosTls.Tests.Infrastructure;
using Xunit;

namespace DcosTls.Tests.Lifecycle;

/// <summary>
/// Through Update-DockerDaemonCertificate: an issuer that is not valid yet is
/// refused like an expired one, and a pair whose "current" link names no folder is "nothing to
/// renew" (RenewalCertificateMissing), not a raw .NET exception.
/// </summary>
public class RenewalEdgeTests
{
    private static Pwsh DaemonRoot(TempDir dir)
    {
        var ps = new Pwsh(dir.Path);
        ps.Run(@"$ca = New-TlsCertificateAuthority -CommonName 'Renewal CA' -KeyAlgorithm ECDSA
                 $server = New-DcosCertificate -Issuer $ca -CommonName agent1.internal -DnsName agent1.internal -KeyAlgorithm ECDSA -ValidDays 5
                 Set-DockerDaemonTls -Root root -CaCertificate $ca -Certificate $server").ThrowOnError();
        return ps;
    }

    [Fact]
    public void An_issuer_that_is_not_valid_yet_is_refused_and_the_pair_is_kept()
    {
        using var dir = new TempDir();
        using var ps = DaemonRoot(dir);
        // A CA whose validity starts in two days: what it signs fails 'openssl verify' until then.
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            var request = new CertificateRequest("CN=Future CA", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(2), DateTimeOffset.UtcNow.AddDays(400));
            File.WriteAllText(dir["future.crt"], ca.ExportCertificatePem() + "\n");
            File.WriteAllText(dir["future.key"], key.ExportPkcs8PrivateKeyPem() + "\n");
        }
        string before = File.ReadAllText(dir["root/etc/docker/tls/server-cert.pem"]);

        var result = ps.Run("$future = Import-DcosCertificate -Path future.crt -KeyPath future.key; Update-DockerDaemonCertificate -Root root -Issuer $future -Force -PassThru");

        Assert.Empty(result.Output);
        var error = Assert.Single(result.AllErrors);
        Assert.StartsWith("InvalidIssuer,Issuer,", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains("'Future CA'", error.Exception.Message);
        Assert.Contains("not valid before", error.Exception.Message);
        Assert.Equal(before, File.ReadAllText(dir["root/etc/docker/tls/server-cert.pem"]));
    }

    [Fact]
    public void A_current_link_that_names_no_folder_is_nothing_to_renew()
    {
        using var dir = new TempDir();
        using var ps = DaemonRoot(dir);
        string current = dir["root/etc/docker/tls/server.d/current"];
        Directory.Delete(Path.Combine(Path.GetDirectoryName(current)!, new FileInfo(current).LinkTarget!), recursive: true);

        var result = ps.Run("Update-DockerDaemonCertificate -Root root -Issuer $ca -Force");

        var error = Assert.Single(result.AllErrors);
        Assert.StartsWith("RenewalCertificateMissing,", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Contains("Set-DockerDaemonTls", error.Exception.Message);
    }
}
