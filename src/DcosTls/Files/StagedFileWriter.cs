
namespace DcosTls.Files;

/// <summary>What a write did (or, under -WhatIf, would have done).</summary>
public enum FileAction
{
    Created,
    Updated,
    Unchanged,
    Skipped,
    Removed,
}

/// <summary>
/// The one place that writes files. Every path is an agent path ("/etc/docker/...") mapped under a
/// staging root; every write goes to a temp file in the same folder (created with its final mode,
/// never chmod-ed later) and is renamed over the target, so a reader sees the old file or the new
/// one, never half of either. Content that is already there is not rewritten.
/// </summary>
internal sealed class StagedFileWriter
{
    internal const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    internal const UnixFileMode PublicFile = PrivateFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    internal const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    internal const UnixFileMode PublicDirectory = PrivateDirectory | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private readonly Func<string, string, bool> _shouldProcess;

    /// <param name="root">Staging root; "/" on a real agent.</param>
    /// <param name="shouldProcess">(target, action) → go ahead? Usually Cmdlet.ShouldProcess.</param>
    internal StagedFileWriter(string root, Func<string, string, bool> shouldProcess)
    {
        Paths = new AgentRoot(root);
        _shouldProcess = shouldProcess;
    }

    /// <summary>The root and its path rules; readers that write nothing use an AgentRoot alone.</summary>
    internal AgentRoot Paths { get; }

    internal string Root => Paths.Root;

    private AgentChange? _change;

    /// <summary>
    /// Starts a change that is rolled back as a whole when one of its writes fails: every entry the
    /// writer touches until the change is disposed is recorded first.
    /// </summary>
    internal AgentChange BeginChange()
    {
        if (_change != null) throw new InvalidOperationException("A change is already running on this writer.");
        return _change = new AgentChange(this);
    }

    internal void EndChange(AgentChange change)
    {
        if (ReferenceEquals(_change, change)) _change = null;
    }

    /// <summary>Records an entry's state before it changes, for the running change's rollback (none outside a change).</summary>
    internal void Remember(string full) => _change?.Remember(full);

    /// <summary>Records a folder the running change is about to create, for its rollback (none outside a change).</summary>
    internal void RememberNewFolder(string full) => _change?.RememberNewFolder(full);

    /// <summary>Asks ShouldProcess for a change made outside this writer's own methods (a key pair's switch).</summary>
    internal bool ShouldProcess(string full, string action) => _shouldProcess(full, action);

    /// <summary>True under -WhatIf: every write is Skipped, and that is not a user's "no".</summary>
    internal bool DryRun { get; init; }

    /// <summary>
    /// The user answered "no" (-Confirm) to creating a file others depend on: the dependants must
    /// not be written either, or the agent would point at a file that is not there.
    /// </summary>
    internal bool Declined(FileAction action, string agentPath)
        => action == FileAction.Skipped && !DryRun && !File.Exists(Map(agentPath));

    /// <summary>Maps an agent path under the root (see <see cref="AgentRoot.Map"/>).</summary>
    internal string Map(string agentPath) => Paths.Map(agentPath);

    /// <summary>Map for a file about to be read (see <see cref="AgentRoot.MapForRead"/>).</summary>
    internal string MapForRead(string agentPath) => Paths.MapForRead(agentPath);

    /// <summary>The agent path ("/etc/...") of a path Map returned.</summary>
    internal string AgentPathOf(string fullPath) => Paths.AgentPathOf(fullPath);

    /// <summary>Whether a full path lies under the root (text only; Map also checks links on the way).</summary>
    internal bool Contains(string fullPath) => Paths.Contains(fullPath);

    /// <summary>Creates the folder (and missing parents) with the given mode; existing folders are left as they are.</summary>
    internal FileAction EnsureDirectory(string agentPath, UnixFileMode mode)
    {
        string full = Map(agentPath);
        if (Directory.Exists(full)) return FileAction.Unchanged;
        if (!_shouldProcess(full, "Create directory")) return FileAction.Skipped;
        CreateDirectoryChain(full, mode);
        return FileAction.Created;
    }

    private void CreateDirectoryChain(string full, UnixFileMode mode)
    {
        var missing = new Stack<string>();
        for (string? d = full; d != null && !Directory.Exists(d); d = Path.GetDirectoryName(d)) missing.Push(d);
        // Parents we create are public (they are system folders such as /etc/docker); the leaf gets `mode`.
        while (missing.Count > 0)
        {
            string d = missing.Pop();
            Remember(d);
            Directory.CreateDirectory(d, missing.Count == 0 ? mode : PublicDirectory);
        }
    }

    internal FileAction WriteText(string agentPath, string content, UnixFileMode mode, bool overwrite = true,
        UnixFileMode? directoryMode = null, bool backup = false)
        => WriteBytes(agentPath, new UTF8Encoding(false).GetBytes(content), mode, overwrite, directoryMode, backup);

