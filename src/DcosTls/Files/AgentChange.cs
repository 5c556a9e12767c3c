using System.Runtime.InteropServices;
using DcosTls.Common;

namespace DcosTls.Files;

/// <summary>
/// A change of several agent files that the agent sees whole or not at all. Before the first write,
/// Check() refuses targets that cannot be written (a folder where the file goes, a file where a
/// folder goes, a read-only or immutable folder or file). While the change runs, the writer records
/// the state of every entry before it first touches it (content and mode, a link's target, or that
/// it was absent); when a write fails, RollBack() puts back every entry in reverse order and the
/// error names the files that were touched. Callers order their writes so that each intermediate
/// state is one the services accept (a file before the file that names it).
/// </summary>
internal sealed class AgentChange : IDisposable
{
    private readonly StagedFileWriter _writer;
    private readonly List<(string Path, Entry Before)> _journal = new();
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    internal AgentChange(StagedFileWriter writer) => _writer = writer;

    /// <summary>The full path being written when a failure happened.</summary>
    internal string? Current { get; private set; }

    /// <summary>Every full path this change has touched (or was about to), in order.</summary>
    internal IReadOnlyList<string> Touched => _journal.Select(j => j.Path).ToList();

    /// <summary>Refuses, before any write, agent paths whose file cannot be written.</summary>
    internal void Check(IEnumerable<string> agentPaths)
    {
        foreach (string agentPath in agentPaths)
        {
            string full = _writer.Map(agentPath);
            if (Directory.Exists(full))
                throw new AgentChangeException("TargetIsDirectory",
                    $"'{full}' is a folder, so the file cannot be written there. Remove it or choose another path; nothing was changed.", full);
            // A link that names nothing is replaced, not written through: only its folder must be writable.
            if (File.Exists(full) && !StagedFileWriter.NamesNothing(full) && !Writable(full))
                throw new AgentChangeException("TargetNotWritable",
                    $"'{full}' cannot be replaced (read-only or immutable). Make it writable (chattr -i, remount read-write); nothing was changed.", full);
            for (string? dir = Path.GetDirectoryName(full); dir != null; dir = Path.GetDirectoryName(dir))
            {
                if (File.Exists(dir))
                    throw new AgentChangeException("PathBlockedByFile",
                        $"'{dir}' is a file, so '{full}' cannot be created. Remove it or choose another path; nothing was changed.", full);
                if (!Directory.Exists(dir)) continue;
                if (!Writable(dir))
                    throw new AgentChangeException("TargetNotWritable",
                        $"The folder '{dir}' is not writable (read-only or immutable), so '{full}' cannot be written. Make it writable; nothing was changed.", full);
                break;
            }
        }
    }

    /// <summary>Called by the writer before it changes an entry: keeps the entry's first state.</summary>
    internal void Remember(string full)
    {
        Current = full;
        if (_seen.Add(full)) _journal.Add((full, Entry.Read(full)));
    }

    /// <summary>
    /// Called before the change creates a folder of its own (a key pair's version folder): rolling back
    /// removes it with everything in it.
    /// </summary>
    internal void RememberNewFolder(string full)
    {
        Current = full;
        if (_seen.Add(full)) _journal.Add((full, new Entry('n', null, default, null)));
    }

