using DcosTls.Common;
using DcosTls.Files;

namespace DcosTls.Trust;

/// <summary>
/// A certs.d tree: one folder per registry, named exactly as the registry is written in image
/// references, holding CA roots as PEM *.crt files, one certificate per file. Docker and
/// containers/image read it on every pull, so nothing needs a restart.
/// </summary>
internal abstract class CertsDirectoryStore : TrustStore
{
    protected CertsDirectoryStore(StagedFileWriter writer, Action<string> warn) : base(writer, warn) { }

    /// <summary>The agent path of the certs.d root.</summary>
    internal abstract string BasePath { get; }

    internal override bool IsPerRegistry => true;

    internal string RegistryDirectory(RegistryName registry) => BasePath + "/" + registry.Value;

    internal override IEnumerable<RegistryTrustResult> Install(RegistryName? registry, TrustCertificate certificate)
    {
        var reg = registry ?? throw new InvalidOperationException("A certs.d store needs a registry.");
        string agentDir = RegistryDirectory(reg);
        string fullDir = Writer.Map(agentDir);
        foreach (string existing in CrtFiles(fullDir))
        {
            if (Holds(existing, certificate))
            {
                yield return Result(reg, existing, FileAction.Unchanged, certificate);
                yield break;
            }
        }
        WarnAboutUnpairedClientFiles(fullDir);
        string name = FreeFileName(fullDir, certificate, ".crt");
        var action = Writer.WriteText(agentDir + "/" + name, certificate.Pem, StagedFileWriter.PublicFile, overwrite: false,
            directoryMode: StagedFileWriter.PublicDirectory);
        yield return Result(reg, Path.Combine(fullDir, name), action, certificate);
    }

    internal override IEnumerable<RegistryTrustResult> Uninstall(IReadOnlyCollection<RegistryName>? registries, TrustCertificate certificate)
    {
        if (registries != null) return registries.SelectMany(r => UninstallFrom(r, certificate));
        // No registry: every registry folder that holds the certificate.
        string fullBase = Writer.Map(BasePath);
        if (!Directory.Exists(fullBase)) return Enumerable.Empty<RegistryTrustResult>();
        return Directory.EnumerateDirectories(fullBase).Select(Path.GetFileName).OfType<string>()
            .Select(TryParse).OfType<RegistryName>().OrderBy(r => r.Value, StringComparer.Ordinal).ToList()
            .SelectMany(r => UninstallFrom(r, certificate));
    }

    private static RegistryName? TryParse(string folder)
    {
        try { return RegistryName.Parse(folder); }
        catch (RegistryNameException) { return null; }
    }

    private IEnumerable<RegistryTrustResult> UninstallFrom(RegistryName reg, TrustCertificate certificate)
    {
        string agentDir = RegistryDirectory(reg);
        string fullDir = Writer.Map(agentDir);
        foreach (string existing in CrtFiles(fullDir))
        {
            if (HoldsOnly(existing, certificate))
            {
                yield return Result(reg, existing, Writer.Delete(agentDir + "/" + Path.GetFileName(existing)), certificate);
            }
            else if (Holds(existing, certificate))
            {
                Warn($"'{existing}' holds this CA together with other certificates; it was left as it is. Split the bundle, one certificate per file.");
            }
        }
    }

