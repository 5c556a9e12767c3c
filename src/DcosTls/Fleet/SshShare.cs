using System.Collections;

namespace DcosTls.Fleet;

/// <summary>
/// One SSH connection per agent, shared by the remoting session and the module's stream: the session's
/// ssh client is made an OpenSSH connection master (ControlMaster) with its control socket in a folder
/// of this process's own (0700, removed when the agent's work ends), so that the stream opens a channel
/// on that connection instead of a second connection with its own key exchange and login (a dozen
/// round trips on a distant agent). The socket gives whoever can reach it the agent login; only this
/// user (and root) can reach the folder, as only they can read the login key. An -SSHOption that sets
/// any Control* option is left as it is, and so is a temp folder whose path is too long for a socket
/// or cannot be made (the stream then makes its own connection).
/// </summary>
internal sealed class SshShare : IDisposable
{
    private readonly string? _folder;

    private SshShare(SshSettings settings, string? folder)
    {
        Settings = settings;
        _folder = folder;
    }

    /// <summary>The settings for both the session and the stream (the caller's own when nothing is shared).</summary>
    internal SshSettings Settings { get; }

    internal static SshShare Create(SshSettings ssh)
    {
        // Windows' OpenSSH client has no connection sharing.
        if (OperatingSystem.IsWindows()) return new SshShare(ssh, null);
        if (ssh.Options != null && ssh.Options.Keys.Cast<object>().Any(k => k.ToString()!.StartsWith("Control", StringComparison.OrdinalIgnoreCase)))
            return new SshShare(ssh, null);
        string folder = Path.Combine(Path.GetTempPath(), "dcostls-ssh-" + Guid.NewGuid().ToString("N")[..12]);
        string socket = Path.Combine(folder, "cm");
        // sun_path holds 108 bytes; ssh adds a 17-character suffix while it makes the socket.
        if (Encoding.UTF8.GetByteCount(socket) > 80 || socket.Contains(' ', StringComparison.Ordinal)) return new SshShare(ssh, null);
        try { Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return new SshShare(ssh, null); }
        var options = ssh.Options == null ? new Hashtable(StringComparer.OrdinalIgnoreCase) : new Hashtable(ssh.Options, StringComparer.OrdinalIgnoreCase);
        options["ControlMaster"] = "auto";
        options["ControlPath"] = socket;
        options["ControlPersist"] = "no";
        return new SshShare(ssh with { Options = options }, folder);
    }

    public void Dispose()
    {
        if (_folder == null) return;
        try { Directory.Delete(_folder, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* a master still ending; the folder is empty and private */ }
    }
}