    /// <summary>
    /// Puts every touched entry back as it was, newest first. Returns the paths it could not restore
    /// (empty when the agent is back to its state before the change).
    /// </summary>
    internal List<string> RollBack()
    {
        var failed = new List<string>();
        for (int i = _journal.Count - 1; i >= 0; i--)
        {
            var (path, before) = _journal[i];
            try { before.Restore(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { failed.Add(path); }
        }
        return failed;
    }

    /// <summary>
    /// The error for a failed write after rolling back: which file failed, which files were touched,
    /// and whether they are back as they were.
    /// </summary>
    internal AgentChangeException Fail(Exception cause)
    {
        string failedAt = Current ?? _writer.Root;
        var touched = Touched;
        var notRestored = RollBack();
        string files = touched.Count == 0 ? "none" : string.Join(", ", touched.Select(p => $"'{p}'"));
        return notRestored.Count == 0
            ? new AgentChangeException("AgentChangeRolledBack",
                $"Writing '{failedAt}' failed ({cause.GetType().Name}); the change was rolled back and these files are as they were: {files}. Make the path writable (free space, chattr -i, read-write mount) and run the command again.",
                failedAt)
            : new AgentChangeException("AgentChangeIncomplete",
                $"Writing '{failedAt}' failed ({cause.GetType().Name}), and rolling back failed for {string.Join(", ", notRestored.Select(p => $"'{p}'"))}: the agent is half-changed. Files touched: {files}. Restore them (the previous content of a replaced file is in <file>.dcostls.bak) before restarting services.",
                failedAt);
    }

    public void Dispose() => _writer.EndChange(this);

    private static bool Writable(string path)
        => OperatingSystem.IsWindows() || Native.access(path, Native.W_OK) == 0;

    /// <summary>What a directory entry was: absent, a file (content, mode), a link (target), a folder, or a folder this change makes ('n').</summary>
    private sealed record Entry(char Kind, byte[]? Content, UnixFileMode Mode, string? LinkTarget)
    {
        internal static Entry Read(string full)
        {
            var file = new FileInfo(full);
            if (file.LinkTarget != null) return new Entry('l', null, default, file.LinkTarget);
            if (file.Exists)
                return new Entry('f', File.ReadAllBytes(full), OperatingSystem.IsWindows() ? StagedFileWriter.PrivateFile : File.GetUnixFileMode(full), null);
            return Directory.Exists(full) ? new Entry('d', null, default, null) : new Entry('-', null, default, null);
        }

        internal void Restore(string full)
        {
            var now = Read(full);
            switch (Kind)
            {
                case 'n':
                    if (now.Kind == 'd') Directory.Delete(full, recursive: true);
                    else if (now.Kind is 'f' or 'l') File.Delete(full);
                    break;
                case '-':
                    if (now.Kind is 'f' or 'l') File.Delete(full);
                    else if (now.Kind == 'd' && !Directory.EnumerateFileSystemEntries(full).Any()) Directory.Delete(full);
                    break;
                case 'f':
                    if (now.Kind == 'f' && now.Content!.AsSpan().SequenceEqual(Content) && now.Mode == Mode) break;
                    StagedFileWriter.WriteAtomically(full, Content!, Mode);
                    if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(full, Mode);
                    break;
                case 'l':
                    if (now.Kind == 'l' && now.LinkTarget == LinkTarget) break;
                    // A new link renamed over the entry: a reader finds the one link or the other, never none.
                    string temp = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + ".dcostls-" + Guid.NewGuid().ToString("N")[..8] + ".tmp");
                    File.CreateSymbolicLink(temp, LinkTarget!);
                    if (now.Kind == 'd')
                    {
                        File.Delete(temp);
                        throw new IOException($"'{full}' is a folder now; the link to '{LinkTarget}' is not put back over it.");
                    }
                    StagedFileWriter.RenameEntry(temp, full);
                    break;
            }
        }
    }

    private static class Native
    {
        internal const int W_OK = 2;

        [DllImport("libc", SetLastError = true)]
        internal static extern int access([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int mode);
    }
}

/// <summary>A multi-file change refused before its first write, or rolled back after a failed one.</summary>
internal sealed class AgentChangeException : DcosTlsException
{
    internal AgentChangeException(string errorId, string message, string path)
        : base(errorId, errorId == "TargetNotWritable" ? System.Management.Automation.ErrorCategory.PermissionDenied : System.Management.Automation.ErrorCategory.WriteError, message, path)
    {
        Path = path;
    }

    internal string Path { get; }
}
