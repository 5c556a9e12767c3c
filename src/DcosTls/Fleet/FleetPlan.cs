namespace DcosTls.Fleet;

/// <summary>
/// What every agent gets: CA certificates (PEM, never a key) trusted for the registries, registry
/// credentials written to the agent's Mesos credentials file, and optionally Docker daemon mutual TLS
/// with a key made on the agent, all under the agent's root. The trust goes to the stores named by
/// TrustTarget (Docker, Mesos, System, Containers: Install-DockerRegistryTrust -Target), and to a
/// legacy bundle when one is named; with AuthArchivePath each agent also gets the docker.tar.gz
/// Marathon's fetcher reads (New-DockerAuthArchive), at the same agent path on every agent. Under
/// WhatIf every agent is asked what would change and nothing is written.
/// </summary>
internal sealed record FleetPlan(
    IReadOnlyList<string> CaCertificatePem,
    IReadOnlyList<string> TrustRegistry,
    PSCredential? Credential,
    IReadOnlyList<string> CredentialRegistry,
    string Root,
    FleetDaemonSigner? Daemon = null,
    bool WhatIf = false)
{
    /// <summary>The trust stores, as Install-DockerRegistryTrust -Target names them.</summary>
    internal IReadOnlyList<string> TrustTarget { get; init; } = new[] { "Docker", "Mesos" };

    /// <summary>An agent path of an existing PEM bundle the CA is appended to (DC/OS 1.8); null for none.</summary>
    internal string? LegacyBundlePath { get; init; }

    /// <summary>The agent path of the fetcher's docker.tar.gz for the credentials; null for none.</summary>
    internal string? AuthArchivePath { get; init; }

    /// <summary>With Daemon: the common name of an operator's client certificate each agent gets; null for none.</summary>
    internal string? ClientName { get; init; }

    /// <summary>The agent folder of the client files (DOCKER_CERT_PATH); ~ is the login user's home on the agent.</summary>
    internal string ClientCertificatePath { get; init; } = "~/.docker";
}

/// <summary>How to reach agents that come as host names: SSH remoting to pwsh's powershell subsystem.</summary>
internal sealed record SshSettings(string UserName, string? KeyFilePath, int Port, System.Collections.Hashtable? Options, int ConnectingTimeoutMs);
