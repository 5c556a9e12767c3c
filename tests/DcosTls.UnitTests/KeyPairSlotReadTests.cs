using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DcosTls.Files;
using DcosTls.Lifecycle;
using Xunit;

namespace DcosTls.UnitTests;

/// <summary>
/// A renewal that reads the pair while Set-DockerDaemonTls (or another renewal)
/// switches "current" must read the certificate and the key of one pair. Both fixed names go through
/// the same link, so reading them one after the other can give one from each folder; the link is
/// resolved once and both files read from the folder it named.
/// </summary>
public sealed class KeyPairSlotReadTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dcostls-slot-").FullName;

    private static (byte[] Certificate, byte[] Key, string Thumbprint) Pair(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(5));
        return (System.Text.Encoding.ASCII.GetBytes(certificate.ExportCertificatePem() + "\n"),
            System.Text.Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem() + "\n"), certificate.Thumbprint);
    }

    [Fact]
    public async Task Plan_reads_the_certificate_and_the_key_of_one_pair_while_current_switches()
    {
        var writer = new StagedFileWriter(_root, (_, _) => true);
        var slot = KeyPairSlot.Daemon(writer, "/etc/docker/tls");
        var a = Pair("agent-a");
        var b = Pair("agent-b");
        slot.Put(a.Certificate, a.Key, a.Thumbprint);
        string versionA = slot.CurrentVersion!;
        slot.Install(b.Certificate, b.Key, b.Thumbprint, a.Thumbprint);
        string versionB = slot.CurrentVersion!;
        string current = writer.Map("/etc/docker/tls/server.d/current");

        // Switches "current" between the two folders as fast as it can, as a concurrent install does.
        using var stop = new CancellationTokenSource();
        var switcher = Task.Run(() =>
        {
            for (int n = 0; !stop.IsCancellationRequested; n++)
            {
                string temp = current + "." + n + ".tmp";
                File.CreateSymbolicLink(temp, n % 2 == 0 ? versionA : versionB);
                StagedFileWriter.RenameEntry(temp, current);
            }
        });
        var mixed = new List<string>();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        int plans = 0;
        try
        {
            while (watch.Elapsed < TimeSpan.FromSeconds(5) && mixed.Count == 0)
            {
                plans++;
                try
                {
                    var plan = CertificateRenewer.Plan(writer, slot, "DaemonServer", renewWithin: 30, force: true);
                    Assert.Contains(plan.Current.Thumbprint, new[] { a.Thumbprint, b.Thumbprint });
                }
                catch (RenewalException e)
                {
                    mixed.Add($"{e.ErrorId}: {e.Message}");
                }
            }
        }
        finally
        {
            stop.Cancel();
            await switcher;
        }
        Assert.True(mixed.Count == 0, $"Plan {plans} read a certificate and a key of different pairs: {string.Join("; ", mixed)}");
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
