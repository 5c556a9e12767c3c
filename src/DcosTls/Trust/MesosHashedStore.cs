using DcosTls.Common;
using DcosTls.Files;

namespace DcosTls.Trust;

/// <summary>
/// The OpenSSL hashed folder the Mesos fetcher and UCR (libcurl) use: /var/lib/dcos/pki/tls/certs,
/// &lt;name&gt;.crt plus a relative link &lt;subject_hash&gt;.&lt;n&gt;. OpenSSL tries .0, .1, ... and stops at
/// the first name that does not stat, so links must have no gap and no dangling member. Install
/// looks only at &lt;hash&gt;.0, .1, ... of its own certificate's hash and reads only their targets, never
/// the whole folder: a folder with thousands of certificates costs a few stat calls and file reads.
/// </summary>
internal sealed class MesosHashedStore : TrustStore
{
    internal const string AgentDirectory = "/var/lib/dcos/pki/tls/certs";
    private static readonly Regex LinkName = new(@"^(?<hash>[0-9a-f]{8})\.(?<index>[0-9]+)$", RegexOptions.CultureInvariant);
    private static readonly string[] CertificateExtensions = { ".crt", ".pem", ".cer" };

    internal MesosHashedStore(StagedFileWriter writer, Action<string> warn) : base(writer, warn) { }

    internal override TrustTarget Target => TrustTarget.Mesos;

    private string FullDirectory => Writer.Map(AgentDirectory);

    internal override IEnumerable<RegistryTrustResult> Install(RegistryName? registry, TrustCertificate certificate)
    {
        string dir = FullDirectory;
        var links = ProbeChain(dir, certificate.SubjectHash);
        foreach (var (_, linkPath) in links)
        {
            string? target = Resolve(linkPath);
            if (target != null && File.Exists(target) && Holds(target, certificate))
            {
                yield return Result(registry, target, FileAction.Unchanged, certificate);
                if (target != linkPath) yield return Result(registry, linkPath, FileAction.Unchanged, certificate);
                yield break;
            }
        }
        WarnAboutBrokenChain(links, certificate.SubjectHash);

        // Public agents may lack the folder; it is created public (0755), like DC/OS's own.
        Writer.EnsureDirectory(AgentDirectory, StagedFileWriter.PublicDirectory);
        string name = FreeFileName(dir, certificate, ".crt");
        var fileAction = Writer.WriteText(AgentDirectory + "/" + name, certificate.Pem, StagedFileWriter.PublicFile, overwrite: false,
            directoryMode: StagedFileWriter.PublicDirectory);
        yield return Result(registry, Path.Combine(dir, name), fileAction, certificate);

        // The first free index: where OpenSSL's lookup stops today, so the new link is visible unless a
        // dangling link sits below it (warned about above; it is not ours to delete).
        string linkName = $"{certificate.SubjectHash}.{links.Count}";
        var linkAction = Writer.CreateRelativeSymlink(AgentDirectory + "/" + linkName, name);
        yield return Result(registry, Path.Combine(dir, linkName), linkAction, certificate);
    }

