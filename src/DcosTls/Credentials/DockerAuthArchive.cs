using DcosTls.Common;
using DcosTls.Files;

namespace DcosTls.Credentials;

/// <summary>What New-DockerAuthArchive wrote, and how a Marathon app (Docker containerizer) uses it.</summary>
public sealed class DockerAuthArchive
{
    internal DockerAuthArchive(string path, string agentPath, string sha256, FileAction action, IEnumerable<string> registries, string fetchUri, string fetchEntry, string marathonApp)
    {
        Path = path;
        AgentPath = agentPath;
        Sha256 = sha256;
        Action = action;
        Registries = new ValueList<string>(registries);
        FetchUri = fetchUri;
        FetchEntry = fetchEntry;
        MarathonApp = marathonApp;
    }

    /// <summary>The archive on this machine (under -Root when one is given).</summary>
    public string Path { get; }

    /// <summary>The same file as agents see it: the path in a file:// fetch URI.</summary>
    public string AgentPath { get; }

    /// <summary>The archive's mode, octal: always 0600 (it holds credentials).</summary>
    public string Mode => FileModes.Octal(StagedFileWriter.PrivateFile);

    /// <summary>SHA-256 of the archive, lower-case hex (compare it on every agent).</summary>
    public string Sha256 { get; }

    public FileAction Action { get; }

    /// <summary>Every registry in the archive after the change (merged unless -Replace).</summary>
    public ValueList<string> Registries { get; }

    /// <summary>The URI the Mesos fetcher downloads: file:// (the same path on every agent) or -Uri.</summary>
    public string FetchUri { get; }

    /// <summary>The Marathon "fetch" entry, JSON.</summary>
    public string FetchEntry { get; }

    /// <summary>An example Marathon app (container.type DOCKER) using the archive, JSON.</summary>
    public string MarathonApp { get; }

    public override string ToString() => Path;
}
