using DcosTls.Common;

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

    /// <summary>
    /// Connect, Module, Provision, DaemonTls or ClientCertificate: where a failed agent stopped; with -Restart also Drain,
    /// Restart, Check or Register, and NotAttempted; empty on success.
    /// </summary>
    public string? FailedStage { get; }

    /// <summary>Why the agent failed, in the agent's or the transport's words; empty on success.</summary>
    public string? Error { get; }

    /// <summary>
    /// With -Restart: Restarted, PartlyRestarted (a unit was declined), NothingToRestart, Declined, Failed,
    /// Stopped (the rollout was stopped while it worked on this agent), or NotAttempted (an earlier agent
    /// failed, or the rollout was stopped, before this one); NotRequested without -Restart.
    /// </summary>
    public string Rollout { get; internal init; } = "NotRequested";

    /// <summary>The units restarted on the agent, in order (docker, dcos-mesos-slave or dcos-mesos-slave-public).</summary>
    public ValueList<string> RestartedUnits { get; internal init; } = new(Array.Empty<string>());

    /// <summary>True when the rollout left the agent out of service (drained or deactivated): see Recovery.</summary>
    public bool OutOfService { get; internal init; }

    /// <summary>For a failed or stopped agent: what to do next (the rerun, or the REACTIVATE_AGENT call that brings it back).</summary>
    public string? Recovery { get; internal init; }

    /// <summary>
    /// With -Restart: what the agent was checked for after its restarts, before it went back in service
    /// (each restarted unit active, the credentials file readable, Test-DockerDaemonTls,
    /// Test-DockerRegistryTrust for each registry of -Registry through the stores of -Target).
    /// </summary>
    public ValueList<string> Checks { get; internal init; } = new(Array.Empty<string>());

    /// <summary>This row with the rollout's outcome.</summary>
    internal FleetAgentResult With(string rollout, IEnumerable<string> units, IEnumerable<string>? checks = null)
        => new(Agent, Succeeded, Changed, Module, Rows, FailedStage, Error)
        {
            WouldChange = WouldChange, Rollout = rollout, RestartedUnits = new ValueList<string>(units), Checks = new ValueList<string>(checks ?? Array.Empty<string>()),
        };

    /// <summary>An agent the rollout did not reach because an earlier one failed (or, without one, because the rollout was stopped).</summary>
    internal static FleetAgentResult NotAttempted(string agent, string? failedAgent)
        => new(agent, false, false, "NotChecked", Array.Empty<PSObject>(), "NotAttempted",
            failedAgent == null ? "not attempted: the rollout was stopped" : $"not attempted: the rollout stopped at {failedAgent}")
        {
            Rollout = "NotAttempted",
            Recovery = failedAgent == null
                ? "Run the same command again: agents with nothing to change are skipped."
                : $"Fix {failedAgent}, then run the same command again: agents with nothing to change are skipped.",
        };

    /// <summary>An agent the rollout was working on when it was stopped (Ctrl+C).</summary>
    internal static FleetAgentResult Stopped(string agent, string stage, bool outOfService, string recovery, IEnumerable<string> restarted)
        => new(agent, false, false, "NotChecked", Array.Empty<PSObject>(), stage, $"stopped at {stage}")
        {
            Rollout = "Stopped", OutOfService = outOfService, Recovery = recovery, RestartedUnits = new ValueList<string>(restarted),
        };

    /// <summary>Under -WhatIf: what would change on the agent, one line each, in the agent's words.</summary>
    internal IReadOnlyList<string> WouldChange { get; init; } = Array.Empty<string>();

    public override string ToString() => Succeeded ? $"{Agent}: {(Changed ? "changed" : "unchanged")}" : $"{Agent}: failed at {FailedStage}: {Error}";
}