    internal override IEnumerable<RegistryTrustResult> Uninstall(IReadOnlyCollection<RegistryName>? registries, TrustCertificate certificate)
    {
        string dir = FullDirectory;
        if (!Directory.Exists(dir)) yield break;
        RegistryName? registry = null; // the results of a shared store name no registry
        // The Mesos folder is shared by every registry: uninstalling the CA for some registries must
        // not take it from the others that still trust it through their certs.d folders.
        if (registries != null)
        {
            var others = RegistriesStillTrusting(certificate, registries);
            if (others.Count > 0)
            {
                Warn($"'{certificate.CommonName}' stays in {AgentDirectory}: the registries {string.Join(", ", others)} still trust it. Uninstall it for them too, or run Uninstall-DockerRegistryTrust without -Registry.");
                yield break;
            }
        }
        // OpenSSL stops at the first <hash>.N that does not stat, so the links of this hash are never
        // deleted from the middle: the links that stay are copied downwards over the positions before
        // them (each copy a new link renamed over the old entry), then the surplus is removed from the
        // top, and only then the certificate files no link names any more. At every moment .0 up to
        // the last index are all present and lead to an existing file: every CA that stays is
        // reachable throughout, and the one removed is gone from the chain at the first replacement.
        var entries = HashEntries(dir, certificate.SubjectHash);
        var removedFiles = new HashSet<string>(StringComparer.Ordinal);
        var kept = new List<(int Index, string Path, string? LinkTarget)>();
        foreach (var (index, linkPath) in entries)
        {
            string? target = Resolve(linkPath);
            if (target == null || !File.Exists(target) || !HoldsOnly(target, certificate))
            {
                kept.Add((index, linkPath, new FileInfo(linkPath).LinkTarget));
                continue;
            }
            // Only files in this folder are ours to delete; a link to elsewhere loses just the link.
            if (target != linkPath && Path.GetDirectoryName(target) == dir) removedFiles.Add(target);
        }
        string own = Path.Combine(dir, certificate.FileStem + ".crt");
        if (File.Exists(own) && HoldsOnly(own, certificate)) removedFiles.Add(own);

        for (int i = 0; i < kept.Count; i++)
        {
            if (kept[i].Index == i) continue;
            string to = AgentDirectory + $"/{certificate.SubjectHash}.{i}";
            var action = kept[i].LinkTarget is { } linkTarget
                ? Writer.ReplaceWithSymlink(to, linkTarget)
                // A hash-named copy (not a link) is copied as a file, so its own name can go from the top.
                : Writer.WriteBytes(to, File.ReadAllBytes(kept[i].Path), StagedFileWriter.PublicFile);
            yield return Result(registry, Path.Combine(dir, $"{certificate.SubjectHash}.{i}"), action, certificate);
            // Declined (-Confirm): removing more would leave a link to a deleted file or a gap.
            if (action == FileAction.Skipped && !Writer.DryRun) yield break;
        }
        foreach (var (index, entryPath) in entries.Where(e => e.Index >= kept.Count).OrderByDescending(e => e.Index))
            yield return Result(registry, entryPath, Writer.Delete(AgentDirectory + "/" + Path.GetFileName(entryPath)), certificate);
        foreach (string file in removedFiles.Where(File.Exists).OrderBy(f => f, StringComparer.Ordinal))
            yield return Result(registry, file, Writer.Delete(AgentDirectory + "/" + Path.GetFileName(file)), certificate);
    }

    internal override IEnumerable<InstalledRegistryTrust> List(RegistryName? registry)
    {
        string dir = FullDirectory;
        if (!Directory.Exists(dir)) yield break;
        var entries = Directory.EnumerateFileSystemEntries(dir).Select(e => (Path: e, Name: Path.GetFileName(e))).ToList();
        var links = entries.Select(e => (e.Path, Match: LinkName.Match(e.Name)))
            .Where(e => e.Match.Success)
            .Select(e => (e.Path, Hash: e.Match.Groups["hash"].Value, Index: int.Parse(e.Match.Groups["index"].Value), Target: Resolve(e.Path)))
            .ToList();
        // Index by hash of the links OpenSSL can reach: .0 upwards until the first that does not stat.
        var reachable = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in links.GroupBy(l => l.Hash))
        {
            var byIndex = group.ToDictionary(l => l.Index);
            for (int k = 0; byIndex.TryGetValue(k, out var link) && link.Target != null && File.Exists(link.Target); k++) reachable.Add(link.Path);
        }
        var files = entries.Where(e => !LinkName.IsMatch(e.Name) && new FileInfo(e.Path).LinkTarget == null
                && CertificateExtensions.Any(x => e.Name.EndsWith(x, StringComparison.OrdinalIgnoreCase)))
            .Select(e => e.Path).ToList();
        // Link targets outside the folder (absolute links) and hash-named copies are certificates too.
        files.AddRange(links.Where(l => l.Target != null && File.Exists(l.Target)).Select(l => l.Target!));
        files = files.Distinct(StringComparer.Ordinal).OrderBy(f => f, StringComparer.Ordinal).ToList();
        var linksByTarget = links.Where(l => l.Target != null).ToLookup(l => l.Target!, StringComparer.Ordinal);

