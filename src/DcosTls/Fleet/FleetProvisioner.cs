using System.Collections;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Collections.ObjectModel;

namespace DcosTls.Fleet;

/// <summary>One agent to provision: a host name to open an SSH session to, or a session the caller opened.</summary>
internal sealed record FleetTarget(string Name, PSSession? Session);

/// <summary>
/// Provisions agents in parallel (at most ThrottleLimit at a time), each on its own thread with its
/// own remote runspace: connect, bring the module (same version, copied file by file where the
/// SHA-256 differs), apply the plan. A failure on one agent ends only that agent's work and is
/// reported in its row.
/// </summary>
internal sealed class FleetProvisioner
{
    private static readonly HashSet<string> Unchanging = new(StringComparer.OrdinalIgnoreCase) { "Unchanged", "Skipped", "" };
    private readonly FleetPlan _plan;
    private readonly SshSettings _ssh;
    private readonly ModulePayload _module;
    private readonly Action<string> _log;

    internal FleetProvisioner(FleetPlan plan, SshSettings ssh, ModulePayload module, Action<string> log)
    {
        _plan = plan;
        _ssh = ssh;
        _module = module;
        _log = log;
    }

    /// <summary>Results in the order of <paramref name="targets"/>.</summary>
    internal IReadOnlyList<FleetAgentResult> Run(IReadOnlyList<FleetTarget> targets, int throttleLimit, CancellationToken cancel)
    {
        using var gate = new SemaphoreSlim(Math.Max(1, throttleLimit));
        var tasks = targets.Select(t => Task.Run(() =>
        {
            gate.Wait(cancel);
            try { return ProvisionOne(t); }
            finally { gate.Release(); }
        }, cancel)).ToArray();
        Task.WaitAll(tasks, cancel);
        return tasks.Select(t => t.Result).ToList();
    }

    private FleetAgentResult ProvisionOne(FleetTarget target)
    {
        Runspace? owned = null;
        string stage = "Connect";
        string module = "NotChecked";
        var rows = new List<PSObject>();
        bool changed = false;
        try
        {
            Runspace runspace;
            if (target.Session != null)
            {
                runspace = target.Session.Runspace;
            }
            else
            {
                ProbeSshPort(target.Name);
                owned = RunspaceFactory.CreateRunspace(SshConnection(target.Name));
                owned.Open();
                runspace = owned;
            }
            _log($"{target.Name}: connected");

            stage = "Module";
            var check = Invoke(runspace, AgentScripts.CheckModule, new Dictionary<string, object?>
            {
                ["Name"] = _module.Name, ["Version"] = _module.Version, ["Hashes"] = ToHashtable(_module.Hashes),
            }).Single();
            string moduleBase = (string)check.Properties["Base"].Value;
            var stale = ((IEnumerable?)PSObject.AsPSObject(check.Properties["Stale"].Value).BaseObject ?? Array.Empty<object>())
                .Cast<object>().Select(o => o.ToString()!).ToList();
            if (stale.Count == 0)
            {
                module = "Unchanged";
            }
            else
            {
                var files = new Hashtable();
                foreach (var relative in stale) files[relative] = _module.Read(relative);
                Invoke(runspace, AgentScripts.WriteModuleFiles, new Dictionary<string, object?>
                {
                    ["Base"] = moduleBase, ["Files"] = files, ["Hashes"] = ToHashtable(_module.Hashes),
                });
                module = (bool)check.Properties["Fresh"].Value ? "Installed" : "Updated";
                changed = true;
                _log($"{target.Name}: module {_module.Name} {_module.Version} {module.ToLowerInvariant()} ({stale.Count} files)");
            }

            stage = "Provision";
            rows.AddRange(Invoke(runspace, AgentScripts.Provision, new Dictionary<string, object?>
            {
                ["Manifest"] = moduleBase.TrimEnd('/') + "/" + _module.Name + ".psd1",
                ["CaPem"] = _plan.CaCertificatePem.ToArray(),
                ["Registry"] = _plan.TrustRegistry.ToArray(),
                ["Credential"] = _plan.Credential,
                ["CredentialRegistry"] = _plan.CredentialRegistry.ToArray(),
                ["Root"] = _plan.Root,
            }));
            changed |= rows.Any(r => !Unchanging.Contains(Text(r, "Action")) || !Unchanging.Contains(Text(r, "EnvironmentAction")));
            _log($"{target.Name}: {rows.Count} rows, {(changed ? "changed" : "unchanged")}");
            return new FleetAgentResult(target.Name, true, changed, module, rows, null, null);
        }
        catch (Exception e) when (e is RuntimeException or InvalidOperationException or ArgumentException or IOException)
        {
            string reason = Describe(e, stage);
            _log($"{target.Name}: failed at {stage}: {reason}");
            return new FleetAgentResult(target.Name, false, changed, module, rows, stage, reason);
        }
        finally
        {
            if (owned != null)
            {
                try { owned.Close(); } catch (Exception) { /* the agent is gone; nothing more to release */ }
                owned.Dispose();
            }
        }
    }

    /// <summary>
    /// An agent whose SSH port does not answer is reported before pwsh's SSH transport is started: that
    /// transport can take the whole process down with a broken pipe when ssh exits at once.
    /// </summary>
    private void ProbeSshPort(string hostName)
    {
        using var client = new System.Net.Sockets.TcpClient();
        try
        {
            if (!client.ConnectAsync(hostName, _ssh.Port).Wait(Math.Max(1000, _ssh.ConnectingTimeoutMs)))
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
    private RunspaceConnectionInfo SshConnection(string hostName)
    {
        var type = typeof(PSObject).Assembly.GetType("System.Management.Automation.Runspaces.SSHConnectionInfo", throwOnError: true)!;
        return (RunspaceConnectionInfo)Activator.CreateInstance(type,
            _ssh.UserName, hostName, _ssh.KeyFilePath!, _ssh.Port, "powershell", _ssh.ConnectingTimeoutMs, _ssh.Options!)!;
    }

    private static Collection<PSObject> Invoke(Runspace runspace, string script, IDictionary<string, object?> parameters)
    {
        using var ps = PowerShell.Create();
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
