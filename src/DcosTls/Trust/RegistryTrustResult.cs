using DcosTls.Files;

namespace DcosTls.Trust;

/// <summary>One file or link that Install- or Uninstall-DockerRegistryTrust wrote, kept or removed.</summary>
public sealed class RegistryTrustResult
{
    internal RegistryTrustResult(string target, string? registry, string path, string agentPath, FileAction action, string? subjectHash, string? thumbprint, string? sha256Fingerprint)
    {
        Target = target;
        Registry = registry;
        Path = path;
        AgentPath = agentPath;
        Action = action;
        SubjectHash = subjectHash;
        Thumbprint = thumbprint;
        Sha256Fingerprint = sha256Fingerprint;
    }

    /// <summary>Docker, Mesos, System, Containers or LegacyBundle.</summary>
    public string Target { get; }

    /// <summary>host[:port]; empty for stores shared by every registry (Mesos, System).</summary>
    public string? Registry { get; }

    /// <summary>The file or link on this machine (under -Root).</summary>
    public string Path { get; }

    /// <summary>The same file or link as the agent sees it (Path without the staging root).</summary>
    public string AgentPath { get; }

    public FileAction Action { get; }

    /// <summary>OpenSSL subject hash of the certificate (the hash link's name).</summary>
    public string? SubjectHash { get; }

    /// <summary>SHA-1 of the certificate, upper-case hex (as DcosCertificate.Thumbprint and X509Certificate2.Thumbprint).</summary>
    public string? Thumbprint { get; }

    /// <summary>SHA-256 of the certificate, upper-case hex.</summary>
    public string? Sha256Fingerprint { get; }

    public override string ToString() => $"{Action} {Path}";
}
