using System.Diagnostics;
using System.Management.Automation;

namespace DcosTls.Files;

/// <summary>
/// Advisory locks that serialize read-modify-write changes of shared agent files (the Mesos hash folder,
/// a registry's certs.d folder, the credentials file, mesos-slave-common, daemon.json) between DcosTls
/// runs, in this process or another. Each file or folder has its lock file beside it, inside the root
/// ("&lt;name&gt;.dcostls-lock"); the lock is the kernel's flock on that file (what FileShare.None takes on
/// Unix), so a killed process never leaves a lock held. Several locks are always taken in the ordinal
/// order of their paths, so two runs can never wait for each other. Lock files are kept: removing one
/// would let a waiter lock a file that is no longer the one others open.
/// </summary>
internal sealed class AgentFileLock : IDisposable
{
    internal const string Suffix = ".dcostls-lock";

    /// <summary>Long enough for another run's full install; short enough that a stuck run is reported.</summary>
    internal static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private readonly List<FileStream> _held;

    private AgentFileLock(List<FileStream> held) => _held = held;

    /// <summary>Nothing to lock: -WhatIf writes nothing.</summary>
    internal static AgentFileLock None { get; } = new(new List<FileStream>());

    /// <summary>The lock file guarding an agent file or folder.</summary>
    internal static string LockPathOf(string agentPath) => agentPath.TrimEnd('/') + Suffix;

    /// <summary>
    /// Takes the locks of the given agent files and folders (mapped under the writer's root), waiting up
    /// to <paramref name="timeout"/> for each; none under -WhatIf. Folders above the lock files are made
    /// as the writer makes them (public system folders).
    /// </summary>
    internal static AgentFileLock Acquire(StagedFileWriter writer, IEnumerable<string> agentPaths, TimeSpan? timeout = null)
    {
        if (writer.DryRun) return None;
        var wait = timeout ?? DefaultTimeout;
        var held = new List<FileStream>();
        try
        {
            foreach (string agentLock in agentPaths.Select(LockPathOf).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                string full = writer.Map(agentLock);
                string? parent = Path.GetDirectoryName(agentLock);
                if (parent != null && !Directory.Exists(writer.Map(parent))) writer.EnsureDirectory(parent, StagedFileWriter.PublicDirectory);
                held.Add(Open(full, agentLock, wait));
            }
            return new AgentFileLock(held);
        }
        catch
        {
            foreach (var stream in held) stream.Dispose();
            throw;
        }
    }

    private static FileStream Open(string full, string agentLock, TimeSpan wait)
    {
        var clock = Stopwatch.StartNew();
        int pause = 5;
        while (true)
        {
            try
            {
                return new FileStream(full, new FileStreamOptions
                {
                    Mode = FileMode.OpenOrCreate,
                    Access = FileAccess.ReadWrite,
                    Share = FileShare.None,
                    UnixCreateMode = StagedFileWriter.PrivateFile,
                });
            }
            catch (IOException) when (clock.Elapsed < wait && File.Exists(full))
            {
                // Held by another run: wait a little longer each time, up to a quarter second.
                Thread.Sleep(pause);
                pause = Math.Min(pause * 2, 250);
            }
            catch (IOException) when (File.Exists(full))
            {
                throw new AgentFileLockException(
                    $"Another DcosTls run has held the lock '{full}' for more than {wait.TotalSeconds:0} s. Wait for it to finish and run the command again; nothing was changed.",
                    agentLock);
            }
        }
    }

    public void Dispose()
    {
        foreach (var stream in _held) stream.Dispose();
        _held.Clear();
    }
}

/// <summary>A lock another run held for too long: nothing was changed.</summary>
internal sealed class AgentFileLockException : IOException
{
    internal AgentFileLockException(string message, string agentLock) : base(message) => AgentLock = agentLock;

    internal string AgentLock { get; }

    internal const string ErrorId = "AgentFileLocked";
    internal const ErrorCategory Category = ErrorCategory.ResourceBusy;
}
