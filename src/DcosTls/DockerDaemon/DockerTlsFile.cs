using DcosTls.Files;

namespace DcosTls.DockerDaemon;

/// <summary>One file Set-DockerDaemonTls or Install-DockerClientCertificate wrote, kept or removed.</summary>
public sealed class DockerTlsFile
{
    internal DockerTlsFile(string role, string path, string fullPath, FileAction action, UnixFileMode? mode, string? backup)
    {
        Role = role;
        Path = path;
        FullPath = fullPath;
        Action = action;
        Mode = mode.HasValue ? Convert.ToString((int)mode.Value, 8).PadLeft(4, '0') : null;
        Backup = backup;
    }

    /// <summary>What the file is: CaCertificate, ServerCertificate, ServerKey, DaemonConfig, SystemdDropIn, ClientCertificate, ClientKey.</summary>
    public string Role { get; }

    /// <summary>The path on the agent (or the given client folder).</summary>
    public string Path { get; }

    /// <summary>Where it really is (under -Root).</summary>
    public string FullPath { get; }

    public FileAction Action { get; }

    /// <summary>The mode the file is created with, octal ("0600").</summary>
    public string? Mode { get; }

    /// <summary>The copy of the previous content, when it was replaced.</summary>
    public string? Backup { get; }

    public override string ToString() => $"{Action} {Path}";
}
