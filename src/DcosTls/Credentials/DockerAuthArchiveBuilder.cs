using System.Formats.Tar;
using System.IO.Compression;
using DcosTls.Files;

namespace DcosTls.Credentials;

/// <summary>
/// The Marathon docker.tar.gz: `.docker/` (0700) and `.docker/config.json` (0600) at the archive
/// root, owned by 0:0, with a fixed time, so the Mesos fetcher extracts it into the sandbox as
/// $MESOS_SANDBOX/.docker/config.json (HOME for `docker pull`). The same config gives the same
/// bytes: no clock, user or umask reaches the archive.
/// </summary>
internal static class DockerAuthArchiveBuilder
{
    /// <summary>2020-01-01T00:00:00Z: a fixed, plausible mtime (some tools warn about 1970).</summary>
    internal static readonly DateTimeOffset FixedTime = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    internal static byte[] Build(byte[] configJson)
    {
        using var output = new MemoryStream();
        // GZipStream writes no file name and a zero mtime in its header, so its bytes depend only on the input.
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Ustar, leaveOpen: true))
        {
            tar.WriteEntry(Entry(TarEntryType.Directory, ".docker/", DirectoryMode, null));
            tar.WriteEntry(Entry(TarEntryType.RegularFile, ".docker/config.json", FileMode, configJson));
        }
        return output.ToArray();
    }

    private static UstarTarEntry Entry(TarEntryType type, string name, UnixFileMode mode, byte[]? content)
    {
        var entry = new UstarTarEntry(type, name)
        {
            Mode = mode,
            Uid = 0,
            Gid = 0,
            UserName = "root",
            GroupName = "root",
            ModificationTime = FixedTime,
        };
        if (content != null) entry.DataStream = new MemoryStream(content, writable: false);
        return entry;
    }
}
