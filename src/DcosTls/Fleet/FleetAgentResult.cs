namespace DcosTls.Fleet;

/// <summary>
/// What provisioning did on one agent: whether it succeeded, whether anything changed there, what
/// happened to the module copy, the per-file rows the agent's cmdlets returned, and why it failed.
/// </summary>
public sealed class FleetAgentResult
{
    internal FleetAgentResult(string agent, bool succeeded, bool changed, string module, IEnumerable<PSObject> rows, string? stage, string? error)
    {
        Agent = agent;
        Succeeded = succeeded;
        Changed = changed;
        Module = module;
        Rows = new ValueList<PSObject>(rows);
        FailedStage = stage;
        Error = error;
    }

    /// <summary>The host name (or session name) the agent was reached by.</summary>
    public string Agent { get; }

    public bool Succeeded { get; }

    /// <summary>True when a file was written on the agent (module files included).</summary>
    public bool Changed { get; }

    /// <summary>The module on the agent: Installed, Updated, Unchanged, or NotChecked when it was not reached.</summary>
    public string Module { get; }

    /// <summary>The rows of Install-DockerRegistryTrust, Set-MesosDockerConfig and Set-DockerDaemonTls on the agent, as they came back.</summary>
    public ValueList<PSObject> Rows { get; }

    /// <summary>Connect, Module, Provision or DaemonTls: where a failed agent stopped; empty on success.</summary>
    public string? FailedStage { get; }

    /// <summary>Why the agent failed, in the agent's or the transport's words; empty on success.</summary>
    public string? Error { get; }

    /// <summary>Under -WhatIf: what would change on the agent, one line each, in the agent's words.</summary>
    internal IReadOnlyList<string> WouldChange { get; init; } = Array.Empty<string>();

    public override string ToString() => Succeeded ? $"{Agent}: {(Changed ? "changed" : "unchanged")}" : $"{Agent}: failed at {FailedStage}: {Error}";
}
