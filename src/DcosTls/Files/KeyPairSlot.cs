namespace DcosTls.Files;

/// <summary>
/// A certificate and its key under fixed names that a reader opens one after the other (dockerd's
/// tlscert/tlskey, the docker CLI's cert.pem/key.pem in DOCKER_CERT_PATH). Replacing two files is two
/// steps, and a process killed between them would leave a key that does not belong to the
/// certificate. So each pair lives in a folder of its own, and the fixed names are links through one
/// link that names the folder in use:
///
///   server-cert.pem -> server.d/current/server-cert.pem
///   server-key.pem  -> server.d/current/server-key.pem
///   server.d/current -> 20261201T170000Z-1A2B3C4D      (the one atomic step: rename(2) of a link)
///   server.d/20261201T170000Z-1A2B3C4D/{server-cert.pem,server-key.pem}
///
/// Set-DockerDaemonTls and Install-DockerClientCertificate install through the slot (<see cref="Put"/>),
/// renewal through <see cref="Install"/>; daemon.json keeps naming the fixed names. A slot still
/// holding plain files (an older install) is converted first by copying the pair it holds into a
/// folder and replacing each name by a link to the same bytes, so the pair matches after every step
/// of the conversion as well. The previous folder is kept (to go back by hand); older ones and
/// leftovers of an interrupted run are removed. It uses only the writer, so it lives with it: DockerDaemon
/// (install) and Lifecycle (renewal) both use it without using each other.
/// </summary>
internal sealed class KeyPairSlot
{
    internal const string CurrentLink = "current";

    private readonly StagedFileWriter _writer;

    /// <param name="keyName">The key's own file; null when the key travels inside the certificate's file (a HAProxy pem, PKCS#12).</param>
    /// <param name="companionNames">Files that switch with the pair when they are written (a renewal description); a slot without them is still whole.</param>
    internal KeyPairSlot(StagedFileWriter writer, string folder, string certificateName, string? keyName, string versionsName, params string[] companionNames)
    {
        _writer = writer;
        Folder = folder.Length > 1 ? folder.TrimEnd('/') : folder;
        CertificateName = certificateName;
        KeyName = keyName ?? certificateName;
        HasKeyFile = keyName != null;
        VersionsName = versionsName;
        CompanionNames = companionNames;
    }

    /// <summary>The one file a set of files written together is named after, with its versions folder "&lt;name&gt;.d".</summary>
    internal static KeyPairSlot ForFiles(StagedFileWriter writer, string folder, string certificateName, string? keyName, params string[] companionNames)
        => new(writer, folder, certificateName, keyName, certificateName + ".d", companionNames);

    /// <summary>The daemon's pair in -TlsDirectory, under the names Set-DockerDaemonTls uses.</summary>
    internal static KeyPairSlot Daemon(StagedFileWriter writer, string tlsDirectory, params string[] companionNames)
        => new(writer, tlsDirectory, "server-cert.pem", "server-key.pem", "server.d", companionNames);

    /// <summary>A docker CLI folder (DOCKER_CERT_PATH), under the names Install-DockerClientCertificate uses.</summary>
    internal static KeyPairSlot Client(StagedFileWriter writer, string folder, params string[] companionNames)
        => new(writer, folder, "cert.pem", "key.pem", "client.d", companionNames);

    /// <summary>Agent path of the folder holding the pair's fixed names.</summary>
    internal string Folder { get; }
    internal string CertificateName { get; }
    internal string KeyName { get; }
    internal string VersionsName { get; }

    /// <summary>False when the key is inside the certificate's file (then KeyName is CertificateName).</summary>
    internal bool HasKeyFile { get; }

    internal IReadOnlyList<string> CompanionNames { get; }

    /// <summary>The names that must be there for the slot to hold a pair: the certificate and, when separate, the key.</summary>
    private IEnumerable<string> RequiredNames => HasKeyFile ? new[] { CertificateName, KeyName } : new[] { CertificateName };

    internal string CertificatePath => Join(Folder, CertificateName);
    internal string KeyPath => Join(Folder, KeyName);
    private string VersionsPath => Join(Folder, VersionsName);
    private string CurrentPath => Join(VersionsPath, CurrentLink);

    /// <summary>What each fixed name links to once the slot is converted (relative, so a staged root can be copied).</summary>
    private string LinkTargetFor(string name) => VersionsName + "/" + CurrentLink + "/" + name;

    /// <summary>The folder the pair is read from now (the link's target), or null while the names are plain files.</summary>
    internal string? CurrentVersion
    {
        get
        {
            if (!IsConverted()) return null;
            return new FileInfo(_writer.Map(CurrentPath)).LinkTarget;
        }
    }

