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

    internal KeyPairSlot(StagedFileWriter writer, string folder, string certificateName, string keyName, string versionsName)
    {
        _writer = writer;
        Folder = folder.Length > 1 ? folder.TrimEnd('/') : folder;
        CertificateName = certificateName;
        KeyName = keyName;
        VersionsName = versionsName;
    }

    /// <summary>The daemon's pair in -TlsDirectory, under the names Set-DockerDaemonTls uses.</summary>
    internal static KeyPairSlot Daemon(StagedFileWriter writer, string tlsDirectory)
        => new(writer, tlsDirectory, "server-cert.pem", "server-key.pem", "server.d");

    /// <summary>A docker CLI folder (DOCKER_CERT_PATH), under the names Install-DockerClientCertificate uses.</summary>
    internal static KeyPairSlot Client(StagedFileWriter writer, string folder)
        => new(writer, folder, "cert.pem", "key.pem", "client.d");

    /// <summary>Agent path of the folder holding the pair's fixed names.</summary>
    internal string Folder { get; }
    internal string CertificateName { get; }
    internal string KeyName { get; }
    internal string VersionsName { get; }

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
        bool linked = new FileInfo(_writer.Map(CertificatePath)).LinkTarget == LinkTargetFor(CertificateName)
            && new FileInfo(_writer.Map(KeyPath)).LinkTarget == LinkTargetFor(KeyName);
        string? version = linked ? new FileInfo(_writer.Map(CurrentPath)).LinkTarget : null;
        if (version == null || !IsVersionName(version)) return (CertificatePath, KeyPath);
        string folder = Join(VersionsPath, version);
        return (Join(folder, CertificateName), Join(folder, KeyName));
    }

    /// <summary>True when both names are our links and "current" names a folder of ours.</summary>
    internal bool IsConverted()
    {
        var cert = new FileInfo(_writer.Map(CertificatePath));
        var key = new FileInfo(_writer.Map(KeyPath));
        var current = new FileInfo(_writer.Map(CurrentPath));
        return cert.LinkTarget == LinkTargetFor(CertificateName) && key.LinkTarget == LinkTargetFor(KeyName)
            && current.LinkTarget is { } target && IsVersionName(target) && Directory.Exists(_writer.Map(Join(VersionsPath, target)));
    }

    /// <summary>
    /// Installs (certificate, key) as the pair given, whatever the slot holds now: Unchanged when the
    /// fixed names already give these bytes (and the key is private), Skipped when ShouldProcess says
    /// no, otherwise Created or Updated through <see cref="Install"/>.
    /// </summary>
    internal FileAction Put(byte[] certificate, byte[] key, string thumbprint)
    {
        if (Holds(certificate, key)) return FileAction.Unchanged;
        string certificateFull = _writer.Map(CertificatePath);
        bool existed = StagedFileWriter.Entry(certificateFull) != null || StagedFileWriter.Entry(_writer.Map(KeyPath)) != null;
        if (!_writer.ShouldProcess(certificateFull,
                $"{(existed ? "Replace" : "Create")} the pair {CertificateName} and {KeyName} (one switch of {VersionsName}/{CurrentLink})"))
            return FileAction.Skipped;
        Install(certificate, key, thumbprint, currentThumbprint: null);
        return existed ? FileAction.Updated : FileAction.Created;
    }

    /// <summary>True when the fixed names, read inside the root, give exactly these bytes and the key is private.</summary>
    private bool Holds(byte[] certificate, byte[] key)
    {
        string cert = _writer.Map(CertificatePath), keyFull = _writer.Map(KeyPath);
        if (!File.Exists(cert) || !File.Exists(keyFull) || _writer.Paths.LeavesRoot(cert) || _writer.Paths.LeavesRoot(keyFull)) return false;
        var keyFile = new FileInfo(keyFull);
        var keyTarget = keyFile.LinkTarget != null ? keyFile.ResolveLinkTarget(returnFinalTarget: true) ?? keyFile : keyFile;
        if (!OperatingSystem.IsWindows() && (keyTarget.UnixFileMode & ~StagedFileWriter.PrivateFile) != 0) return false;
        return File.ReadAllBytes(cert).AsSpan().SequenceEqual(certificate) && File.ReadAllBytes(keyFull).AsSpan().SequenceEqual(key);
    }

    /// <summary>
    /// Makes (certificate, key) the pair every reader of the fixed names sees, in one atomic step once
    /// the slot is converted. Returns the new version folder's name. Names that do not exist yet (a
    /// first install) become links after the switch; before that nothing names a pair.
    /// </summary>
    internal string Install(byte[] certificate, byte[] key, string thumbprint, string? currentThumbprint)
    {
        RemoveLeftovers();
        if (!IsConverted() && CanConvert()) Convert(currentThumbprint);
        string? previous = new FileInfo(_writer.Map(CurrentPath)).LinkTarget;
        string version = NewVersionName(thumbprint);
        WriteVersion(version, certificate, key);
        PointCurrentAt(version);
        if (!IsConverted())
        {
            ReplaceWithLink(CertificatePath, LinkTargetFor(CertificateName));
            ReplaceWithLink(KeyPath, LinkTargetFor(KeyName));
        }
        RemoveOldVersions(keep: previous == null ? new[] { version } : new[] { version, previous });
        return version;
    }

    /// <summary>
    /// Both names hold files this module may read (inside the root). A pair that is not there, or is
    /// behind links out of the root, is not copied: it gives no pair to keep while the names change.
    /// </summary>
    private bool CanConvert()
    {
        string cert = _writer.Map(CertificatePath), key = _writer.Map(KeyPath);
        return File.Exists(cert) && File.Exists(key) && !_writer.Paths.LeavesRoot(cert) && !_writer.Paths.LeavesRoot(key);
    }

    /// <summary>
    /// Plain files (an older install) become links to a folder holding the same bytes: first the
    /// folder and "current", then each name, one at a time. The bytes behind every name are unchanged
    /// throughout, so the pair a reader sees matches.
    /// </summary>
    private void Convert(string? thumbprint)
    {
        byte[] cert = File.ReadAllBytes(_writer.MapForRead(CertificatePath));
        byte[] key = File.ReadAllBytes(_writer.MapForRead(KeyPath));
        string version = NewVersionName(thumbprint ?? ThumbprintOf(cert), suffix: "-installed");
        WriteVersion(version, cert, key);
        PointCurrentAt(version);
        ReplaceWithLink(CertificatePath, LinkTargetFor(CertificateName));
        ReplaceWithLink(KeyPath, LinkTargetFor(KeyName));
    }

    /// <summary>A complete folder appears under its final name in one rename; until then it is a hidden temp folder.</summary>
    private void WriteVersion(string version, byte[] certificate, byte[] key)
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
        StagedFileWriter.WriteAtomically(Path.Combine(temp, CertificateName), certificate, StagedFileWriter.PublicFile);
        StagedFileWriter.WriteAtomically(Path.Combine(temp, KeyName), key, StagedFileWriter.PrivateFile);
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

    /// <summary>Temp folders and links of a run that was killed: never read by anyone, safe to remove.</summary>
    private void RemoveLeftovers()
    {
        foreach (string dir in new[] { _writer.Map(Folder), _writer.Map(VersionsPath) })
        {
            if (!Directory.Exists(dir)) continue;
            foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos(".*.tmp"))
            {
                bool ours = entry.Name.StartsWith("." + CertificateName + ".", StringComparison.Ordinal)
                    || entry.Name.StartsWith("." + KeyName + ".", StringComparison.Ordinal)
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

    private static bool IsVersionName(string name)
        => name.Length > 18 && char.IsDigit(name[0]) && !name.Contains('/') && !name.StartsWith('.');

    private static string Join(string folder, string name) => folder == "/" ? "/" + name : folder + "/" + name;

    /// <summary>Each change of a directory entry is a step a test may stop at (see <see cref="WritePause"/>).</summary>
    private void Step(string what) => WritePause.Before($"{what} (in {_writer.Map(Folder)})");
}
