using System.Collections.Concurrent;
using System.IO.Compression;

namespace DcosTls.Fleet;

/// <summary>
/// The files of the loaded DcosTls, as an agent needs them to import it: the manifest, the
/// assemblies, the format and type files and the compiled help, each with its SHA-256, relative to
/// the module's folder. Files travel Brotli-compressed: remoting sends a large argument in
/// fragments of about 32 KB and waits for each to be acknowledged, so on a distant agent the copy
/// takes one round trip per fragment and half the bytes is half the time. Where the agent is reached
/// by host name the compressed files go as one staged stream over ssh instead (ModuleCopy).
/// </summary>
internal sealed class ModulePayload
{
    private ModulePayload(string name, string version, IReadOnlyDictionary<string, string> hashes, string moduleBase)
    {
        Name = name;
        Version = version;
        Hashes = hashes;
        ModuleBase = moduleBase;
    }

    internal string Name { get; }
    internal string Version { get; }
    internal string ModuleBase { get; }

    /// <summary>Relative path (with /) → SHA-256 hex, lower case.</summary>
    internal IReadOnlyDictionary<string, string> Hashes { get; }

    internal static ModulePayload FromModule(string name, string version, string moduleBase)
    {
        var hashes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        void Add(string full)
        {
            using var stream = File.OpenRead(full);
            hashes[Path.GetRelativePath(moduleBase, full).Replace('\\', '/')] = Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
        }
        foreach (var manifest in Directory.GetFiles(moduleBase, name + ".psd1")) Add(manifest);
        foreach (var (folder, pattern) in new[] { ("module/bin", "*.dll"), ("module/bin/Dependencies", "*.dll"), ("module", "*.ps1xml"), ("en-US", "*.xml"), ("en-US", "*.txt") })
        {
            string dir = Path.Combine(moduleBase, folder);
            if (Directory.Exists(dir))
                foreach (var file in Directory.GetFiles(dir, pattern)) Add(file);
        }
        return new ModulePayload(name, version, hashes, moduleBase);
    }

    private readonly ConcurrentDictionary<string, Lazy<byte[]>> _compressed = new(StringComparer.Ordinal);

    /// <summary>
    /// A file's bytes, Brotli-compressed once however many agents need it. The names come back from
    /// the agent (the files it lacks, the files that arrived damaged): only a file of this module is
    /// read, so an agent that answers with another path (a key of the operator's) gets nothing.
    /// </summary>
    internal byte[] ReadCompressed(string relative)
    {
        if (!Hashes.ContainsKey(relative))
            throw new InvalidOperationException($"The agent asked for '{relative}', which is not a file of module {Name} {Version}; nothing was sent. Check the agent's copy of the module under its module folder.");
        return ReadCompressedFile(relative);
    }

    private byte[] ReadCompressedFile(string relative)
        => _compressed.GetOrAdd(relative, r => new Lazy<byte[]>(() => Compress(File.ReadAllBytes(Path.Combine(ModuleBase, r))))).Value;

    /// <summary>
    /// The compressed files one after another, as one stream to stage on an agent, and where each
    /// lies in it: relative path → { offset, length }.
    /// </summary>
    internal (byte[] Stage, System.Collections.Hashtable Index) Stage(IEnumerable<string> relatives)
    {
        var index = new System.Collections.Hashtable(StringComparer.Ordinal);
        using var stage = new MemoryStream();
        foreach (var relative in relatives)
        {
            byte[] packed = ReadCompressed(relative);
            index[relative] = new[] { stage.Length, packed.LongLength };
            stage.Write(packed);
        }
        return (stage.ToArray(), index);
    }

    private static byte[] Compress(byte[] content)
    {
        using var buffer = new MemoryStream();
        using (var brotli = new BrotliStream(buffer, CompressionLevel.Optimal, leaveOpen: true)) brotli.Write(content);
        return buffer.ToArray();
    }
}
