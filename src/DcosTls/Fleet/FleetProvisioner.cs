using System.Collections;
using System.Collections.Concurrent;
using System.Management.Automation.Runspaces;
using System.Collections.ObjectModel;
using DcosTls.Common;
using DcosTls.Requests;
using DcosTls.Session;

namespace DcosTls.Fleet;

/// <summary>One agent to provision: a host name to open an SSH session to, or a session the caller opened.</summary>
internal sealed record FleetTarget(string Name, PSSession? Session);

/// <summary>
/// Provisions agents in parallel (at most ThrottleLimit at a time), each on its own thread with its
/// own remote runspace: connect, bring the module (same version, the files whose SHA-256 differs,
/// ModuleCopy), apply the plan. A failure on one agent ends only that agent's work and is
/// reported in its row.
/// </summary>
internal sealed class FleetProvisioner
{
    private static readonly HashSet<string> Unchanging = new(StringComparer.OrdinalIgnoreCase) { "Unchanged", "Skipped", "" };
    private readonly FleetPlan _plan;
    private readonly SshSettings _ssh;
    private readonly ModulePayload _module;
    private readonly Action<string> _log;
    private readonly Action<FleetAgentResult> _agentDone;
    private readonly AgentRollout? _rollout;

    /// <param name="agentDone">Told each agent's result as soon as it ends (from worker threads), for progress.</param>
    /// <param name="rollout">With -Restart: makes each agent's changes take effect while its session is open.</param>
    internal FleetProvisioner(FleetPlan plan, SshSettings ssh, ModulePayload module, Action<string> log, Action<FleetAgentResult>? agentDone = null, AgentRollout? rollout = null)
    {
        _plan = plan;
        _ssh = ssh;
        _module = module;
        _log = log;
        _agentDone = agentDone ?? (_ => { });
        _rollout = rollout;
    }

    /// <summary>
    /// The rollout order: agents in the order given, at most <paramref name="maxUnavailable"/> at a time,
    /// so that no more agents than that are out of service at once. The first agent that fails stops the
    /// rollout (under -WhatIf every agent is asked): agents not started by then are NotAttempted.
    /// </summary>
    internal IReadOnlyList<FleetAgentResult> RunRollout(IReadOnlyList<FleetTarget> targets, int maxUnavailable, CancellationToken cancel)
    {
        var results = new FleetAgentResult?[targets.Count];
        int next = -1;
        string? failedAgent = null;
        var workers = Enumerable.Range(0, Math.Max(1, Math.Min(maxUnavailable, targets.Count))).Select(_ => Task.Run(() =>
        {
            while (true)
            {
                int i = Interlocked.Increment(ref next);
                if (i >= targets.Count || cancel.IsCancellationRequested) return;
                string? stopped = Volatile.Read(ref failedAgent);
                if (stopped != null)
                {
                    results[i] = FleetAgentResult.NotAttempted(targets[i].Name, stopped);
                    _log($"{targets[i].Name}: not attempted (the rollout stopped at {stopped})");
                }
                else
                {
                    try { results[i] = ProvisionOne(targets[i], cancel); }
                    catch (RolloutStoppedException e)
                    {
                        results[i] = FleetAgentResult.Stopped(targets[i].Name, e.Stage, e.LeftDrained, e.Recovery, e.Restarted);
                        return;
                    }
                    catch (OperationCanceledException)
                    {
                        results[i] = FleetAgentResult.Stopped(targets[i].Name, "Provision", false, "Run the same command again: agents with nothing to change are skipped.", Array.Empty<string>());
                        return;
                    }
                    if (!results[i]!.Succeeded && !_plan.WhatIf) Interlocked.CompareExchange(ref failedAgent, targets[i].Name, null);
                }
                _agentDone(results[i]!);
            }
        })).ToArray();
        Task.WaitAll(workers);
        // Stopped: every agent is accounted for, those left out of service first of all.
        if (cancel.IsCancellationRequested)
            throw new FleetStoppedException(results.Select((r, i) => r ?? FleetAgentResult.NotAttempted(targets[i].Name, null)).ToList(), cancel);
        return results.Select(r => r!).ToList();
    }

