using System.Collections.ObjectModel;
using System.Management.Automation.Runspaces;
using DcosTls.Common;
using DcosTls.DockerDaemon;
using DcosTls.Session;

namespace DcosTls.Fleet;

/// <summary>How a rollout restarts what changed: the master to drain through, its bounds, and who says yes.</summary>
internal sealed record RolloutSettings(MesosOperator Master, TimeSpan DrainTimeout, Func<string, string, bool> Confirm)
{
    /// <summary>The registries the plan trusts, checked with Test-DockerRegistryTrust after an agent's restarts.</summary>
    internal IReadOnlyList<string> Registries { get; init; } = Array.Empty<string>();

    /// <summary>The stores the plan wrote their CAs to (Install-DockerRegistryTrust -Target), the ones the check reads.</summary>
    internal IReadOnlyList<string> TrustTargets { get; init; } = Array.Empty<string>();

    /// <summary>
    /// -NoDrain: docker restarts without the agent being taken out of service first (the operator's
    /// choice on a cluster without the drain API): its Docker tasks stop and their schedulers start them again.
    /// </summary>
    internal bool NoDrain { get; init; }
}

/// <summary>
/// Makes one agent's changed files take effect: restarts exactly the units whose configuration changed,
/// in order (systemctl daemon-reload; docker for daemon.json, its drop-in and the daemon's TLS files;
/// dcos-mesos-slave or dcos-mesos-slave-public, as the agent has it, for MESOS_DOCKER_CONFIG and the
/// credentials file it names; nothing for certs.d or the Mesos hashed folder, read at pull time). A
/// docker restart stops the agent's Docker tasks (DC/OS runs dockerd without live-restore): the agent is
/// drained through the master first and reactivated after its checks pass. A Mesos agent restart alone
/// keeps the tasks (checkpointing) and is not drained. The units still to restart are kept on the agent
/// until it is back, so a rerun after a failure restarts them even though no file changes any more.
/// </summary>
internal sealed class AgentRollout(RolloutSettings settings, string root, bool daemonTls, bool whatIf, Action<string> log)
{
    internal const string Docker = RestartPlan.Docker;

    /// <summary>
    /// Before any agent is reached: a rollout that may restart docker needs the master's drain API
    /// (DC/OS 2.0 and later), unless the operator chose -NoDrain. An older cluster is refused with the
    /// choices, instead of failing at the first agent's drain.
    /// </summary>
    internal void RequireDrainApi(bool mayRestartDocker)
    {
        if (settings.NoDrain || !mayRestartDocker) return;
        if (settings.Master.HasDrain(out string found)) return;
        throw new DcosTlsException("FleetDrainUnsupported", ErrorCategory.NotImplemented,
            $"The cluster at {settings.Master.Cluster} has no drain API ({found}; DRAIN_AGENT needs Mesos 1.9, DC/OS 2.0 or later), " +
            "and -DaemonTls restarts docker, which stops every Docker task on the agent. Choose: add -NoDrain to restart docker " +
            "without taking agents out of service (their Docker tasks stop and Marathon starts them again; -MaxUnavailable still " +
            "bounds how many agents restart at once), or leave out -Restart and drain and restart each agent yourself.",
            settings.Master.Cluster);
    }

    /// <summary>What the agent cmdlets' rows changed (rows whose files were kept change nothing).</summary>
    internal static IEnumerable<AgentChange> ChangesOf(IEnumerable<PSObject> rows)
        => rows.Select(row => RestartPlan.Classify(string.Join(" ", row.TypeNames), Text(row, "Action"),
            row.Properties["EnvironmentAction"]?.Value?.ToString(), row.Properties["Target"]?.Value?.ToString()));

