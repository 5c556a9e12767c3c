using DcosTls.Common;
using DcosTls.Files;

namespace DcosTls.Credentials;

/// <summary>What New-DockerAuthArchive wrote, and how a Marathon app (Docker containerizer) uses it.</summary>
public sealed class DockerAuthArchive
{
    /// <summary>Made only by the module; its properties are set once, when it is made.</summary>
    internal DockerAuthArchive() { }

    /// <summary>The archive on this machine (under -Root when one is given).</summary>
    public string Path { get; internal init; } = string.Empty;

    /// <summary>The same file as agents see it: the path in a file:// fetch URI.</summary>
    public string AgentPath { get; internal init; } = string.Empty;

    /// <summary>The archive's mode, octal: always 0600 (it holds credentials).</summary>
    public string Mode => FileModes.Octal(StagedFileWriter.PrivateFile);

    /// <summary>SHA-256 of the archive, lower-case hex (compare it on every agent).</summary>
    public string Sha256 { get; internal init; } = string.Empty;

    public FileAction Action { get; internal init; }

    /// <summary>Every registry in the archive after the change (merged unless -Replace).</summary>
    public ValueList<string> Registries { get; internal init; } = new(Array.Empty<string>());

    /// <summary>The URI the Mesos fetcher downloads: file:// (the same path on every agent) or -Uri.</summary>
    public string FetchUri { get; internal init; } = string.Empty;

    /// <summary>The Marathon "fetch" entry, JSON.</summary>
    public string FetchEntry { get; internal init; } = string.Empty;

    /// <summary>An example Marathon app (container.type DOCKER) using the archive, JSON.</summary>
    public string MarathonApp { get; internal init; } = string.Empty;

    public override string ToString() => Path;
}
