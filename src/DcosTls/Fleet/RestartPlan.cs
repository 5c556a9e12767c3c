namespace DcosTls.Fleet;

/// <summary>What a changed agent file needs before it takes effect.</summary>
internal enum AgentChange
{
    /// <summary>Read when it is used (certs.d and the Mesos hashed folder at pull time, docker.tar.gz at task launch, client files by the client): nothing.</summary>
    None,
    /// <summary>daemon.json, the docker.service drop-in, the daemon's TLS files: daemon-reload, then docker (drains the agent).</summary>
    DockerDaemon,
    /// <summary>MESOS_DOCKER_CONFIG in mesos-slave-common and the credentials file it names (read at the agent's start): the Mesos agent unit.</summary>
    MesosAgent,
    /// <summary>An OS trust anchor: the distribution's update command, which Install-DockerRegistryTrust runs itself on the agent's real root.</summary>
    SystemTrust,
}

/// <summary>
/// The restarts one agent needs, in order: systemctl daemon-reload first whenever a unit restarts
/// (the drop-in may be new), docker before the Mesos agent (the agent finds dockerd up when it
/// recovers its Docker tasks), then units a previous rollout left pending. Pure: the rows or what-if
/// lines, the pending list and the Mesos unit in, the plan out.
/// </summary>
internal sealed record RestartPlan(IReadOnlyList<string> Units, bool SystemTrustUpdated)
{
    internal const string Docker = "docker";

    /// <summary>Nothing to do: no unit restarts and no OS trust bundle was rebuilt.</summary>
    internal static readonly RestartPlan Nothing = new(Array.Empty<string>(), false);

    /// <summary>True when any unit restarts: systemctl daemon-reload runs first.</summary>
    internal bool DaemonReload => Units.Count > 0;

    /// <summary>A docker restart stops the agent's Docker tasks (no live-restore on DC/OS): the agent is drained first.</summary>
    internal bool Drain => Units.Contains(Docker);

    /// <summary>The steps as the agent runs them, one line each.</summary>
    internal IReadOnlyList<string> Steps =>
        (SystemTrustUpdated ? new[] { "OS trust bundle rebuilt by Install-DockerRegistryTrust (no restart)" } : Array.Empty<string>())
        .Concat(DaemonReload ? new[] { "systemctl daemon-reload" } : Array.Empty<string>())
        .Concat(Units.Select(u => $"systemctl restart {u}.service"))
        .ToList();

    /// <param name="changes">What changed on the agent (see <see cref="Classify(string, string, string?, string?)"/>).</param>
    /// <param name="pending">Units a previous rollout marked and did not restart (restarted now although no file changes).</param>
    /// <param name="mesosUnit">dcos-mesos-slave or dcos-mesos-slave-public, as the agent has it; null when it has neither.</param>
    internal static RestartPlan For(IEnumerable<AgentChange> changes, IEnumerable<string> pending, string? mesosUnit)
    {
        var kinds = changes.ToHashSet();
        var left = pending.Where(u => !string.IsNullOrWhiteSpace(u)).ToList();
        var units = new List<string>();
        if (kinds.Contains(AgentChange.DockerDaemon) || left.Contains(Docker)) units.Add(Docker);
        if (kinds.Contains(AgentChange.MesosAgent))
            units.Add(mesosUnit ?? throw new InvalidOperationException("MESOS_DOCKER_CONFIG changed, but this agent has neither dcos-mesos-slave nor dcos-mesos-slave-public: is it a DC/OS agent?"));
        foreach (var unit in left.Where(u => !units.Contains(u))) units.Add(unit);
        return new RestartPlan(units, kinds.Contains(AgentChange.SystemTrust));
    }

    /// <summary>
    /// One row of the agent cmdlets: its type name (any of its TypeNames), its Action, the
    /// EnvironmentAction of a Set-MesosDockerConfig row, and the Target of a trust row. Rows whose
    /// files were kept need nothing.
    /// </summary>
    internal static AgentChange Classify(string typeNames, string action, string? environmentAction, string? target)
    {
        bool changed = Changed(action) || Changed(environmentAction);
        if (!changed) return AgentChange.None;
        if (typeNames.Contains("MesosDockerConfigResult", StringComparison.Ordinal)) return AgentChange.MesosAgent;
        if (typeNames.Contains("DockerTlsFile", StringComparison.Ordinal)) return AgentChange.DockerDaemon;
        if (typeNames.Contains("RegistryTrustResult", StringComparison.Ordinal) && string.Equals(target, "System", StringComparison.Ordinal))
            return AgentChange.SystemTrust;
        // Registry trust (certs.d, the Mesos hashed folder, containers, a legacy bundle), docker.tar.gz,
        // client files: read when used.
        return AgentChange.None;
    }

    /// <summary>The OS anchor folders of every family SystemTrustStore knows (CoreOS writes its own .pem files into /etc/ssl/certs).</summary>
    private static readonly string[] SystemAnchorFolders =
    {
        "/usr/local/share/ca-certificates", "/etc/pki/ca-trust/source/anchors", "/etc/pki/trust/anchors",
        "/etc/ca-certificates/trust-source/anchors", "/etc/ssl/certs/",
    };

    /// <summary>
    /// One what-if line of an agent (the agent cmdlets' ShouldProcess targets, or the fleet's own lines
    /// for an agent that has not got this module yet).
    /// </summary>
    internal static IEnumerable<AgentChange> Classify(string line)
    {
        if (line.Contains("/etc/docker/daemon.json", StringComparison.Ordinal) || line.Contains("docker.service.d", StringComparison.Ordinal)
            || line.Contains("/etc/docker/tls", StringComparison.Ordinal) || line.Contains("set daemon TLS", StringComparison.Ordinal))
            yield return AgentChange.DockerDaemon;
        if (line.Contains("mesos-slave-common", StringComparison.Ordinal) || line.Contains("docker_credentials", StringComparison.Ordinal)
            || line.Contains("Set registry credentials", StringComparison.Ordinal))
            yield return AgentChange.MesosAgent;
        if (SystemAnchorFolders.Any(f => line.Contains(f, StringComparison.Ordinal))
            || line.Contains("Rebuild the system trust bundle", StringComparison.Ordinal)
            || (line.StartsWith("Install registry trust", StringComparison.Ordinal) && line.Contains("System", StringComparison.Ordinal)))
            yield return AgentChange.SystemTrust;
    }

    private static bool Changed(string? action)
        => !string.IsNullOrEmpty(action) && !action.Equals("Unchanged", StringComparison.OrdinalIgnoreCase) && !action.Equals("Skipped", StringComparison.OrdinalIgnoreCase);
}
