using System.Formats.Tar;
using System.IO.Compression;

namespace DcosTls.Credentials;

/// <summary>
/// Reads the docker config back out of an existing docker.tar.gz, so that New-DockerAuthArchive
/// can keep the registries already in it (as Set-MesosDockerConfig keeps those in the agent's
/// credentials file).
/// </summary>
internal static class DockerAuthArchiveReader
{
    /// <summary>Larger than any credentials file; a bigger entry is not ours.</summary>
    private const int MaxConfigBytes = 1024 * 1024;

    /// <exception cref="DockerConfigException">the file is not a gzip tar holding .docker/config.json.</exception>
    internal static DockerConfigDocument Read(string file, string shownPath)
    {
        string remedy = "Give another -Path, or use -Replace to write a new archive with only the given credentials. Nothing was written.";
        try
        {
            using var stream = File.OpenRead(file);
            using var gzip = new GZipStream(stream, CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            for (TarEntry? entry = tar.GetNextEntry(); entry != null; entry = tar.GetNextEntry())
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
                if (entry.Name.TrimStart('.', '/') != "docker/config.json" || entry.DataStream == null) continue;
                if (entry.Length > MaxConfigBytes) break;
                using var reader = new StreamReader(entry.DataStream, new UTF8Encoding(false));
                return DockerConfigDocument.Parse(reader.ReadToEnd(), shownPath + ":.docker/config.json", remedy);
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException or IOException)
        {
            // Not a gzip tar at all: said below, without the reader's message (it may quote content).
        }
        throw new DockerConfigException("ArchiveUnreadable", ErrorCategory.InvalidData,
            $"'{shownPath}' exists but is not a credentials archive holding .docker/config.json. {remedy}") { TargetObject = shownPath };
    }
}