    /// <summary>
    /// Results in the order of <paramref name="targets"/>. On cancellation every agent's open work is
    /// stopped and its session closed before this throws <see cref="OperationCanceledException"/>.
    /// </summary>
    internal IReadOnlyList<FleetAgentResult> Run(IReadOnlyList<FleetTarget> targets, int throttleLimit, CancellationToken cancel)
    {
        using var gate = new SemaphoreSlim(Math.Max(1, throttleLimit));
        var tasks = targets.Select(t => Task.Run(() =>
        {
            gate.Wait(cancel);
            FleetAgentResult result;
            try { result = ProvisionOne(t, cancel); }
            finally { gate.Release(); }
            _agentDone(result);
            return result;
        }, cancel)).ToArray();
        // Every task ends (a cancelled one closes its session first) before the results are read.
        try { Task.WaitAll(tasks); }
        catch (AggregateException) when (cancel.IsCancellationRequested) { }
        cancel.ThrowIfCancellationRequested();
        return tasks.Select(t => t.Result).ToList();
    }

    private FleetAgentResult ProvisionOne(FleetTarget target, CancellationToken cancel)
    {
        Runspace? owned = null;
        SshShare? share = null;
        AgentHost? host = null;
        PowerShell? current = null;
        var running = new object();
        string stage = "Connect";
        string module = "NotChecked";
        var rows = new List<PSObject>();
        var would = new List<string>();
        bool changed = false;

        // Stop what runs on the agent and close the transport (its ssh process) as soon as the caller stops.
        var stop = cancel.Register(() =>
        {
            lock (running) { try { current?.Stop(); } catch (Exception) { /* already ended */ } }
            try { owned?.Dispose(); } catch (Exception) { /* the transport is already gone */ }
        });
        Collection<PSObject> Run(Runspace runspace, string script, IDictionary<string, object?> parameters)
        {
            cancel.ThrowIfCancellationRequested();
            using var ps = PowerShell.Create();
            lock (running) current = ps;
            try { return Invoke(ps, runspace, script, parameters); }
            finally { lock (running) current = null; }
        }

        try
        {
            Runspace runspace;
            if (target.Session != null)
            {
                runspace = target.Session.Runspace;
            }
            else
            {
                ProbeSshPort(target.Name, cancel);
                cancel.ThrowIfCancellationRequested();
                host = new AgentHost();
                share = SshShare.Create(_ssh);
                owned = RunspaceFactory.CreateRunspace(host, SshConnection(target.Name, share.Settings));
                owned.Open();
                runspace = owned;
            }
            _log($"{target.Name}: connected");

            stage = "Module";
            var check = Run(runspace, AgentScripts.CheckModule, new Dictionary<string, object?>
            {
                ["Name"] = _module.Name, ["Version"] = _module.Version, ["Hashes"] = ToHashtable(_module.Hashes),
            }).Single();
            string moduleBase = (string)check.Properties["Base"].Value;
            var stale = ((IEnumerable?)PSObject.AsPSObject(check.Properties["Stale"].Value).BaseObject ?? Array.Empty<object>())
                .Cast<object>().Select(o => o.ToString()!).ToList();
            bool fresh = (bool)check.Properties["Fresh"].Value;
            if (stale.Count == 0)
            {
                module = "Unchanged";
            }
            else if (_plan.WhatIf)
            {
                module = fresh ? "Installed" : "Updated";
                would.Add($"{(fresh ? "Install" : "Update")} module {_module.Name} {_module.Version} in {moduleBase} ({stale.Count} files)");
                // Without this module's files the agent cannot be asked file by file: the files it has
                // are another build, whose answers need not be this one's. Say what the plan would do.
                would.AddRange(PlanWithoutModule());
                var asked = new FleetAgentResult(target.Name, true, true, module, rows, null, null) { WouldChange = would };
                stage = "Restart";
                return _rollout == null ? asked : _rollout.Run(asked, target.Name, null, runspace, Run, would);
            }
            else
            {
                // A copy that stops part way has already replaced files: its row says the agent changed.
                changed = true;
                new ModuleCopy(_module, share?.Settings ?? _ssh, _log).Send(target.Name, target.Session == null ? target.Name : null, moduleBase, stale, runspace, Run, cancel);
                module = fresh ? "Installed" : "Updated";
                _log($"{target.Name}: module {_module.Name} {_module.Version} {module.ToLowerInvariant()} ({stale.Count} files)");
            }
            string manifest = moduleBase.TrimEnd('/') + "/" + _module.Name + ".psd1";

            stage = "Provision";
            if (_plan.CaCertificatePem.Count > 0 || _plan.Credential != null)
            {
                rows.AddRange(Run(runspace, AgentScripts.Provision, new Dictionary<string, object?>
                {
                    ["Manifest"] = manifest,
                    ["CaPem"] = _plan.CaCertificatePem.ToArray(),
                    ["Registry"] = _plan.TrustRegistry.ToArray(),
                    ["Target"] = _plan.TrustTarget.ToArray(),
                    ["LegacyBundlePath"] = _plan.LegacyBundlePath,
                    ["ArchivePath"] = _plan.AuthArchivePath,
                    ["Credential"] = _plan.Credential,
                    ["CredentialRegistry"] = _plan.CredentialRegistry.ToArray(),
                    ["Root"] = _plan.Root,
                    ["WhatIf"] = _plan.WhatIf,
                }));
            }

            if (_plan.Daemon != null)
            {
                stage = "DaemonTls";
                rows.AddRange(ProvisionDaemon(target.Name, manifest, runspace, Run, would));
            }

            if (_plan.Daemon != null && _plan.ClientName != null)
            {
                stage = "ClientCertificate";
                rows.AddRange(ProvisionClient(target.Name, manifest, runspace, Run, would));
            }

            if (host != null) would.AddRange(host.Lines.Where(l => l.StartsWith("What if:", StringComparison.Ordinal)).Select(l => l["What if:".Length..].Trim()));
            changed |= rows.Any(r => !Unchanging.Contains(Text(r, "Action")) || !Unchanging.Contains(Text(r, "EnvironmentAction")));
            if (_plan.WhatIf) changed = would.Count > 0;
            _log($"{target.Name}: {rows.Count} rows, {(changed ? (_plan.WhatIf ? "would change" : "changed") : "unchanged")}");
            var result = new FleetAgentResult(target.Name, true, changed, module, rows, null, null) { WouldChange = would };
            stage = "Restart";
            return _rollout == null ? result : _rollout.Run(result, target.Name, manifest, runspace, Run, would);
        }
        catch (RolloutException e) when (!cancel.IsCancellationRequested)
        {
            _log($"{target.Name}: failed at {e.Stage}: {e.Message}");
            return new FleetAgentResult(target.Name, false, changed, module, rows, e.Stage, e.Message)
            {
                Rollout = "Failed", OutOfService = e.LeftDrained, Recovery = e.Recovery, RestartedUnits = new ValueList<string>(e.Restarted),
            };
        }
        catch (Exception e) when (cancel.IsCancellationRequested && e is not OperationCanceledException)
        {
            throw new OperationCanceledException("Provisioning was stopped.", e, cancel);
        }
        catch (Exception e) when (e is RuntimeException or InvalidOperationException or ArgumentException or IOException
                                      or CertificateRequestException or DcosApiException or System.Security.Cryptography.CryptographicException)
        {
            string reason = Describe(e, stage);
            _log($"{target.Name}: failed at {stage}: {reason}");
            return new FleetAgentResult(target.Name, false, changed, module, rows, stage, reason)
            {
                Rollout = _rollout == null ? "NotRequested" : "Failed",
                Recovery = _rollout == null ? null : $"Fix what the error says, then run the same command again.",
            };
        }
        finally
        {
            // A stop's callback may be disposing the session on the stopping thread right now: wait for it
            // (disposing the registration does) rather than close the same session from two threads at once.
            stop.Dispose();
            if (owned != null)
            {
                if (!cancel.IsCancellationRequested)
                    try { owned.Close(); } catch (Exception) { /* the agent is gone or the session was stopped */ }
                try { owned.Dispose(); } catch (Exception) { /* disposed by the stop already */ }
            }
            share?.Dispose();
        }
    }

