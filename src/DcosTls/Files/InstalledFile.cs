using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace DcosTls.Files;

/// <summary>
/// Reads a file that is already on the agent (a CA in a trust store, daemon.json, the certificates
/// it names, a docker CLI folder's files) so that no entry found there can hang the reader, exhaust
/// its memory or make it read outside the root: an entry (or the link's final target) that leaves
/// -Root is refused by the rule renewal uses (<see cref="AgentRoot.CheckRead"/>); only a regular file
/// is opened, its type checked before opening (a FIFO blocks open(2) until a writer comes, a device
/// like /dev/zero never ends) and again on the opened descriptor (the entry may be swapped between);
/// and it is read up to <see cref="MaxBytes"/>.
/// </summary>
internal static class InstalledFile
{
    /// <summary>A certificate, a key or daemon.json is a few KiB, a CA bundle a few hundred: 1 MiB is generous.</summary>
    internal const int MaxBytes = 1024 * 1024;

    /// <summary>
    /// The file's bytes (empty for an empty file). Throws FileNotFoundException when there is no file
    /// (a dangling link included), and <see cref="InstalledFileException"/> for an entry it does not read.
    /// </summary>
    /// <param name="root">The root the file must stay in; null for a folder read as given (a client folder).</param>
    internal static byte[] Read(string full, AgentRoot? root)
    {
        if (root != null)
        {
            try { root.CheckRead(full); }
            catch (PathOutsideRootException e)
            {
                throw new InstalledFileException(PathOutsideRootException.ErrorId, ErrorCategory.InvalidArgument, e.Message, full, health: "OutsideRoot");
            }
        }
        try
        {
            return OperatingSystem.IsLinux() ? ReadRegular(full) : ReadPortable(full);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException && e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new InstalledFileException("FileUnreadable", ErrorCategory.ReadError,
                $"'{full}' could not be read ({e.Message.TrimEnd('.')}). Run as root on the agent, or give a -Root you can read.", full, health: "Unreadable");
        }
    }

    private static byte[] ReadRegular(string full)
    {
        var (mode, size) = Native.Stat(Native.AtFdCwd, full, 0, full);
        RefuseOdd(full, mode, size);
        // O_NONBLOCK: should the entry have become a FIFO since the check, open(2) returns at once.
        int fd = Native.open(full, Native.ORdOnly | Native.ONonBlock | Native.ONoCtty | Native.OCloExec);
        if (fd < 0) throw Native.Error(Marshal.GetLastPInvokeError(), full);
        using var handle = new SafeFileHandle((IntPtr)fd, ownsHandle: true);
        (mode, size) = Native.Stat(fd, string.Empty, Native.AtEmptyPath, full);
        RefuseOdd(full, mode, size);
        return ReadBounded(full, (buffer, offset) => RandomAccess.Read(handle, buffer, offset));
    }

    /// <summary>Elsewhere (a developer's machine) no type beyond "folder" can be told without opening.</summary>
    private static byte[] ReadPortable(string full)
    {
        if (Directory.Exists(full)) RefuseOdd(full, Native.TypeDirectory, 0);
        using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return ReadBounded(full, (buffer, offset) => stream.Read(buffer));
    }

    /// <summary>At most <see cref="MaxBytes"/>; a file that grew past it since the check is refused all the same.</summary>
    private static byte[] ReadBounded(string full, ReadAt read)
    {
        byte[] buffer = new byte[MaxBytes + 1];
        int total = 0;
        while (total < buffer.Length)
        {
            int n = read(buffer.AsSpan(total), total);
            if (n <= 0) break;
            total += n;
        }
        if (total > MaxBytes) throw TooLarge(full);
        return buffer.AsSpan(0, total).ToArray();
    }

    private delegate int ReadAt(Span<byte> buffer, long offset);

    private static void RefuseOdd(string full, int type, long size)
    {
        if (type != Native.TypeRegular)
            throw new InstalledFileException("FileNotRegular", ErrorCategory.InvalidData,
                $"'{full}' is {Describe(type)}, not a regular file; it is not read. Remove it, or put the certificate file itself there.", full, health: "NotRegularFile");
        if (size > MaxBytes) throw TooLarge(full);
    }

    private static InstalledFileException TooLarge(string full)
        => new("FileTooLarge", ErrorCategory.InvalidData,
            $"'{full}' is larger than {MaxBytes / 1024} KiB, far more than a certificate file; it is not read. Remove it, or put the certificate file itself there.", full, health: "TooLarge");

    private static string Describe(int type) => type switch
    {
        Native.TypeDirectory => "a folder",
        Native.TypeFifo => "a FIFO (named pipe)",
        Native.TypeCharacterDevice => "a character device",
        Native.TypeBlockDevice => "a block device",
        Native.TypeSocket => "a socket",
        _ => $"a special file (type 0x{type:X4})",
    };

    /// <summary>
    /// statx(2), whose buffer has one layout on every Linux architecture (struct stat does not), and
    /// open(2). Flag values are those of x86-64 and arm64 alike.
    /// </summary>
    private static class Native
    {
        internal const int AtFdCwd = -100;
        internal const int AtEmptyPath = 0x1000;
        internal const uint StatxType = 0x1, StatxSize = 0x200;
        internal const int ORdOnly = 0, ONoCtty = 0x100, ONonBlock = 0x800, OCloExec = 0x80000;
        internal const int TypeMask = 0xF000, TypeFifo = 0x1000, TypeCharacterDevice = 0x2000, TypeDirectory = 0x4000,
            TypeBlockDevice = 0x6000, TypeRegular = 0x8000, TypeSocket = 0xC000;

        /// <summary>The type bits and size, following links (the root check has vetted them).</summary>
        internal static (int Type, long Size) Stat(int dirFd, string path, int flags, string shown)
        {
            byte[] buffer = new byte[256];
            if (statx(dirFd, path, flags, StatxType | StatxSize, buffer) != 0) throw Error(Marshal.GetLastPInvokeError(), shown);
            int mode = BitConverter.ToUInt16(buffer, 28); // stx_mode
            long size = (long)BitConverter.ToUInt64(buffer, 40); // stx_size
            return (mode & TypeMask, size);
        }

        internal static Exception Error(int errno, string path) => errno switch
        {
            2 or 20 => new FileNotFoundException($"'{path}' does not exist.", path), // ENOENT, ENOTDIR
            13 or 1 => new UnauthorizedAccessException($"access to '{path}' is denied"), // EACCES, EPERM
            _ => new IOException($"errno {errno}"),
        };

        [DllImport("libc", SetLastError = true)]
        private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);

        [DllImport("libc", SetLastError = true)]
        internal static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
    }
}
