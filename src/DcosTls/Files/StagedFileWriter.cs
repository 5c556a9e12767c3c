using System.Text;

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
        Root = Path.GetFullPath(string.IsNullOrEmpty(root) ? "/" : root);
        _shouldProcess = shouldProcess;
    }

    internal string Root { get; }

    /// <summary>Maps an agent path under the root, refusing anything that climbs out of it.</summary>
    internal string Map(string agentPath)
    {
        string relative = agentPath.TrimStart('/');
        string full = Path.GetFullPath(Path.Join(Root, relative));
        string rootWithSep = Root.EndsWith('/') ? Root : Root + "/";
        if (full != Root && !full.StartsWith(rootWithSep, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The path '{agentPath}' leaves the root '{Root}'. Give a path inside the root.");
        }
        return full;
    }

    /// <summary>Creates the folder (and missing parents) with the given mode; existing folders are left as they are.</summary>
    internal FileAction EnsureDirectory(string agentPath, UnixFileMode mode)
    {
        string full = Map(agentPath);
        if (Directory.Exists(full)) return FileAction.Unchanged;
        if (!_shouldProcess(full, "Create directory")) return FileAction.Skipped;
        CreateDirectoryChain(full, mode);
        return FileAction.Created;
    }

    private static void CreateDirectoryChain(string full, UnixFileMode mode)
    {
        var missing = new Stack<string>();
        for (string? d = full; d != null && !Directory.Exists(d); d = Path.GetDirectoryName(d)) missing.Push(d);
        // Parents we create get the public mode unless the leaf is private; the leaf gets `mode`.
        while (missing.Count > 0)
        {
            string d = missing.Pop();
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
        bool exists = File.Exists(full);
        if (exists)
        {
            if (File.ReadAllBytes(full).AsSpan().SequenceEqual(content)) return FileAction.Unchanged;
            if (!overwrite) return FileAction.Skipped;
        }
        if (!_shouldProcess(full, exists ? "Replace file" : "Create file")) return FileAction.Skipped;
        string dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir)) CreateDirectoryChain(dir, directoryMode ?? PublicDirectory);
        if (exists && backup) Backup(agentPath);
        WriteAtomically(full, content, mode);
        return exists ? FileAction.Updated : FileAction.Created;
    }

    /// <summary>Temp file in the same folder, created with its final mode, fsync-ed, then renamed.</summary>
    internal static void WriteAtomically(string full, byte[] content, UnixFileMode mode)
    {
        string dir = Path.GetDirectoryName(full)!;
        string temp = Path.Combine(dir, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = mode;
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>Copies a file to a backup name beside it (once per distinct content) before a change.</summary>
    internal string? Backup(string agentPath)
    {
        string full = Map(agentPath);
        if (!File.Exists(full)) return null;
        string backup = BackupPathOf(full);
        byte[] current = File.ReadAllBytes(full);
        if (File.Exists(backup) && File.ReadAllBytes(backup).AsSpan().SequenceEqual(current)) return backup;
        var mode = OperatingSystem.IsWindows() ? PrivateFile : File.GetUnixFileMode(full);
        WriteAtomically(backup, current, mode);
        return backup;
    }

    /// <summary>Where Backup() puts the copy of a (mapped) file.</summary>
    internal static string BackupPathOf(string fullPath) => fullPath + ".dcostls.bak";

    /// <summary>Deletes a file or link, through ShouldProcess.</summary>
    internal FileAction Delete(string agentPath)
    {
        string full = Map(agentPath);
        var info = new FileInfo(full);
        if (!info.Exists && info.LinkTarget == null) return FileAction.Unchanged;
        if (!_shouldProcess(full, "Remove")) return FileAction.Skipped;
        File.Delete(full);
        return FileAction.Removed;
    }
}