    /// <summary>
    /// The daemon's key pair: made on the agent, only its request comes back to be signed here, and the
    /// certificate goes back to join the key. An agent whose daemon files still hold is left as it is.
    /// </summary>
    private IEnumerable<PSObject> ProvisionDaemon(string agent, string manifest, Runspace runspace,
        Func<Runspace, string, IDictionary<string, object?>, Collection<PSObject>> run, List<string> would)
    {
        var daemon = _plan.Daemon!;
        var pair = new AgentKeyPair(
            "daemon",
            AgentScripts.DaemonPrepare,
            new Dictionary<string, object?>
            {
                ["Manifest"] = manifest, ["Root"] = _plan.Root, ["CaPem"] = daemon.CaPem, ["Agent"] = agent,
                ["Port"] = daemon.Port, ["WhatIf"] = _plan.WhatIf,
            },
            _ => "daemon TLS files hold; key kept",
            (_, reason) => $"Make a daemon key on the agent and a certificate from {daemon.Description}, then set daemon TLS ({reason})",
            request => daemon.Sign(agent, request),
            AgentScripts.DaemonDiscard,
            new Dictionary<string, object?> { ["Root"] = _plan.Root },
            AgentScripts.DaemonApply,
            certificate => new Dictionary<string, object?>
            {
                ["Manifest"] = manifest, ["Root"] = _plan.Root, ["CaPem"] = daemon.CaPem, ["CertificatePem"] = certificate,
                ["Agent"] = agent, ["Port"] = daemon.Port,
            });
        return ProvisionKeyPair(pair, agent, runspace, run, would);
    }