    /// <summary>
    /// The agent paths to read the pair from now. Once converted, the folder "current" names, read
    /// once: reading both fixed names one after the other resolves "current" twice, and an install
    /// switching it in between gives the certificate of one pair and the key of the other. A version
    /// folder never changes once in place, so both files read from it belong together. The fixed
    /// names while they are plain files (an older install).
    /// </summary>
    internal (string Certificate, string Key) ReadPaths()
    {
        var paths = ReadPaths(new[] { CertificateName, KeyName });
        return (paths[0], paths[1]);
    }

    /// <summary>
    /// The agent paths to read these names from now, all from the one folder "current" names (see
    /// above); a companion that is not a link yet (written before the slot was converted) is read
    /// under its own name.
    /// </summary>
    internal IReadOnlyList<string> ReadPaths(IReadOnlyList<string> names)
    {
        bool linked = RequiredNames.All(n => new FileInfo(_writer.Map(Join(Folder, n))).LinkTarget == LinkTargetFor(n));
        string? version = linked ? new FileInfo(_writer.Map(CurrentPath)).LinkTarget : null;
        if (version == null || !IsVersionName(version)) return names.Select(n => Join(Folder, n)).ToList();
        string folder = Join(VersionsPath, version);
        return names.Select(n => RequiredNames.Contains(n) || new FileInfo(_writer.Map(Join(Folder, n))).LinkTarget == LinkTargetFor(n)
            ? Join(folder, n) : Join(Folder, n)).ToList();
    }

    /// <summary>True when both names are our links and "current" names a folder of ours.</summary>
    internal bool IsConverted()
    {
        var current = new FileInfo(_writer.Map(CurrentPath));
        return RequiredNames.All(n => new FileInfo(_writer.Map(Join(Folder, n))).LinkTarget == LinkTargetFor(n))
            && current.LinkTarget is { } target && IsVersionName(target) && Directory.Exists(_writer.Map(Join(VersionsPath, target)));
    }

    /// <summary>
    /// Installs (certificate, key) as the pair given, whatever the slot holds now: Unchanged when the
    /// fixed names already give these bytes (and the key is private), Skipped when ShouldProcess says
    /// no, otherwise Created or Updated through <see cref="Install"/>.
    /// </summary>
    internal FileAction Put(byte[] certificate, byte[] key, string thumbprint, params SlotFile[] companions)
    {
        if (Holds(certificate, key, companions)) return FileAction.Unchanged;
        string certificateFull = _writer.Map(CertificatePath);
        bool existed = StagedFileWriter.Entry(certificateFull) != null || StagedFileWriter.Entry(_writer.Map(KeyPath)) != null;
        if (!_writer.ShouldProcess(certificateFull,
                $"{(existed ? "Replace" : "Create")} the pair {CertificateName} and {KeyName} (one switch of {VersionsName}/{CurrentLink})"))
            return FileAction.Skipped;
        var files = new List<SlotFile> { new(CertificateName, certificate, StagedFileWriter.PublicFile), new(KeyName, key, StagedFileWriter.PrivateFile) };
        files.AddRange(companions);
        Install(files, thumbprint, currentThumbprint: null);
        return existed ? FileAction.Updated : FileAction.Created;
    }

    /// <summary>True when the fixed names, read inside the root, give exactly these bytes and the key is private.</summary>
    private bool Holds(byte[] certificate, byte[] key, IEnumerable<SlotFile> companions)
    {
        string cert = _writer.Map(CertificatePath), keyFull = _writer.Map(KeyPath);
        if (!File.Exists(cert) || !File.Exists(keyFull) || StagedFileWriter.NamesNothing(cert) || StagedFileWriter.NamesNothing(keyFull)
            || _writer.Paths.LeavesRoot(cert) || _writer.Paths.LeavesRoot(keyFull)) return false;
        var keyFile = new FileInfo(keyFull);
        var keyTarget = keyFile.LinkTarget != null ? keyFile.ResolveLinkTarget(returnFinalTarget: true) ?? keyFile : keyFile;
        if (!OperatingSystem.IsWindows() && (keyTarget.UnixFileMode & ~StagedFileWriter.PrivateFile) != 0) return false;
        foreach (var companion in companions)
        {
            string full = _writer.Map(Join(Folder, companion.Name));
            if (!File.Exists(full) || StagedFileWriter.NamesNothing(full) || _writer.Paths.LeavesRoot(full) || !File.ReadAllBytes(full).AsSpan().SequenceEqual(companion.Content)) return false;
        }
        return File.ReadAllBytes(cert).AsSpan().SequenceEqual(certificate) && File.ReadAllBytes(keyFull).AsSpan().SequenceEqual(key);
    }

