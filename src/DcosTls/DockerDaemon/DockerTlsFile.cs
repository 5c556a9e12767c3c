using DcosTls.Files;

namespace DcosTls.DockerDaemon;

/// <summary>One file Set-DockerDaemonTls or Install-DockerClientCertificate wrote, kept or removed.</summary>
public sealed class DockerTlsFile
{
    internal DockerTlsFile(string role, string path, string? agentPath, FileAction action, UnixFileMode? mode, string? backup)
    {
        Role = role;
        Path = path;
        AgentPath = agentPath;
        Action = action;
        Mode = mode.HasValue ? FileModes.Octal(mode.Value) : null;
        Backup = backup;
    }

    /// <summary>What the file is: CaCertificate, ServerCertificate, ServerKey, DaemonConfig, SystemdDropIn, ClientCertificate, ClientKey.</summary>
    public string Role { get; }

    /// <summary>The file on this machine (under -Root).</summary>
    public string Path { get; }

    /// <summary>The same file as the agent sees it (Path without the staging root); empty for client files.</summary>
    public string? AgentPath { get; }

    public FileAction Action { get; }

    /// <summary>The mode the file is created with, octal ("0600").</summary>
    public string? Mode { get; }

    /// <summary>The copy of the previous content, when it was replaced.</summary>
    public string? Backup { get; }

    public override string ToString() => $"{Action} {Path}";
}