    /// <summary>
    /// Writes content atomically. Returns Unchanged when the file already holds these bytes,
    /// Skipped when ShouldProcess says no, or when the file differs and overwrite is false.
    /// With backup, a file about to be replaced is first copied by Backup() (after ShouldProcess,
    /// so -WhatIf leaves no backup behind).
    /// </summary>
    internal FileAction WriteBytes(string agentPath, byte[] content, UnixFileMode mode, bool overwrite = true,
        UnixFileMode? directoryMode = null, bool backup = false)
    {
        string full = Map(agentPath);
        // A link that names nothing is replaced as a missing file is created: there is nothing to read through it.
        bool exists = File.Exists(full) && !NamesNothing(full);
        bool looseMode = false;
        if (exists)
        {
            // A private file that others can read is rewritten (0600 from creation) even when its
            // bytes are right: "unchanged" must not leave a key or a credential readable.
            // A link out of the root is replaced by the file without being read.
            bool outside = Paths.LeavesRoot(full);
            looseMode = !outside && !OperatingSystem.IsWindows() && IsPrivate(mode) && !IsPrivate(File.GetUnixFileMode(full));
            if (!outside && !looseMode && File.ReadAllBytes(full).AsSpan().SequenceEqual(content)) return FileAction.Unchanged;
            if (!overwrite && !looseMode) return FileAction.Skipped;
        }
        if (!_shouldProcess(full, exists ? (looseMode ? "Replace file readable by others" : "Replace file") : "Create file")) return FileAction.Skipped;
        string dir = Path.GetDirectoryName(full)!;
        // Folders made for a private file are private too.
        if (!Directory.Exists(dir)) CreateDirectoryChain(dir, directoryMode ?? (IsPrivate(mode) ? PrivateDirectory : PublicDirectory));
        if (exists && backup) Backup(agentPath);
        Remember(full);
        WriteAtomically(full, content, mode);
        return exists ? FileAction.Updated : FileAction.Created;
    }