    /// <summary>Runs on the agent's open session after its files were provisioned; returns the agent's row with the rollout's outcome.</summary>
    internal FleetAgentResult Run(FleetAgentResult provisioned, string agent, string? manifest, Runspace runspace,
        Func<Runspace, string, IDictionary<string, object?>, Collection<PSObject>> run, List<string> would)
    {
        var inspect = run(runspace, AgentScripts.RestartInspect, new Dictionary<string, object?> { ["Root"] = root }).Single();
        string? mesosUnit = inspect.Properties["MesosUnit"].Value as string;
        var pending = Strings(inspect.Properties["Pending"].Value);
        var plan = RestartPlan.For(whatIf ? would.SelectMany(RestartPlan.Classify) : ChangesOf(provisioned.Rows), pending, mesosUnit);
        var units = plan.Units.ToList();
        if (plan.SystemTrustUpdated) log($"{agent}: the OS trust bundle was {(whatIf ? "to be " : "")}rebuilt by Install-DockerRegistryTrust; it restarts nothing");

        if (whatIf)
        {
            if (units.Count > 0)
                would.Add($"Restart {string.Join(", ", units)} (systemctl daemon-reload first{(!units.Contains(Docker) ? "; no drain" : settings.NoDrain ? "; no drain (-NoDrain): the agent's Docker tasks stop" : "; drain the agent through the master first, reactivate it after")})");
            return provisioned.With(units.Count > 0 ? "WouldRestart" : "NothingToRestart", Array.Empty<string>());
        }
        if (units.Count == 0) return provisioned.With("NothingToRestart", Array.Empty<string>());

        var master = settings.Master;
        var state = master.Find(agent)
            ?? throw new RolloutException($"The master at {master.Cluster} lists no agent with the host name '{agent}': the rollout needs the agent's id to take it out of service. Check with Get-DcosAgent.", "Register", false, null);
        // A docker restart stops the agent's Docker tasks: drained first, unless the operator chose -NoDrain.
        bool disturbing = units.Contains(Docker) && !settings.NoDrain;
        // From here on the units stay listed on the agent until they are restarted: a declined or
        // failed restart is offered again by the next run, although no file changes then.
        run(runspace, AgentScripts.RestartMark, new Dictionary<string, object?> { ["Root"] = root, ["Units"] = units.ToArray() });
        if (!settings.Confirm(agent, $"Restart {string.Join(", ", units)}" + (disturbing ? " (drains the agent first: its tasks move)"
                : units.Contains(Docker) ? " (no drain, -NoDrain: its Docker tasks stop)" : " (no drain)")))
            return provisioned.With("Declined", Array.Empty<string>());
        bool outOfService = state.Deactivated || state.DrainState != null;
        var restarted = new List<string>();
        var checks = new List<string>();
        string stage = "Drain";
        try
        {
            if (disturbing)
            {
                if (state.DrainState == null)
                {
                    log($"{agent}: DRAIN_AGENT {state.Id}");
                    try { master.Drain(state.Id, settings.DrainTimeout); }
                    catch (DcosApiException e) when (MesosOperator.IsUnknownCall(e) && !master.HasDrain(out _))
                    {
                        throw new DcosApiException("FleetDrainUnsupported",
                            $"The master at {master.Cluster} does not know DRAIN_AGENT (DC/OS before 2.0 has no drain API). Run again with -NoDrain to restart " +
                            "docker without taking the agent out of service (its Docker tasks stop; Marathon starts them again), or drain and restart it yourself.", e.StatusCode);
                    }
                }
                outOfService = true;
                WaitFor(() => master.Get(state.Id)?.DrainState == "DRAINED", $"the drain of agent {state.Id} did not reach DRAINED within {settings.DrainTimeout.TotalSeconds:0} s (-DrainTimeout): a task does not end, or its scheduler does not acknowledge it");
                log($"{agent}: drained");
            }
            stage = "Restart";
            run(runspace, AgentScripts.Systemctl, new Dictionary<string, object?> { ["Unit"] = null });
            foreach (var unit in units)
            {
                if (!settings.Confirm($"{agent}: {unit}.service", "Restart")) continue;
                log($"{agent}: systemctl restart {unit}");
                run(runspace, AgentScripts.Systemctl, new Dictionary<string, object?> { ["Unit"] = unit });
                restarted.Add(unit);
            }
            stage = "Check";
            var check = run(runspace, AgentScripts.RestartCheck, new Dictionary<string, object?>
            {
                ["Manifest"] = manifest, ["Root"] = root, ["Units"] = restarted.ToArray(), ["MesosUnit"] = mesosUnit, ["DaemonTls"] = daemonTls,
                ["Registry"] = settings.Registries.ToArray(), ["Target"] = settings.TrustTargets.ToArray(),
            }).Single();
            checks = Strings(check.Properties["Checked"].Value);
            var problems = Strings(check.Properties["Problems"].Value);
            log($"{agent}: checked {string.Join(", ", checks)}");
            if (problems.Count > 0) throw new InvalidOperationException(string.Join("; ", problems));
            stage = "Register";
            if (mesosUnit != null && restarted.Contains(mesosUnit))
                WaitFor(() => master.Get(state.Id)?.ReregisteredNs > state.ReregisteredNs, $"agent {state.Id} did not register with the master again within {settings.DrainTimeout.TotalSeconds:0} s of its restart");
            if (outOfService)
            {
                log($"{agent}: REACTIVATE_AGENT {state.Id}");
                master.Reactivate(state.Id);
                WaitFor(() => master.Get(state.Id) is { Active: true, DrainState: null }, $"agent {state.Id} is not active within {settings.DrainTimeout.TotalSeconds:0} s of REACTIVATE_AGENT");
                outOfService = false;
            }
            var left = units.Where(u => !restarted.Contains(u)).ToArray();
            run(runspace, AgentScripts.RestartMark, new Dictionary<string, object?> { ["Root"] = root, ["Units"] = left });
            return provisioned.With(left.Length == 0 ? "Restarted" : "PartlyRestarted", restarted, checks);
        }
        catch (Exception e) when (settings.Master.Cancel.IsCancellationRequested)
        {
            // Stopped (Ctrl+C): whatever the stop broke, the caller learns whether this agent is out of service.
            throw new RolloutStoppedException(agent, stage, outOfService,
                outOfService
                    ? $"Agent {agent} ({state.Id}) was left out of service (drained) when the rollout was stopped. Run the same command again: it restarts {string.Join(", ", units)} and reactivates the agent. To bring it back without that: {master.ReactivateHint(state.Id)}"
                    : $"The rollout was stopped at {stage} on {agent}. Run the same command again: it restarts {string.Join(", ", units)} on {agent}.",
                e, settings.Master.Cancel)
            { Restarted = restarted };
        }
        catch (Exception e) when (e is RuntimeException or InvalidOperationException or DcosApiException or TimeoutException)
        {
            string reason = e is RuntimeException r && r.ErrorRecord?.ErrorDetails?.Message is { Length: > 0 } d ? d : e.Message;
            throw new RolloutException(reason.ReplaceLineEndings(" ").Trim(), stage, outOfService,
                outOfService
                    ? $"Agent {agent} ({state.Id}) is still out of service (drained). Fix what the error says, then run the same command again: it restarts {string.Join(", ", units)} and reactivates the agent. To bring it back without that: {master.ReactivateHint(state.Id)}"
                    : $"Fix what the error says, then run the same command again: it restarts {string.Join(", ", units)} on {agent}.")
            { Restarted = restarted };
        }
    }

    /// <summary>Asks until done, every 100 ms at first and then 100 ms less often each time (at most once a second), until -DrainTimeout; a stop ends the wait at once.</summary>
    private void WaitFor(Func<bool> done, string timeoutMessage)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var cancel = settings.Master.Cancel;
        int pause = 100;
        while (!done())
        {
            if (watch.Elapsed >= settings.DrainTimeout) throw new TimeoutException(timeoutMessage + ".");
            if (cancel.WaitHandle.WaitOne(pause)) throw new OperationCanceledException(cancel);
            pause = Math.Min(1000, pause + 100);
        }
    }