    /// <summary>
    /// An operator's client certificate on the agent, made as the daemon's, signed by the daemons'
    /// issuer for clientAuth and installed in the client folder. Client files restart nothing.
    /// </summary>
    private IEnumerable<PSObject> ProvisionClient(string agent, string manifest, Runspace runspace,
        Func<Runspace, string, IDictionary<string, object?>, Collection<PSObject>> run, List<string> would)
    {
        var daemon = _plan.Daemon!;
        string name = _plan.ClientName!;
        var folder = new Dictionary<string, object?> { ["Manifest"] = manifest, ["Root"] = _plan.Root, ["Folder"] = _plan.ClientCertificatePath };
        static string AgentFolder(PSObject prepared) => (string)prepared.Properties["Folder"].Value;
        var pair = new AgentKeyPair(
            "client",
            AgentScripts.ClientPrepare,
            new Dictionary<string, object?>(folder) { ["CaPem"] = daemon.CaPem, ["Name"] = name, ["WhatIf"] = _plan.WhatIf },
            prepared => $"client certificate '{name}' in {AgentFolder(prepared)} holds; key kept",
            (prepared, reason) => $"Make a client key on the agent and a client certificate for '{name}' from {daemon.Description}, then install it in {AgentFolder(prepared)} ({reason}; no restart)",
            request => daemon.SignClient(agent, name, request),
            AgentScripts.ClientDiscard,
            folder,
            AgentScripts.ClientApply,
            certificate => new Dictionary<string, object?>(folder) { ["CaPem"] = daemon.CaPem, ["CertificatePem"] = certificate });
        return ProvisionKeyPair(pair, agent, runspace, run, would);
    }

    /// <summary>
    /// A key pair made on the agent: what its prepare script says (the files hold, or why not and the
    /// request of a new key), the signature, and the apply script that joins certificate and key. A
    /// key whose request was not signed has no use: the discard script removes it from the agent.
    /// </summary>
    private IEnumerable<PSObject> ProvisionKeyPair(AgentKeyPair pair, string agent, Runspace runspace,
        Func<Runspace, string, IDictionary<string, object?>, Collection<PSObject>> run, List<string> would)
    {
        var prepared = run(runspace, pair.Prepare, pair.PrepareArguments).Single();
        if ((bool)prepared.Properties["Keep"].Value)
        {
            _log($"{agent}: {pair.Holds(prepared)}");
            return Rows(prepared.Properties["Rows"].Value);
        }
        string reason = (string)prepared.Properties["Reason"].Value;
        if (_plan.WhatIf)
        {
            would.Add(pair.Would(prepared, reason));
            return Array.Empty<PSObject>();
        }
        _log($"{agent}: {pair.Kind} key made on the agent ({reason}); signing its request with {_plan.Daemon!.Description}");
        string certificate;
        try
        {
            certificate = pair.Sign((string)prepared.Properties["RequestPem"].Value);
        }
        catch (Exception e) when (e is CertificateRequestException or DcosApiException or InvalidOperationException or System.Security.Cryptography.CryptographicException)
        {
            try { run(runspace, pair.Discard, pair.DiscardArguments); }
            catch (Exception discard) when (discard is RuntimeException or InvalidOperationException) { _log($"{agent}: the unsigned {pair.Kind} key could not be removed: {discard.Message}"); }
            throw;
        }
        return run(runspace, pair.Apply, pair.ApplyArguments(certificate));
    }

    /// <summary>The scripts and words of one kind of key pair made on the agent (<see cref="ProvisionKeyPair"/>).</summary>
    private sealed record AgentKeyPair(
        string Kind,
        string Prepare, IDictionary<string, object?> PrepareArguments,
        Func<PSObject, string> Holds, Func<PSObject, string, string> Would,
        Func<string, string> Sign,
        string Discard, IDictionary<string, object?> DiscardArguments,
        string Apply, Func<string, IDictionary<string, object?>> ApplyArguments);

    private static IEnumerable<PSObject> Rows(object? value)
        => PSObject.AsPSObject(value).BaseObject is IEnumerable items and not string
            ? items.Cast<object>().Select(PSObject.AsPSObject).ToList()
            : Array.Empty<PSObject>();