        foreach (string file in files)
        {
            var read = CertificateInput.ReadInstalledFile(file, Writer.Paths);
            var certs = read.Certificates;
            if (certs.Count == 0)
            {
                yield return new InstalledRegistryTrust { Target = Target.ToString(), Path = file, Health = read.Health ?? "NotPem", ReadError = read.Refused };
                continue;
            }
            var row = Describe(Target, null, file, certs[0]);
            var own = linksByTarget[file].OrderBy(l => l.Hash, StringComparer.Ordinal).ThenBy(l => l.Index).ToList();
            row.Links = new ValueList<string>(own.Select(l => Path.GetFileName(l.Path)), " ");
            var problems = new List<string>();
            if (certs.Count > 1) problems.Add("Bundle");
            if (own.Count == 0) problems.Add("MissingLink");
            else if (own.Any(l => l.Hash != row.SubjectHash)) problems.Add("WrongHash");
            else if (!own.Any(l => reachable.Contains(l.Path))) problems.Add("Gap");
            if (row.Health == "Expired") problems.Add("Expired");
            row.Health = problems.Count == 0 ? "OK" : string.Join(", ", problems);
            yield return row;
        }
        foreach (var dangling in links.Where(l => l.Target == null || !File.Exists(l.Target)).OrderBy(l => l.Path, StringComparer.Ordinal))
        {
            // A link out of the root is not followed, so it reads as dangling; say why.
            var outside = LeavesRoot(dangling.Path);
            yield return new InstalledRegistryTrust { Target = Target.ToString(), Path = dangling.Path, SubjectHash = dangling.Hash,
                Health = outside == null ? "DanglingLink" : "OutsideRoot", ReadError = outside,
                Links = new ValueList<string>(new[] { Path.GetFileName(dangling.Path) }, " ") };
        }
    }

    /// <summary>What OpenSSL would find: per hash, .0 upwards until the first name that does not stat.</summary>
    internal override IReadOnlyList<X509Certificate2> Anchors(RegistryName registry)
    {
        string dir = FullDirectory;
        if (!Directory.Exists(dir)) return Array.Empty<X509Certificate2>();
        var anchors = new List<X509Certificate2>();
        var hashes = Directory.EnumerateFileSystemEntries(dir).Select(e => LinkName.Match(Path.GetFileName(e)))
            .Where(m => m.Success).Select(m => m.Groups["hash"].Value).Distinct();
        foreach (string hash in hashes)
        {
            for (int k = 0; ; k++)
            {
                string? target = Resolve(Path.Combine(dir, $"{hash}.{k}"));
                if (target == null || !File.Exists(target)) break;
                anchors.AddRange(CertificateInput.ReadInstalled(target, Writer.Paths));
            }
        }
        return anchors;
    }

    /// <summary>
    /// &lt;hash&gt;.0, .1, ... as long as the name exists (lstat, so dangling links count): the entries
    /// OpenSSL walks. A few stat calls, whatever the size of the folder. A certificate linked only
    /// beyond a gap is invisible to OpenSSL, so Install links it again at the first free index.
    /// </summary>
    private static List<(int Index, string Path)> ProbeChain(string fullDir, string hash)
    {
        var chain = new List<(int, string)>();
        if (!Directory.Exists(fullDir)) return chain;
        for (int k = 0; ; k++)
        {
            string entry = Path.Combine(fullDir, $"{hash}.{k}");
            if (StagedFileWriter.Entry(entry) == null) return chain;
            chain.Add((k, entry));
        }
    }

    /// <summary>Every entry named &lt;hash&gt;.&lt;n&gt; (links, copies, dangling links), by n: one directory listing, no file reads.</summary>
    private static List<(int Index, string Path)> HashEntries(string fullDir, string hash)
    {
        if (!Directory.Exists(fullDir)) return new();
        return Directory.EnumerateFileSystemEntries(fullDir, hash + ".*")
            .Select(p => (Path: p, Match: LinkName.Match(System.IO.Path.GetFileName(p))))
            .Where(e => e.Match.Success && e.Match.Groups["hash"].Value == hash)
            .Select(e => (int.Parse(e.Match.Groups["index"].Value), e.Path))
            .OrderBy(e => e.Item1).ToList();
    }

    /// <summary>
    /// Where a hash entry leads: itself for a copy, the target for a link. Absolute targets are agent
    /// paths (DC/OS writes /var/lib/dcos/... links) and are looked up under the root. Null when the
    /// target cannot be mapped.
    /// </summary>
    private string? Resolve(string fullEntry)
    {
        var info = new FileInfo(fullEntry);
        string? target = info.LinkTarget;
        if (target == null) return info.Exists ? fullEntry : null;
        try
        {
            if (target.StartsWith('/')) return Writer.Map(target); // an agent path: under the root
            // A relative link that climbs out of the root is not ours to read (a staging root must not
            // read the build machine's files).
            string resolved = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(fullEntry)!, target));
            return Writer.Contains(resolved) ? resolved : null;
        }
        catch (Exception e) when (e is ArgumentException or Files.PathOutsideRootException)
        {
            return null;
        }
    }

    /// <summary>Why a hash link is not followed when its target leaves the root (as <see cref="Resolve"/> decides), or null.</summary>
    private Files.InstalledFileException? LeavesRoot(string fullEntry)
    {
        string? target = new FileInfo(fullEntry).LinkTarget;
        if (target == null) return null;
        string message;
        if (target.StartsWith('/'))
        {
            try
            {
                Writer.Map(target);
                return null;
            }
            catch (Files.PathOutsideRootException e) { message = e.Message; }
            catch (ArgumentException) { return null; }
        }
        else
        {
            if (Writer.Contains(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(fullEntry)!, target)))) return null;
            message = $"'{fullEntry}' links to '{target}', outside the root '{Writer.Root}'; it is not read. Link to a file inside the root, or choose another -Root.";
        }
        return new Files.InstalledFileException(Files.PathOutsideRootException.ErrorId, ErrorCategory.InvalidArgument, message, fullEntry, health: "OutsideRoot");
    }

    private void WarnAboutBrokenChain(List<(int Index, string Path)> links, string hash)
    {
        for (int k = 0; k < links.Count; k++)
        {
            if (links[k].Index != k) break;
            string? target = Resolve(links[k].Path);
            if (target == null || !File.Exists(target))
            {
                Warn($"The hash link '{links[k].Path}' is dangling: OpenSSL stops at it and never sees {hash}.{k + 1} and above. " +
                    "Remove it (Get-DockerRegistryTrust -Target Mesos shows the folder's health).");
                return;
            }
        }
    }

    /// <summary>Other registries whose Docker or containers certs.d folder holds this CA.</summary>
    private List<string> RegistriesStillTrusting(TrustCertificate certificate, IReadOnlyCollection<RegistryName> leaving)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string basePath in new[] { DockerCertsStore.Folder, ContainersCertsStore.Folder })
        {
            string full = Writer.Map(basePath);
            if (!Directory.Exists(full)) continue;
            foreach (string folder in Directory.EnumerateDirectories(full))
            {
                string name = Path.GetFileName(folder);
                if (leaving.Any(r => r.Value == name)) continue;
                if (Directory.EnumerateFiles(folder, "*.crt").Any(f => Holds(f, certificate))) names.Add(name);
            }
        }
        return names.ToList();
    }
}
