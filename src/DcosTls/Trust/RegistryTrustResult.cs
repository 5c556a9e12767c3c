using DcosTls.Files;

namespace DcosTls.Trust;

/// <summary>One file or link that Install- or Uninstall-DockerRegistryTrust wrote, kept or removed.</summary>
public sealed class RegistryTrustResult
{
    /// <summary>Made only by the module; its properties are set once, when it is made.</summary>
    internal RegistryTrustResult() { }

    /// <summary>Docker, Mesos, System, Containers or LegacyBundle.</summary>
    public string Target { get; internal init; } = string.Empty;

    /// <summary>host[:port]; empty for stores shared by every registry (Mesos, System).</summary>
    public string? Registry { get; internal init; }

    /// <summary>The file or link on this machine (under -Root).</summary>
    public string Path { get; internal init; } = string.Empty;

    /// <summary>The same file or link as the agent sees it (Path without the staging root).</summary>
    public string AgentPath { get; internal init; } = string.Empty;

    public FileAction Action { get; internal init; }

    /// <summary>OpenSSL subject hash of the certificate (the hash link's name).</summary>
    public string? SubjectHash { get; internal init; }

    /// <summary>SHA-1 of the certificate, upper-case hex (as DcosCertificate.Thumbprint and X509Certificate2.Thumbprint).</summary>
    public string? Thumbprint { get; internal init; }

    /// <summary>SHA-256 of the certificate, upper-case hex.</summary>
    public string? Sha256Fingerprint { get; internal init; }

    public override string ToString() => $"{Action} {Path}";
}