    /// <summary>
    /// Makes (certificate, key) the pair every reader of the fixed names sees, in one atomic step once
    /// the slot is converted. Returns the new version folder's name. Names that do not exist yet (a
    /// first install) become links after the switch; before that nothing names a pair.
    /// </summary>
    internal string Install(byte[] certificate, byte[] key, string thumbprint, string? currentThumbprint)
        => Install(new[] { new SlotFile(CertificateName, certificate, StagedFileWriter.PublicFile), new SlotFile(KeyName, key, StagedFileWriter.PrivateFile) },
            thumbprint, currentThumbprint);

    /// <summary>
    /// Makes these files (the certificate, the key when it has a file of its own, and any companions)
    /// what every reader of the fixed names sees, in one atomic step once the slot is converted: they
    /// are written into one new version folder and "current" is switched to it. Returns its name.
    /// </summary>
    internal string Install(IReadOnlyList<SlotFile> files, string thumbprint, string? currentThumbprint)
    {
        RemoveLeftovers();
        RemoveDanglingLinks();
        if (!IsConverted() && CanConvert()) Convert(currentThumbprint);
        string? previous = new FileInfo(_writer.Map(CurrentPath)).LinkTarget;
        string version = NewVersionName(thumbprint);
        WriteVersion(version, files);
        PointCurrentAt(version);
        // Names that are not links yet (a first install, a companion new to the slot) become links
        // only now, to a folder that holds them.
        foreach (var file in files)
        {
            string path = Join(Folder, file.Name);
            if (new FileInfo(_writer.Map(path)).LinkTarget != LinkTargetFor(file.Name)) ReplaceWithLink(path, LinkTargetFor(file.Name));
        }
        // A companion the new folder does not hold (a description of another issuer) would name nothing.
        foreach (string name in CompanionNames.Where(n => files.All(f => f.Name != n)))
        {
            string full = _writer.Map(Join(Folder, name));
            if (new FileInfo(full).LinkTarget != LinkTargetFor(name)) continue;
            Step("remove " + name);
            File.Delete(full);
        }
        RemoveOldVersions(keep: previous == null ? new[] { version } : new[] { version, previous });
        return version;
    }

    /// <summary>
    /// Both names hold files this module may read (inside the root). A pair that is not there, or is
    /// behind links out of the root, is not copied: it gives no pair to keep while the names change.
    /// </summary>
    private bool CanConvert()
        => RequiredNames.Select(n => _writer.Map(Join(Folder, n))).All(f => File.Exists(f) && !StagedFileWriter.NamesNothing(f) && !_writer.Paths.LeavesRoot(f));

    /// <summary>
    /// Plain files (an older install) become links to a folder holding the same bytes: first the
    /// folder and "current", then each name, one at a time. The bytes behind every name are unchanged
    /// throughout, so the pair a reader sees matches.
    /// </summary>
    private void Convert(string? thumbprint)
    {
        var files = new List<SlotFile>();
        foreach (string name in RequiredNames.Concat(CompanionNames))
        {
            string full = _writer.Map(Join(Folder, name));
            // A companion that was never written (or lies outside the root) is not part of the pair.
            if (!RequiredNames.Contains(name) && (!File.Exists(full) || StagedFileWriter.NamesNothing(full) || _writer.Paths.LeavesRoot(full))) continue;
            var mode = OperatingSystem.IsWindows() ? StagedFileWriter.PrivateFile : File.GetUnixFileMode(_writer.MapForRead(Join(Folder, name)));
            files.Add(new SlotFile(name, File.ReadAllBytes(_writer.MapForRead(Join(Folder, name))), mode));
        }
        string version = NewVersionName(thumbprint ?? ThumbprintOf(files[0].Content), suffix: "-installed");
        WriteVersion(version, files);
        PointCurrentAt(version);
        foreach (var file in files) ReplaceWithLink(Join(Folder, file.Name), LinkTargetFor(file.Name));
    }

