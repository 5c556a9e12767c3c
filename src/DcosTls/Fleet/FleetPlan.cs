namespace DcosTls.Fleet;

/// <summary>
/// What every agent gets: CA certificates (PEM, never a key) trusted for the registries, registry
/// credentials written to the agent's Mesos credentials file, and optionally Docker daemon mutual TLS
/// with a key made on the agent, all under the agent's root. Under WhatIf every agent is asked what
/// would change and nothing is written.
/// </summary>
internal sealed record FleetPlan(
    IReadOnlyList<string> CaCertificatePem,
    IReadOnlyList<string> TrustRegistry,
    PSCredential? Credential,
    IReadOnlyList<string> CredentialRegistry,
    string Root,
    FleetDaemonSigner? Daemon = null,
    bool WhatIf = false);

/// <summary>How to reach agents that come as host names: SSH remoting to pwsh's powershell subsystem.</summary>
internal sealed record SshSettings(string UserName, string? KeyFilePath, int Port, System.Collections.Hashtable? Options, int ConnectingTimeoutMs);
