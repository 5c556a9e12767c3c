using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DcosTls.Common;
using DcosTls.Files;
using DcosTls.Lifecycle;
using Xunit;

namespace DcosTls.UnitTests;

/// <summary>
/// An odd entry where the inventory reads certificates (a FIFO, a link to
/// /dev/zero, a link out of the staging root, an empty file, a folder named like a certificate, a
/// file far too large) is a row saying what it is, never read, and the rest of the inventory goes
/// on. Each folder the inventory reads gets every kind of entry. A hang fails after 30 s instead of
/// hanging the run.
/// </summary>
public sealed class InventoryOddEntryTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private readonly string _temp = Directory.CreateTempSubdirectory("dcostls-odd-").FullName;
    private readonly List<string> _fifos = new();

    private string Root => Path.Combine(_temp, "root");
    private string ClientFolder => Path.Combine(_temp, "client");

    /// <summary>A certificate outside the root: a staging root must never list it.</summary>
    private string OutsideFile => Path.Combine(_temp, "outside", "host-ca.crt");
    private const string OutsideSubject = "CN=Host CA outside the root";

    public enum Folder { DockerCertsD, ContainersCertsD, Mesos, System, Daemon, Client }
    public enum Odd { Fifo, LinkToDevZero, LinkOutOfRoot, Empty, Directory, TooLarge }

    public static TheoryData<Folder, Odd> Cases()
    {
        var data = new TheoryData<Folder, Odd>();
        foreach (var folder in Enum.GetValues<Folder>())
            foreach (var odd in Enum.GetValues<Odd>())
                // A client folder is the user's own DOCKER_CERT_PATH, read as given and not under
                // -Root, so a link out of the root is not odd there.
                if (!(folder == Folder.Client && odd == Odd.LinkOutOfRoot)) data.Add(folder, odd);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void An_odd_entry_is_a_row_saying_what_it_is_and_the_rest_of_the_inventory_goes_on(Folder folder, Odd odd)
    {
        var (good, entry) = Layout(folder, odd);
        WriteCertificate(good, "CN=Good CA");
        MakeOdd(entry, odd, relativeLink: folder == Folder.Mesos);

        var result = ReadWithin(Limit);

        // The good certificate beside the odd entry is still listed.
        Assert.Contains(result.Certificates, r => r.Subject == "CN=Good CA");
        Assert.DoesNotContain(result.Certificates, r => r.Subject == OutsideSubject);
        var row = Assert.Single(result.Certificates, r => r.Path == entry);
        string health = Expected(folder, odd);
        Assert.Equal(health, row.Health);
        Assert.Null(row.NotAfter);
        string? id = health switch { "OutsideRoot" => "PathOutsideRoot", "NotRegularFile" => "FileNotRegular", "TooLarge" => "FileTooLarge", _ => null };
        if (id == null)
        {
            Assert.Empty(result.Problems);
            return;
        }
        // Not read, so the inventory is incomplete: a problem with a stable id that names the entry.
        var problem = Assert.Single(result.Problems);
        Assert.Equal(id, problem.ErrorId);
        Assert.Contains(entry, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_registry_folder_linked_out_of_the_root_is_not_listed_as_the_roots()
    {
        // The campaign's case: certs.d/<registry> linking to the host's /etc/ssl/certs.
        WriteCertificate(Path.Combine(Root, "etc/docker/certs.d/good.example:5000/ca.crt"), "CN=Good CA");
        WriteCertificate(OutsideFile, OutsideSubject);
        string linked = Path.Combine(Root, "etc/docker/certs.d/host.example");
        File.CreateSymbolicLink(linked, Path.GetDirectoryName(OutsideFile)!);
        // The same through a sub-folder of the system anchors (read recursively).
        WriteOsRelease();
        WriteCertificate(Path.Combine(Root, "usr/local/share/ca-certificates/local.crt"), "CN=Local CA");
        string anchors = Path.Combine(Root, "usr/local/share/ca-certificates/host");
        File.CreateSymbolicLink(anchors, Path.GetDirectoryName(OutsideFile)!);

        var result = ReadWithin(Limit);

        Assert.Contains(result.Certificates, r => r.Subject == "CN=Good CA");
        Assert.Contains(result.Certificates, r => r.Subject == "CN=Local CA");
        Assert.DoesNotContain(result.Certificates, r => r.Subject == OutsideSubject);
        var row = Assert.Single(result.Certificates, r => r.Registry == "host.example");
        Assert.Equal("OutsideRoot", row.Health);
        Assert.Equal("OutsideRoot", Assert.Single(result.Certificates, r => r.Path == anchors).Health);
        Assert.Equal(new[] { "PathOutsideRoot", "PathOutsideRoot" }, result.Problems.Select(p => p.ErrorId));
    }

    [Fact]
    public void A_daemon_json_that_is_a_fifo_is_a_problem_and_the_trust_stores_are_still_listed()
    {
        WriteCertificate(Path.Combine(Root, "etc/docker/certs.d/good.example:5000/ca.crt"), "CN=Good CA");
        MakeOdd(Path.Combine(Root, "etc/docker/daemon.json"), Odd.Fifo, relativeLink: false);

        var result = ReadWithin(Limit);

        Assert.Contains(result.Certificates, r => r.Subject == "CN=Good CA");
        var problem = Assert.Single(result.Problems);
        Assert.Equal("FileNotRegular", problem.ErrorId);
        Assert.Contains("FIFO", problem.Message, StringComparison.Ordinal);
    }

    /// <summary>The good certificate and the odd entry, in the folder under test.</summary>
    private (string Good, string Entry) Layout(Folder folder, Odd odd)
    {
        bool link = odd is Odd.LinkToDevZero or Odd.LinkOutOfRoot;
        switch (folder)
        {
            case Folder.DockerCertsD:
            case Folder.ContainersCertsD:
                string certsD = Path.Combine(Root, folder == Folder.DockerCertsD ? "etc/docker/certs.d" : "etc/containers/certs.d", "repo.example:5000");
                return (Path.Combine(certsD, "a.crt"), Path.Combine(certsD, "b.crt"));
            case Folder.Mesos:
                // Mesos reads links only by their OpenSSL hash names.
                string mesos = Path.Combine(Root, "var/lib/dcos/pki/tls/certs");
                return (Path.Combine(mesos, "a.crt"), Path.Combine(mesos, link ? "0123abcd.0" : "b.crt"));
            case Folder.System:
                WriteOsRelease();
                string anchors = Path.Combine(Root, "usr/local/share/ca-certificates");
                return (Path.Combine(anchors, "a.crt"), Path.Combine(anchors, "b.crt"));
            case Folder.Daemon:
                string tls = Path.Combine(Root, "etc/docker/tls");
                Directory.CreateDirectory(Path.Combine(Root, "etc/docker"));
                File.WriteAllText(Path.Combine(Root, "etc/docker/daemon.json"),
                    "{\"tls\": true, \"tlscacert\": \"/etc/docker/tls/ca.pem\", \"tlscert\": \"/etc/docker/tls/server-cert.pem\"}");
                return (Path.Combine(tls, "ca.pem"), Path.Combine(tls, "server-cert.pem"));
            default:
                return (Path.Combine(ClientFolder, "ca.pem"), Path.Combine(ClientFolder, "cert.pem"));
        }
    }

    private static string Expected(Folder folder, Odd odd) => odd switch
    {
        Odd.Fifo or Odd.Directory => "NotRegularFile",
        // Under a staging root /dev/zero is outside it; a client folder has no root, so the type decides.
        Odd.LinkToDevZero => folder == Folder.Client ? "NotRegularFile" : "OutsideRoot",
        Odd.LinkOutOfRoot => "OutsideRoot",
        Odd.Empty => "Empty",
        _ => "TooLarge",
    };

    private void MakeOdd(string entry, Odd odd, bool relativeLink)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(entry)!);
        string LinkTo(string target) => relativeLink ? Path.GetRelativePath(Path.GetDirectoryName(entry)!, target) : target;
        switch (odd)
        {
            case Odd.Fifo:
                var made = ProcessRunner.Run("mkfifo", entry);
                Assert.True(made.Succeeded, made.Describe());
                _fifos.Add(entry);
                break;
            case Odd.LinkToDevZero:
                File.CreateSymbolicLink(entry, LinkTo("/dev/zero"));
                break;
            case Odd.LinkOutOfRoot:
                WriteCertificate(OutsideFile, OutsideSubject);
                File.CreateSymbolicLink(entry, LinkTo(OutsideFile));
                break;
            case Odd.Empty:
                File.WriteAllBytes(entry, Array.Empty<byte>());
                break;
            case Odd.Directory:
                Directory.CreateDirectory(entry);
                break;
            case Odd.TooLarge:
                // A real certificate first, then padding past the 1 MiB bound.
                WriteCertificate(entry, "CN=Huge");
                using (var stream = new FileStream(entry, FileMode.Append)) stream.Write(new byte[(1 << 20) + 1]);
                break;
        }
    }

    private InventoryResult ReadWithin(TimeSpan limit)
    {
        var writer = new StagedFileWriter(Root, (_, _) => true);
        var clients = Directory.Exists(ClientFolder) ? new[] { ClientFolder } : Array.Empty<string>();
        var read = Task.Run(() => CertificateInventory.Read(writer, clients, _ => { }));
        if (!read.Wait(limit))
        {
            // Let the reader stuck in open(2) on a FIFO go, so it does not outlive the test.
            foreach (string fifo in _fifos) _ = Task.Run(() => { using var w = new FileStream(fifo, FileMode.Open, FileAccess.Write); });
            Assert.Fail($"The inventory did not finish within {limit.TotalSeconds} s: it hung on an odd entry.");
        }
        return read.Result;
    }

    private void WriteOsRelease()
    {
        Directory.CreateDirectory(Path.Combine(Root, "etc"));
        File.WriteAllText(Path.Combine(Root, "etc/os-release"), "ID=debian\n");
    }

    private static void WriteCertificate(string path, string subject)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllText(path, certificate.ExportCertificatePem() + "\n");
    }

    public void Dispose()
    {
        try { Directory.Delete(_temp, recursive: true); } catch (IOException) { }
    }
}
