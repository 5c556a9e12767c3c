namespace DcosTls.Lifecycle;

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
/// The names and daemon.json stay as Set-DockerDaemonTls wrote them. A slot still holding plain files
/// is converted first by copying the pair it holds into a folder and replacing each name by a link to
/// the same bytes, so the pair matches after every step of the conversion as well. The previous
/// folder is kept (to go back by hand); older ones and leftovers of an interrupted run are removed.
/// </summary>
internal sealed class KeyPairSlot
{
    internal const string CurrentLink = "current";

    /// <summary>
    /// A test-only pause: with DCOSTLS_TEST_PAUSE_AT_STEP=N and DCOSTLS_TEST_PAUSE_FILE=path, the Nth
    /// step writes its name to that file and waits there, so a test can kill the process (SIGKILL) at
    /// every step and look at what a reader would find.
    /// </summary>
    internal const string PauseStepVariable = "DCOSTLS_TEST_PAUSE_AT_STEP";
    internal const string PauseFileVariable = "DCOSTLS_TEST_PAUSE_FILE";

    private readonly StagedFileWriter _writer;
    private int _step;

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
    /// Makes (certificate, key) the pair every reader of the fixed names sees, in one atomic step once
    /// the slot is converted. Returns the new version folder's name.
    /// </summary>
    internal string Install(byte[] certificate, byte[] key, string thumbprint, string currentThumbprint)
    {
        RemoveLeftovers();
        if (!IsConverted()) Convert(currentThumbprint);
        string previous = CurrentVersion!;
        string version = NewVersionName(thumbprint);
        WriteVersion(version, certificate, key);
        PointCurrentAt(version);
        RemoveOldVersions(keep: new[] { version, previous });
        return version;
    }

    /// <summary>
    /// Plain files (Set-DockerDaemonTls, Install-DockerClientCertificate) become links to a folder
    /// holding the same bytes: first the folder and "current", then each name, one at a time. The
    /// bytes behind every name are unchanged throughout, so the pair a reader sees matches.
    /// </summary>
    private void Convert(string thumbprint)
    {
        byte[] cert = File.ReadAllBytes(_writer.MapForRead(CertificatePath));
        byte[] key = File.ReadAllBytes(_writer.MapForRead(KeyPath));
        string version = NewVersionName(thumbprint, suffix: "-installed");
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
            Step("create " + VersionsName);
            Directory.CreateDirectory(versions, StagedFileWriter.PrivateDirectory);
        }
        string temp = Path.Combine(versions, "." + version + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        Step("create " + Path.GetFileName(temp));
        Directory.CreateDirectory(temp, StagedFileWriter.PrivateDirectory);
        Step("write " + CertificateName);
        StagedFileWriter.WriteAtomically(Path.Combine(temp, CertificateName), certificate, StagedFileWriter.PublicFile);
        Step("write " + KeyName);
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
        Step("rename over " + CurrentLink);
        StagedFileWriter.RenameEntry(temp, current);
    }

    private void ReplaceWithLink(string agentPath, string target)
    {
        string full = _writer.Map(agentPath);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        Step("link " + Path.GetFileName(temp));
        File.CreateSymbolicLink(temp, target);
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

    private static string NewVersionName(string thumbprint, string suffix = "")
        => DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmssfff'Z'") + "-" + thumbprint[..8] + suffix;

    private static bool IsVersionName(string name)
        => name.Length > 18 && char.IsDigit(name[0]) && !name.Contains('/') && !name.StartsWith('.');

    private static string Join(string folder, string name) => folder == "/" ? "/" + name : folder + "/" + name;

    /// <summary>Counts the steps; pauses at the one a test asked for (see <see cref="PauseStepVariable"/>).</summary>
    private void Step(string what)
    {
        _step++;
        string? at = Environment.GetEnvironmentVariable(PauseStepVariable);
        string? file = Environment.GetEnvironmentVariable(PauseFileVariable);
        if (at == null || file == null || !int.TryParse(at, out int n) || n != _step) return;
        File.WriteAllText(file, $"{_step} {what}\n");
        Thread.Sleep(Timeout.Infinite);
    }
}