    internal override IEnumerable<InstalledRegistryTrust> List(RegistryName? registry)
    {
        string fullBase = Writer.Map(BasePath);
        if (!Directory.Exists(fullBase)) yield break;
        IEnumerable<string> dirs = registry == null
            ? Directory.EnumerateDirectories(fullBase).OrderBy(d => d, StringComparer.Ordinal)
            : new[] { Path.Combine(fullBase, registry.Value) };
        foreach (string dir in dirs)
        {
            string name = Path.GetFileName(dir);
            // A registry folder linked out of the root (to the host's /etc/ssl/certs, say) is not the root's.
            var outside = LeavesRoot(dir);
            if (outside != null)
            {
                yield return new InstalledRegistryTrust { Target = Target.ToString(), Registry = name, Path = dir, Health = "OutsideRoot", ReadError = outside };
                continue;
            }
            foreach (string file in CrtFiles(dir))
            {
                var read = CertificateInput.ReadInstalledFile(file, Writer.Paths);
                if (read.Health != null || !read.IsPem)
                {
                    yield return new InstalledRegistryTrust { Target = Target.ToString(), Registry = name, Path = file, Health = read.Health ?? "NotPem", ReadError = read.Refused };
                    continue;
                }
                foreach (var cert in read.Certificates) yield return Describe(Target, name, file, cert);
            }
        }
    }

    /// <summary>Why a folder under the root is not read (it leads out of the root), or null.</summary>
    private Files.InstalledFileException? LeavesRoot(string fullDir)
    {
        try
        {
            Writer.Paths.CheckRead(fullDir);
            return null;
        }
        catch (Files.PathOutsideRootException e)
        {
            return new Files.InstalledFileException(Files.PathOutsideRootException.ErrorId, ErrorCategory.InvalidArgument, e.Message, fullDir, health: "OutsideRoot");
        }
    }

    internal override IReadOnlyList<X509Certificate2> Anchors(RegistryName registry)
        => CrtFiles(Writer.Map(RegistryDirectory(registry)))
            .Select(f => CertificateInput.ReadInstalledFile(f, Writer.Paths))
            .Where(r => r.IsPem)
            .SelectMany(r => r.Certificates).ToList();

    /// <summary>
    /// Every entry named *.crt, folders and special files included: the readers refuse those, and the
    /// listing shows them instead of passing over them in silence.
    /// </summary>
    private static IEnumerable<string> CrtFiles(string fullDir)
        => Directory.Exists(fullDir)
            ? Directory.EnumerateFileSystemEntries(fullDir, "*.crt").Where(f => f.EndsWith(".crt", StringComparison.Ordinal)).OrderBy(f => f, StringComparer.Ordinal)
            : Enumerable.Empty<string>();

    /// <summary>A .key without its .cert (or the reverse) breaks every pull from the registry; say so.</summary>
    private void WarnAboutUnpairedClientFiles(string fullDir)
    {
        if (!Directory.Exists(fullDir)) return;
        foreach (string key in Directory.EnumerateFiles(fullDir, "*.key"))
        {
            if (!File.Exists(Path.ChangeExtension(key, ".cert")))
                Warn($"'{key}' has no matching .cert: Docker and skopeo refuse every pull from this registry until it is removed or paired.");
        }
        foreach (string cert in Directory.EnumerateFiles(fullDir, "*.cert"))
        {
            if (!File.Exists(Path.ChangeExtension(cert, ".key")))
                Warn($"'{cert}' has no matching .key: Docker refuses every pull from this registry. CA certificates must end in .crt.");
        }
    }
}

/// <summary>/etc/docker/certs.d (Docker Engine, also read by containers/image as a fallback).</summary>
internal sealed class DockerCertsStore : CertsDirectoryStore
{
    internal DockerCertsStore(StagedFileWriter writer, Action<string> warn) : base(writer, warn) { }
    internal override TrustTarget Target => TrustTarget.Docker;
    internal const string Folder = "/etc/docker/certs.d";
    internal override string BasePath => Folder;
}

/// <summary>/etc/containers/certs.d (podman, skopeo, buildah, CRI-O); when it has the registry's folder it shadows Docker's.</summary>
internal sealed class ContainersCertsStore : CertsDirectoryStore
{
    internal ContainersCertsStore(StagedFileWriter writer, Action<string> warn) : base(writer, warn) { }
    internal override TrustTarget Target => TrustTarget.Containers;
    internal const string Folder = "/etc/containers/certs.d";
    internal override string BasePath => Folder;
}