    /// <summary>A complete folder appears under its final name in one rename; until then it is a hidden temp folder.</summary>
    private void WriteVersion(string version, IReadOnlyList<SlotFile> files)
    {
        string versions = _writer.Map(VersionsPath);
        if (!Directory.Exists(versions))
        {
            _writer.RememberNewFolder(versions);
            Step("create " + VersionsName);
            Directory.CreateDirectory(versions, StagedFileWriter.PrivateDirectory);
        }
        string temp = Path.Combine(versions, "." + version + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        _writer.RememberNewFolder(temp);
        _writer.RememberNewFolder(Path.Combine(versions, version));
        Step("create " + Path.GetFileName(temp));
        Directory.CreateDirectory(temp, StagedFileWriter.PrivateDirectory);
        foreach (var file in files) StagedFileWriter.WriteAtomically(Path.Combine(temp, file.Name), file.Content, file.Mode);
        Step("rename to " + version);
        StagedFileWriter.RenameEntry(temp, Path.Combine(versions, version));
    }

    /// <summary>The switch: a new link under a temp name renamed over "current".</summary>
    private void PointCurrentAt(string version)
    {
        string current = _writer.Map(CurrentPath);
        string temp = Path.Combine(Path.GetDirectoryName(current)!, "." + CurrentLink + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        Step("link " + Path.GetFileName(temp));
        File.CreateSymbolicLink(temp, version);
        _writer.Remember(current);
        Step("rename over " + CurrentLink);
        StagedFileWriter.RenameEntry(temp, current);
    }

    private void ReplaceWithLink(string agentPath, string target)
    {
        string full = _writer.Map(agentPath);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        Step("link " + Path.GetFileName(temp));
        File.CreateSymbolicLink(temp, target);
        _writer.Remember(full);
        Step("rename over " + Path.GetFileName(full));
        StagedFileWriter.RenameEntry(temp, full);
    }

    /// <summary>
    /// A link of ours that names nothing (its versions folder, "current" or the version folder was removed
    /// by hand, or the pair made plain files again): nobody can read it, and the switch writes the name
    /// anew (the pair always; a companion when it has one). Without this a first install over such links
    /// would take them for a pair to convert and fail reading them.
    /// </summary>
    private void RemoveDanglingLinks()
    {
        foreach (string name in RequiredNames.Concat(CompanionNames))
        {
            string full = _writer.Map(Join(Folder, name));
            if (new FileInfo(full).LinkTarget != LinkTargetFor(name) || !StagedFileWriter.NamesNothing(full)) continue;
            _writer.Remember(full);
            Step("remove " + name);
            File.Delete(full);
        }
        string current = _writer.Map(CurrentPath);
        if (StagedFileWriter.NamesNothing(current))
        {
            _writer.Remember(current);
            Step("remove " + CurrentLink);
            File.Delete(current);
        }
    }

    /// <summary>Temp folders and links of a run that was killed: never read by anyone, safe to remove.</summary>
    private void RemoveLeftovers()
    {
        foreach (string dir in new[] { _writer.Map(Folder), _writer.Map(VersionsPath) })
        {
            if (!Directory.Exists(dir)) continue;
            foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos(".*.tmp"))
            {
                bool ours = RequiredNames.Concat(CompanionNames).Any(n => entry.Name.StartsWith("." + n + ".", StringComparison.Ordinal))
                    || dir.EndsWith("/" + VersionsName, StringComparison.Ordinal);
                if (!ours) continue;
                Step("remove " + entry.Name);
                if (entry is DirectoryInfo d && d.LinkTarget == null) d.Delete(recursive: true);
                else File.Delete(entry.FullName);
            }
        }
    }

    private void RemoveOldVersions(IReadOnlyCollection<string> keep)
    {
        var versions = new DirectoryInfo(_writer.Map(VersionsPath));
        foreach (var dir in versions.EnumerateDirectories())
        {
            if (dir.LinkTarget != null || !IsVersionName(dir.Name) || keep.Contains(dir.Name)) continue;
            Step("remove " + dir.Name);
            dir.Delete(recursive: true);
        }
    }

    /// <summary>The SHA-1 thumbprint of the first certificate in a PEM file (only a label for the folder).</summary>
    private static string ThumbprintOf(byte[] pem)
    {
        try
        {
            using var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(System.Text.Encoding.UTF8.GetString(pem));
            return certificate.Thumbprint;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return System.Convert.ToHexString(System.Security.Cryptography.SHA1.HashData(pem));
        }
    }

    private static string NewVersionName(string thumbprint, string suffix = "")
        => DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmssfff'Z'") + "-" + thumbprint[..8] + suffix;

    internal static bool IsVersionName(string name)
        => name.Length > 18 && char.IsDigit(name[0]) && !name.Contains('/') && !name.StartsWith('.');

    private static string Join(string folder, string name) => folder == "/" ? "/" + name : folder + "/" + name;

    /// <summary>Each change of a directory entry is a step a test may stop at (see <see cref="WritePause"/>).</summary>
    private void Step(string what) => WritePause.Before($"{what} (in {_writer.Map(Folder)})");
}

/// <summary>One file of a slot's version folder: its name beside the others, its bytes, its mode.</summary>
internal sealed record SlotFile(string Name, byte[] Content, UnixFileMode Mode);
