using System.Text;
using DcosTls.Files;
using DcosTls.Lifecycle;
using Xunit;

namespace DcosTls.UnitTests;

/// <summary>
/// A slot of any files written together (a HAProxy pem and its renewal description, a .crt, .key and
/// description): converted from plain files with the same bytes behind every name, switched in one
/// step, a companion the new folder does not hold removed, and its versions folder never taken for
/// descriptions of their own.
/// </summary>
public sealed class KeyPairSlotCompanionTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dcostls-companion-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static byte[] Text(string s) => Encoding.ASCII.GetBytes(s);

    [Fact]
    public void A_single_file_slot_converts_plain_files_and_switches_the_pem_and_its_description_together()
    {
        var writer = new StagedFileWriter(_root, (_, _) => true);
        string folder = Path.Combine(_root, "certs");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "registry.pem"), Text("old pem"));
        File.WriteAllBytes(Path.Combine(folder, "registry.pem.renewal.json"), Text("old description"));
        var slot = KeyPairSlot.ForFiles(writer, "/certs", "registry.pem", keyName: null, "registry.pem.renewal.json");
        Assert.False(slot.HasKeyFile);

        string version = slot.Install(new[]
        {
            new SlotFile("registry.pem", Text("new pem"), StagedFileWriter.PrivateFile),
            new SlotFile("registry.pem.renewal.json", Text("new description"), StagedFileWriter.PublicFile),
        }, "AABBCCDDEEFF", "0011223344");

        Assert.Equal("new pem", File.ReadAllText(Path.Combine(folder, "registry.pem")));
        Assert.Equal("new description", File.ReadAllText(Path.Combine(folder, "registry.pem.renewal.json")));
        Assert.Equal("registry.pem.d/current/registry.pem", new FileInfo(Path.Combine(folder, "registry.pem")).LinkTarget);
        Assert.Equal(version, slot.CurrentVersion);
        // The plain files were kept as the previous version, bytes and all.
        var previous = Directory.GetDirectories(Path.Combine(folder, "registry.pem.d")).Single(d => d.EndsWith("-installed", StringComparison.Ordinal));
        Assert.Equal("old description", File.ReadAllText(Path.Combine(previous, "registry.pem.renewal.json")));
        var paths = slot.ReadPaths(new[] { "registry.pem", "registry.pem.renewal.json" });
        Assert.All(paths, p => Assert.Contains("/registry.pem.d/" + version + "/", p));
    }

    [Fact]
    public void A_companion_the_new_version_does_not_hold_is_removed_rather_than_left_naming_nothing()
    {
        var writer = new StagedFileWriter(_root, (_, _) => true);
        var slot = KeyPairSlot.Daemon(writer, "/etc/docker/tls", "server-cert.pem.renewal.json");
        slot.Put(Text("cert a"), Text("key a"), "AAAAAAAAAA", new SlotFile("server-cert.pem.renewal.json", Text("describes a"), StagedFileWriter.PublicFile));
        string description = writer.Map("/etc/docker/tls/server-cert.pem.renewal.json");
        Assert.Equal("describes a", File.ReadAllText(description));
        slot.Install(Text("cert b"), Text("key b"), "BBBBBBBBBB", "AAAAAAAAAA");
        Assert.Null(StagedFileWriter.Entry(description));
        Assert.Equal("cert b", File.ReadAllText(writer.Map("/etc/docker/tls/server-cert.pem")));
    }

    [Fact]
    public void A_pair_whose_versions_folder_was_removed_by_hand_is_put_again()
    {
        var writer = new StagedFileWriter(_root, (_, _) => true);
        var slot = KeyPairSlot.Daemon(writer, "/etc/docker/tls", "server-cert.pem.renewal.json");
        var description = new SlotFile("server-cert.pem.renewal.json", Text("describes a"), StagedFileWriter.PublicFile);
        slot.Put(Text("cert a"), Text("key a"), "AAAAAAAAAA", description);
        Assert.False(StagedFileWriter.NamesNothing(writer.Map("/etc/docker/tls/server.d/current")));
        Directory.Delete(writer.Map("/etc/docker/tls/server.d"), recursive: true);
        string cert = writer.Map("/etc/docker/tls/server-cert.pem");
        Assert.True(File.Exists(cert) && StagedFileWriter.NamesNothing(cert));

        Assert.Equal(FileAction.Updated, slot.Put(Text("cert a"), Text("key a"), "AAAAAAAAAA", description));
        Assert.Equal("cert a", File.ReadAllText(cert));
        Assert.Equal("describes a", File.ReadAllText(writer.Map("/etc/docker/tls/server-cert.pem.renewal.json")));
        Assert.Equal(FileAction.Unchanged, slot.Put(Text("cert a"), Text("key a"), "AAAAAAAAAA", description));
    }

    [Fact]
    public void The_description_search_passes_over_versions_folders_and_their_leftovers()
    {
        var writer = new StagedFileWriter(_root, (_, _) => true);
        var slot = KeyPairSlot.ForFiles(writer, "/certs/a", "a.crt", "a.key", "a.crt.renewal.json");
        slot.Put(Text("cert"), Text("key"), "AAAAAAAAAA", new SlotFile("a.crt.renewal.json", Text("{}"), StagedFileWriter.PublicFile));
        Directory.CreateDirectory(Path.Combine(_root, "certs/b/b.crt.d/.20261206T000000000Z-AAAA.1234.tmp"));
        File.WriteAllText(Path.Combine(_root, "certs/b/b.crt.d/.20261206T000000000Z-AAAA.1234.tmp/b.crt.renewal.json"), "{}");
        File.WriteAllText(Path.Combine(_root, "certs/b/b.crt.renewal.json"), "{}");
        var found = DescribedRenewal.FindUnder(Path.Combine(_root, "certs")).Select(p => Path.GetRelativePath(_root, p)).OrderBy(p => p).ToList();
        Assert.Equal(new[] { "certs/a/a.crt.renewal.json", "certs/b/b.crt.renewal.json" }, found);
    }
}