    /// <summary>No group or other permission bits.</summary>
    private static bool IsPrivate(UnixFileMode mode)
        => (mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute)) == 0;

    /// <summary>Temp file in the same folder, created with its final mode, fsync-ed, then renamed.</summary>
    internal static void WriteAtomically(string full, byte[] content, UnixFileMode mode)
    {
        string dir = Path.GetDirectoryName(full)!;
        RemoveStaleTemps(dir);
        string temp = TempPathFor(full);
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = mode;
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            // The umask can only narrow the creation mode: a public file (a CA in certs.d) must stay
            // readable by non-root clients, so set it on the temp file before it becomes visible.
            if (!OperatingSystem.IsWindows() && !IsPrivate(mode)) File.SetUnixFileMode(temp, mode);
            WritePause.Before("rename over " + full);
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
    }

    private const string TempMarker = ".dcostls-";
    private const string TempSuffix = ".tmp";

    /// <summary>
    /// ".&lt;name&gt;.dcostls-&lt;8 hex&gt;.tmp" beside the target: hidden, and recognisably ours, so that
    /// RemoveStaleTemps never touches anyone else's temp files.
    /// </summary>
    private static string TempPathFor(string full)
        => Path.Combine(Path.GetDirectoryName(full)!,
            "." + Path.GetFileName(full) + TempMarker + Guid.NewGuid().ToString("N")[..8] + TempSuffix);

    /// <summary>How old a temp file of ours must be before a later write removes it.</summary>
    internal static readonly TimeSpan StaleTempAge = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A process killed between writing a temp file and renaming it leaves the temp behind. Writes
    /// take milliseconds, so a temp of ours older than a minute belongs to no running write: the
    /// next write into the same folder removes it. Best effort; a temp that cannot go stays.
    /// </summary>
    internal static void RemoveStaleTemps(string dir)
    {
        if (!Directory.Exists(dir)) return;
        DateTime cutoff = DateTime.UtcNow - StaleTempAge;
        foreach (string path in Directory.EnumerateFileSystemEntries(dir, "." + "*" + TempMarker + "*" + TempSuffix))
        {
            if (!IsOurTempName(Path.GetFileName(path))) continue;
            try
            {
                var entry = new FileInfo(path);
                if (entry.Attributes.HasFlag(FileAttributes.Directory)) continue;
                if (entry.LastWriteTimeUtc < cutoff) entry.Delete();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    private static bool IsOurTempName(string name)
    {
        if (!name.StartsWith('.') || !name.EndsWith(TempSuffix, StringComparison.Ordinal)) return false;
        int marker = name.LastIndexOf(TempMarker, StringComparison.Ordinal);
        if (marker <= 1) return false;
        string id = name[(marker + TempMarker.Length)..^TempSuffix.Length];
        return id.Length == 8 && id.All(char.IsAsciiHexDigitLower);
    }

    /// <summary>Copies a file to a backup name beside it (once per distinct content) before a change.</summary>
    internal string? Backup(string agentPath)
    {
        string full = Map(agentPath);
        if (!File.Exists(full) || Paths.LeavesRoot(full)) return null;
        string backup = BackupPathOf(full);
        byte[] current = File.ReadAllBytes(full);
        if (File.Exists(backup) && File.ReadAllBytes(backup).AsSpan().SequenceEqual(current)) return backup;
        var mode = OperatingSystem.IsWindows() ? PrivateFile : File.GetUnixFileMode(full);
        Remember(backup);
        WriteAtomically(backup, current, mode);
        return backup;
    }

    /// <summary>Where Backup() puts the copy of a (mapped) file.</summary>
    internal static string BackupPathOf(string fullPath) => fullPath + ".dcostls.bak";

    /// <summary>
    /// Creates a symlink whose target is a bare file name in the same folder (what `openssl rehash`
    /// writes), so the link keeps working when the staging root is copied to the agent. Atomic: the
    /// link is made under a temp name and renamed into place. Unchanged when the link already points
    /// there; Skipped when something else has that name (never replaced) or ShouldProcess says no.
    /// </summary>
    internal FileAction CreateRelativeSymlink(string agentLinkPath, string targetFileName)
    {
        if (string.IsNullOrEmpty(targetFileName) || targetFileName.Contains('/') || targetFileName is "." or "..")
            throw new ArgumentException($"The link target '{targetFileName}' must be a file name in the link's own folder.");
        string full = Map(agentLinkPath);
        var existing = new FileInfo(full);
        if (existing.LinkTarget == targetFileName) return FileAction.Unchanged;
        if (existing.Exists || existing.LinkTarget != null) return FileAction.Skipped;
        if (!_shouldProcess(full, $"Create link to {targetFileName}")) return FileAction.Skipped;
        // Nothing is replaced here (checked above).
        RenameLinkInto(full, targetFileName);
        return FileAction.Created;
    }

    /// <summary>
    /// Points the entry at <paramref name="agentLinkPath"/> to <paramref name="linkTarget"/> (the link's
    /// text, as another link of the same folder holds it): a new link under a temp name renamed over
    /// whatever the entry is, so a reader finds the old entry or the new link, never nothing.
    /// Unchanged when it already is that link.
    /// </summary>
    internal FileAction ReplaceWithSymlink(string agentLinkPath, string linkTarget)
    {
        string full = Map(agentLinkPath);
        var existing = new FileInfo(full);
        if (existing.LinkTarget == linkTarget) return FileAction.Unchanged;
        if (Directory.Exists(full) && existing.LinkTarget == null) throw new IOException($"'{full}' is a folder; it is not replaced by a link.");
        bool exists = existing.Exists || existing.LinkTarget != null;
        if (!_shouldProcess(full, $"{(exists ? "Replace with" : "Create")} link to {linkTarget}")) return FileAction.Skipped;
        RenameLinkInto(full, linkTarget);
        return exists ? FileAction.Updated : FileAction.Created;
    }

    /// <summary>
    /// A new link under a temp name in the same folder, then rename(2) onto <paramref name="full"/>:
    /// the rename moves the link itself, not its target, and a reader sees the old entry or the new link.
    /// </summary>
    private void RenameLinkInto(string full, string linkTarget)
    {
        RemoveStaleTemps(Path.GetDirectoryName(full)!);
        string temp = TempPathFor(full);
        try
        {
            Remember(full);
            File.CreateSymbolicLink(temp, linkTarget);
            WritePause.Before("rename over " + full);
            RenameEntry(temp, full);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>The directory entry itself (lstat): a file, a folder or a link, dangling or not; null when absent.</summary>
    internal static FileSystemInfo? Entry(string fullPath)
    {
        var file = new FileInfo(fullPath);
        if (file.Exists || file.LinkTarget != null) return file;
        var dir = new DirectoryInfo(fullPath);
        return dir.Exists ? dir : null;
    }

    /// <summary>
    /// A link that names nothing (its target, or a folder on the way to it, was removed). File.Exists is
    /// true for such a link (it sees the entry), but nothing can be read or written through it.
    /// </summary>
    internal static bool NamesNothing(string fullPath)
    {
        var file = new FileInfo(fullPath);
        if (file.LinkTarget == null) return false;
        // The final target as a file or a folder (a FileInfo of a folder says it does not exist).
        try { return file.ResolveLinkTarget(returnFinalTarget: true) is not { } target || !(File.Exists(target.FullName) || Directory.Exists(target.FullName)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return true; } // a loop of links, or a folder on the way that cannot be read: nothing can be read through it
    }

    internal static void RenameEntry(string from, string to)
    {
        if (OperatingSystem.IsWindows())
        {
            File.Move(from, to);
            return;
        }
        // File.Move would stat the source through the link and refuse a dangling one; rename(2) works
        // on the entry itself and is atomic within a folder.
        if (NativeRename(from, to) != 0)
            throw new IOException($"Could not rename '{from}' to '{to}' (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}).");
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int NativeRename([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string from,
        [System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string to);

    /// <summary>Deletes a file or link, through ShouldProcess.</summary>
    internal FileAction Delete(string agentPath)
    {
        string full = Map(agentPath);
        var info = new FileInfo(full);
        if (!info.Exists && info.LinkTarget == null) return FileAction.Unchanged;
        if (!_shouldProcess(full, "Remove")) return FileAction.Skipped;
        Remember(full);
        WritePause.Before("remove " + full);
        File.Delete(full);
        return FileAction.Removed;
    }
}
