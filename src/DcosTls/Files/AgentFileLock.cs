using System.Diagnostics;
using System.Runtime.InteropServices;
using DcosTls.Common;

namespace DcosTls.Files;

/// <summary>
/// Serializes read-modify-write changes of shared agent files (the Mesos hash folder, certs.d, the
/// credentials file, mesos-slave-common, daemon.json) between DcosTls runs, in this process or another.
/// The lock is the kernel's advisory flock on the root folder itself (the agent's / or the staging
/// root): one lock per root, so two runs can never wait for each other, no lock file is left in the
/// agent's folders, and a killed process never leaves it held. Changes take milliseconds, so one lock
/// for the whole root costs nothing that matters.
/// </summary>
internal sealed class AgentFileLock : IDisposable
{
    /// <summary>Long enough for another run's full change; short enough that a stuck run is reported.</summary>
    internal static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private int _descriptor;

    /// <summary>The root and its parents this lock created, deepest first; removed on release while empty.</summary>
    private List<string>? _created;

    private AgentFileLock(int descriptor) => _descriptor = descriptor;

    /// <summary>
    /// Takes the root's lock, waiting up to <paramref name="timeout"/>; nothing under -WhatIf (no write) or
    /// off Linux. A missing root is created first (it is about to be written to) and removed again on
    /// release when nothing was written into it: a user who answers No at -Confirm finds no empty
    /// root folder left behind.
    /// </summary>
    internal static AgentFileLock Acquire(StagedFileWriter writer, TimeSpan? timeout = null)
    {
        if (writer.DryRun || !OperatingSystem.IsLinux()) return new AgentFileLock(-1);
        while (true)
        {
            var created = new List<string>();
            for (string? d = writer.Root; d != null && !Directory.Exists(d); d = Path.GetDirectoryName(d)) created.Add(d);
            Directory.CreateDirectory(writer.Root);
            var held = AcquireFolder(writer.Root, timeout);
            // Another run that created the root and wrote nothing may have removed it while this one
            // waited: the lock would then be on a folder no longer there, so take it again.
            if (!Directory.Exists(writer.Root)) { held.Dispose(); continue; }
            held._created = created;
            return held;
        }
    }

    /// <summary>
    /// Takes the flock of an existing folder (an agent root, an ACME account folder), waiting up to
    /// <paramref name="timeout"/>; nothing off Linux.
    /// </summary>
    internal static AgentFileLock AcquireFolder(string folder, TimeSpan? timeout = null)
    {
        if (!OperatingSystem.IsLinux()) return new AgentFileLock(-1);
        int fd = Native.open(folder, Native.O_RDONLY | Native.O_CLOEXEC);
        if (fd < 0) throw new IOException($"The folder '{folder}' cannot be opened to lock it (errno {Marshal.GetLastWin32Error()}). Check that it is a readable folder.");
        var wait = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        int pause = 5;
        while (Native.flock(fd, Native.LOCK_EX | Native.LOCK_NB) != 0)
        {
            int errno = Marshal.GetLastWin32Error();
            if (errno != Native.EWOULDBLOCK && errno != Native.EINTR)
            {
                Native.close(fd);
                throw new IOException($"The folder '{folder}' cannot be locked (errno {errno}).");
            }
            if (clock.Elapsed >= wait)
            {
                Native.close(fd);
                throw new AgentFileLockException(
                    $"Another DcosTls run has been changing '{folder}' for more than {wait.TotalSeconds:0} s. Wait for it to finish and run the command again; nothing was changed.",
                    folder);
            }
            // Held by another run: wait a little longer each time, up to a quarter second.
            Thread.Sleep(pause);
            pause = Math.Min(pause * 2, 250);
        }
        return new AgentFileLock(fd);
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _descriptor, -1);
        if (fd < 0) return;
        // Still holding the lock: no other run writes into the root while it goes.
        foreach (string folder in _created ?? new List<string>())
        {
            try
            {
                if (Directory.EnumerateFileSystemEntries(folder).Any()) break;
                Directory.Delete(folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { break; }
        }
        Native.close(fd); // closing the descriptor releases the flock
    }

    private static class Native
    {
        internal const int O_RDONLY = 0;
        internal const int O_CLOEXEC = 0x80000; // the same on x86_64 and aarch64: no descriptor leaks into systemctl
        internal const int LOCK_EX = 2;
        internal const int LOCK_NB = 4;
        internal const int EINTR = 4;
        internal const int EWOULDBLOCK = 11;

        [DllImport("libc", SetLastError = true)]
        internal static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", SetLastError = true)]
        internal static extern int flock(int fd, int operation);

        [DllImport("libc", SetLastError = true)]
        internal static extern int close(int fd);
    }
}

/// <summary>A lock another run held for too long: nothing was changed.</summary>
internal sealed class AgentFileLockException : DcosTlsException
{
    internal AgentFileLockException(string message, string root) : base(ErrorId, Category, message, root) => Root = root;

    internal string Root { get; }

    internal new const string ErrorId = "AgentFileLocked";
    internal new const ErrorCategory Category = ErrorCategory.ResourceBusy;
}