    /// <summary>What the plan would do on an agent that has not got this module yet (none, or another build of it).</summary>
    private IEnumerable<string> PlanWithoutModule()
    {
        if (_plan.CaCertificatePem.Count > 0)
            yield return $"Install registry trust for {string.Join(", ", _plan.TrustRegistry)} ({_plan.CaCertificatePem.Count} CA certificates) in {string.Join(", ", _plan.TrustTarget)}"
                + (_plan.LegacyBundlePath != null ? $" and the bundle {_plan.LegacyBundlePath}" : "")
                + (_plan.TrustTarget.Contains("System") ? ", then rebuild the system trust bundle with the OS trust update command of the agent's family (from its os-release)" : "");
        if (_plan.Credential != null)
            yield return $"Set registry credentials for {string.Join(", ", _plan.CredentialRegistry)}";
        if (_plan.Credential != null && _plan.AuthArchivePath != null)
            yield return $"Write the fetcher archive {_plan.AuthArchivePath} for {string.Join(", ", _plan.CredentialRegistry)}";
        if (_plan.Daemon != null)
            yield return $"Make a daemon key on the agent and a certificate from {_plan.Daemon.Description}, then set daemon TLS";
        if (_plan.Daemon != null && _plan.ClientName != null)
            yield return $"Make a client key on the agent and a client certificate for '{_plan.ClientName}' from {_plan.Daemon.Description}, then install it in {_plan.ClientCertificatePath} (no restart)";
    }

    /// <summary>
    /// An agent whose SSH port does not answer is reported before pwsh's SSH transport is started: that
    /// transport can take the whole process down with a broken pipe when ssh exits at once.
    /// </summary>
    private void ProbeSshPort(string hostName, CancellationToken cancel)
    {
        using var client = new System.Net.Sockets.TcpClient();
        try
        {
            if (!client.ConnectAsync(hostName, _ssh.Port).Wait(Math.Min(30000, _ssh.ConnectingTimeoutMs), cancel))
                throw new IOException($"The SSH port {_ssh.Port} of '{hostName}' did not answer in time. Check the address, -Port and that sshd runs.");
        }
        catch (AggregateException e) when (e.InnerException is System.Net.Sockets.SocketException s)
        {
            throw new IOException($"The SSH port {_ssh.Port} of '{hostName}' refused or could not be reached ({s.SocketErrorCode}). Check the address, -Port and that sshd runs.");
        }
    }

    /// <summary>
    /// The connection New-PSSession -HostName makes. The module compiles against PowerShell Standard,
    /// which predates SSH remoting, so the pwsh 7 type is made by name.
    /// </summary>
    private static RunspaceConnectionInfo SshConnection(string hostName, SshSettings ssh)
    {
        var type = typeof(PSObject).Assembly.GetType("System.Management.Automation.Runspaces.SSHConnectionInfo", throwOnError: true)!;
        return (RunspaceConnectionInfo)Activator.CreateInstance(type,
            ssh.UserName, hostName, ssh.KeyFilePath!, ssh.Port, "powershell", ssh.ConnectingTimeoutMs, ssh.Options!)!;
    }

    private static Collection<PSObject> Invoke(PowerShell ps, Runspace runspace, string script, IDictionary<string, object?> parameters)
    {
        ps.Runspace = runspace;
        ps.AddScript(script);
        foreach (var (name, value) in parameters) ps.AddParameter(name, value);
        var output = ps.Invoke();
        if (ps.HadErrors && ps.Streams.Error.Count > 0)
            throw new InvalidOperationException(ps.Streams.Error[0].ToString());
        return output;
    }

    private static string Text(PSObject row, string property) => row.Properties[property]?.Value?.ToString() ?? string.Empty;

    private static Hashtable ToHashtable(IReadOnlyDictionary<string, string> hashes)
    {
        var table = new Hashtable(StringComparer.Ordinal);
        foreach (var (k, v) in hashes) table[k] = v.ToUpperInvariant(); // Get-FileHash answers in upper case
        return table;
    }

    /// <summary>One line: the transport's or the agent's own message, and for a connection what to check.</summary>
    private static string Describe(Exception e, string stage)
    {
        string message = (e is RuntimeException r && r.ErrorRecord?.ErrorDetails?.Message is { Length: > 0 } details ? details : e.Message)
            .ReplaceLineEndings(" ").Trim();
        return stage == "Connect"
            ? $"unreachable: {message} Check that sshd runs there with the powershell subsystem, the user, the key and the host key."
            : message;
    }
}