    private static List<string> Strings(object? value)
        => PSObject.AsPSObject(value).BaseObject switch
        {
            null => new List<string>(),
            string s => new List<string> { s },
            System.Collections.IEnumerable items => items.Cast<object?>().Where(o => o != null).Select(o => o!.ToString()!).Where(s => s.Length > 0).ToList(),
            var other => new List<string> { other.ToString()! },
        };

    private static string Text(PSObject row, string property) => row.Properties[property]?.Value?.ToString() ?? string.Empty;
}

/// <summary>A rollout step that failed on an agent: where, whether the agent was left out of service, and how to bring it back.</summary>
internal sealed class RolloutException(string message, string stage, bool leftDrained, string? recovery) : Exception(message)
{
    internal string Stage { get; } = stage;
    internal bool LeftDrained { get; } = leftDrained;
    internal string? Recovery { get; } = recovery;
    internal IReadOnlyList<string> Restarted { get; init; } = Array.Empty<string>();
}

/// <summary>A rollout stopped (Ctrl+C) while it worked on an agent: where, whether the agent was left out of service, and how to bring it back.</summary>
internal sealed class RolloutStoppedException(string agent, string stage, bool leftDrained, string recovery, Exception inner, CancellationToken cancel)
    : OperationCanceledException($"The rollout was stopped at {stage} on {agent}.", inner, cancel)
{
    internal string Agent { get; } = agent;
    internal string Stage { get; } = stage;
    internal bool LeftDrained { get; } = leftDrained;
    internal string Recovery { get; } = recovery;
    internal IReadOnlyList<string> Restarted { get; init; } = Array.Empty<string>();
}

/// <summary>
/// A rollout stopped (Ctrl+C): every agent's row as far as it got. Agents it was working on are
/// Stopped (OutOfService with the way back when drained), agents it had not started NotAttempted.
/// </summary>
internal sealed class FleetStoppedException(IReadOnlyList<FleetAgentResult> results, CancellationToken cancel)
    : OperationCanceledException("The rollout was stopped.", cancel)
{
    internal IReadOnlyList<FleetAgentResult> Results { get; } = results;
}
