using System.Collections;
using System.Diagnostics;
using System.Management.Automation.Runspaces;
using DcosTls.Certificates;
using DcosTls.Common;
using DcosTls.Fleet;
using DcosTls.Session;
using DcosTls.Trust;

namespace DcosTls.Cmdlets;

/// <summary>
/// Invoke-DcosAgentProvisioning: registry trust, registry credentials and Docker daemon mutual TLS on many
/// agents at once, over PowerShell remoting over SSH. Agents come from the pipeline (Get-DcosAgent rows,
/// host names or PSSessions); the module is copied to agents that lack this version; daemon keys are made
/// on the agents and only their requests are signed here; one result per agent. -WhatIf asks every agent
/// what would change; stopping the command stops every agent's work and closes its session.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "DcosAgentProvisioning", SupportsShouldProcess = true)]
[OutputType(typeof(FleetAgentResult))]
public sealed class InvokeDcosAgentProvisioningCommand : DcosSessionCmdlet
{
    private readonly List<FleetTarget> _targets = new();

    /// <summary>Agents: host names, DcosAgent objects (by Hostname) or open PSSessions.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Hostname", "ComputerName")]
    [ValidateNotNullOrEmpty]
    public PSObject[] Agent { get; set; } = Array.Empty<PSObject>();

    /// <summary>CA certificates the agents trust for -Registry (certificate objects or PEM text; never keys).</summary>
    [Parameter]
    public PSObject[] CaCertificate { get; set; } = Array.Empty<PSObject>();

    /// <summary>Registries (host[:port]) the CA certificates are trusted for.</summary>
    [Parameter]
    public string[] Registry { get; set; } = Array.Empty<string>();

    /// <summary>
    /// The trust stores on each agent, as Install-DockerRegistryTrust -Target: default Docker and Mesos;
    /// System adds the agent's OS trust (its family read from the agent's os-release) and runs the
    /// distribution's update command there.
    /// </summary>
    [Parameter]
    public TrustTarget[] Target { get; set; } = { TrustTarget.Docker, TrustTarget.Mesos };

    /// <summary>DC/OS 1.8: the agent path of an existing PEM bundle each agent appends the CA to once (as Install-DockerRegistryTrust -LegacyBundlePath).</summary>
    [Parameter]
    public string? LegacyBundlePath { get; set; }

    /// <summary>
    /// With -Credential: also write the docker.tar.gz that Marathon apps fetch for registry credentials
    /// (New-DockerAuthArchive) at this agent path, the same on every agent, e.g. /etc/docker/docker.tar.gz.
    /// </summary>
    [Parameter]
    public string? AuthArchivePath { get; set; }

    /// <summary>Registry credentials for the agents' Mesos credentials file (as Set-MesosDockerConfig -Credential).</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Registries the credentials are for (as Set-MesosDockerConfig -Registry).</summary>
    [Parameter]
    public string[] CredentialRegistry { get; set; } = Array.Empty<string>();

    /// <summary>Docker daemon mutual TLS on every agent, with a key made on the agent and a certificate for its address and host name.</summary>
    [Parameter]
    public SwitchParameter DaemonTls { get; set; }

    /// <summary>The local CA (with its key) that signs the daemon certificates; without it, the DC/OS CA through -Session.</summary>
    [Parameter]
    public DcosCertificate? Issuer { get; set; }

    /// <summary>The DC/OS CA profile that signs the daemon certificates (without -Issuer).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ProfileCompleter))]
    public string? Profile { get; set; }

    /// <summary>The TCP port each daemon listens on (daemon.json hosts), on the agent's address.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int DaemonPort { get; set; } = 2376;

    /// <summary>
    /// With -DaemonTls: also an operator's client certificate (clientAuth) with this common name on each
    /// agent, from the same issuer as the daemons, its key made on the agent, installed as
    /// Install-DockerClientCertificate does in -ClientCertificatePath. Restarts nothing.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ClientName { get; set; }

    /// <summary>With -ClientName: the agent folder of the client files (DOCKER_CERT_PATH); ~ is the login user's home on the agent.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string ClientCertificatePath { get; set; } = "~/.docker";

    /// <summary>The user to log in as on agents given by name.</summary>
    [Parameter]
    public string? UserName { get; set; }

    /// <summary>The private key file ssh logs in with.</summary>
    [Parameter]
    public string? KeyFilePath { get; set; }

    /// <summary>The agents' SSH port.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = 22;

    /// <summary>How many agents are worked on at the same time.</summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int ThrottleLimit { get; set; } = 32;

    /// <summary>
    /// Milliseconds to wait for an agent's session to open (ssh login and the agent's pwsh start), as
    /// New-PSSession -ConnectingTimeout. An agent whose SSH port does not answer is reported at once.
    /// </summary>
    [Parameter]
    [ValidateRange(1000, int.MaxValue)]
    public int ConnectingTimeout { get; set; } = 120000;

    /// <summary>ssh options (-o name=value), e.g. @{ UserKnownHostsFile = './known_hosts' }.</summary>
    [Parameter]
    public Hashtable? SSHOption { get; set; }

    /// <summary>The agents' root (default /): a staging folder on each agent.</summary>
    [Parameter]
    public string Root { get; set; } = "/";

    /// <summary>
    /// Makes the changes take effect: on each agent whose files changed, systemctl daemon-reload, then a
    /// restart of exactly the units whose configuration changed (docker; dcos-mesos-slave or
    /// dcos-mesos-slave-public). Agents are taken out of service through the Mesos master (drained) before a
    /// docker restart and put back after their checks pass; at most -MaxUnavailable at a time; the first
    /// agent that fails stops the rollout. Needs -Root / and a session (Connect-DcosCluster).
    /// </summary>
    [Parameter]
    public SwitchParameter Restart { get; set; }

    /// <summary>
    /// With -Restart: restart docker without taking the agent out of service first (no drain). The
    /// choice for clusters without the drain API (DC/OS before 2.0): the agent's Docker tasks stop and
    /// their schedulers start them again; a warning names each agent where that happened.
    /// </summary>
    [Parameter]
    public SwitchParameter NoDrain { get; set; }

    /// <summary>With -Restart: how many agents may be out of service (worked on) at the same time.</summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int MaxUnavailable { get; set; } = 1;

    /// <summary>With -Restart: seconds to wait for a drain to reach DRAINED (also the tasks' grace period), and for an agent to register and be active again.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int DrainTimeout { get; set; } = 600;

    /// <summary>True while -Issuer is checked, before any agent is asked.</summary>
    private bool _checkingIssuer;

    // An -Issuer that cannot sign is refused as the issuer (IssuerInvalid), naming its common name.
    protected override DcosTlsException? Meaning(Exception e) => _checkingIssuer && e is CertificateSpecException
        ? new DcosTlsException("IssuerInvalid", ErrorCategory.InvalidArgument, e.Message, Issuer?.CommonName)
        : null;

    protected override void Begin()
    {
        if (!Restart && (MyInvocation.BoundParameters.ContainsKey(nameof(MaxUnavailable)) || MyInvocation.BoundParameters.ContainsKey(nameof(DrainTimeout)) || NoDrain))
            Fail("RestartMissing", ErrorCategory.InvalidArgument, "-MaxUnavailable, -DrainTimeout and -NoDrain set how -Restart restarts agents: add -Restart, or leave them out.");
        if (Restart && Root.Trim() != "/")
            Fail("RestartNeedsAgentRoot", ErrorCategory.InvalidArgument,
                $"-Restart restarts the agents' own units, but -Root is the staging root '{Root}'. Drop -Restart, or use -Root /.", Root);
        if (Restart) RequireSession();
        if (CaCertificate.Length > 0 && Registry.Length == 0)
            Fail("RegistryMissing", ErrorCategory.InvalidArgument, "-CaCertificate needs -Registry: name the registries (host[:port]) the agents trust it for.");
        if (AuthArchivePath != null && Credential == null)
            Fail("AuthArchiveNeedsCredential", ErrorCategory.InvalidArgument, "-AuthArchivePath writes the registry credentials into docker.tar.gz: add -Credential and -CredentialRegistry, or leave it out.", AuthArchivePath);
        if (AuthArchivePath != null && !AuthArchivePath.StartsWith('/'))
            Fail("AgentPathNotAbsolute", ErrorCategory.InvalidArgument, $"-AuthArchivePath is an agent path and must be absolute (e.g. /etc/docker/docker.tar.gz), not '{AuthArchivePath}'.", AuthArchivePath);
        if (LegacyBundlePath != null && CaCertificate.Length == 0)
            Fail("LegacyBundleNeedsCa", ErrorCategory.InvalidArgument, "-LegacyBundlePath appends the -CaCertificate certificates to a bundle: add -CaCertificate and -Registry, or leave it out.", LegacyBundlePath);
        if (Credential != null && CredentialRegistry.Length == 0)
            Fail("CredentialRegistryMissing", ErrorCategory.InvalidArgument, "-Credential needs -CredentialRegistry: name the registries the credentials are for.");
        if (Issuer != null && !DaemonTls)
            Fail("DaemonTlsMissing", ErrorCategory.InvalidArgument, "-Issuer signs daemon certificates: add -DaemonTls, or leave out -Issuer.");
        if (ClientName != null && !DaemonTls)
            Fail("DaemonTlsMissing", ErrorCategory.InvalidArgument, $"-ClientName '{ClientName}' asks for a client certificate from the daemons' issuer: add -DaemonTls (with -Issuer or a session), or leave out -ClientName.", ClientName);
        if (ClientName == null && MyInvocation.BoundParameters.ContainsKey(nameof(ClientCertificatePath)))
            Fail("ClientNameMissing", ErrorCategory.InvalidArgument, "-ClientCertificatePath is where the -ClientName certificate goes: add -ClientName (the operator's common name), or leave it out.", ClientCertificatePath);
        if (ClientName != null && !(ClientCertificatePath.StartsWith('/') || ClientCertificatePath == "~" || ClientCertificatePath.StartsWith("~/", StringComparison.Ordinal))
            || ClientCertificatePath.Split('/').Contains(".."))
            Fail("AgentPathNotAbsolute", ErrorCategory.InvalidArgument, $"-ClientCertificatePath is an agent folder and must be absolute or start with ~ (the login user's home there), without '..', e.g. ~/.docker, not '{ClientCertificatePath}'.", ClientCertificatePath);
        if (CaCertificate.Length == 0 && Credential == null && !DaemonTls)
            Fail("EmptyPlan", ErrorCategory.InvalidArgument, "Nothing to provision: give -CaCertificate with -Registry, -Credential with -CredentialRegistry, -DaemonTls, or several of them.");
        if (Issuer != null)
        {
            _checkingIssuer = true;
            new LocalCaIssuer(Issuer, ValidDays).Validate();
            _checkingIssuer = false;
        }
        else if (DaemonTls)
        {
            RequireSession();
        }
    }

    protected override void Process()
    {
        foreach (var item in Agent)
        {
            var target = item.BaseObject switch
            {
                PSSession s => new FleetTarget(s.ComputerName, s),
                DcosAgent a => new FleetTarget(a.Hostname, null),
                string name when !string.IsNullOrWhiteSpace(name) => new FleetTarget(name.Trim(), null),
                _ => item.Properties["Hostname"]?.Value is string h && h.Length > 0 ? new FleetTarget(h, null) : null,
            };
            if (target == null)
            {
                Report("AgentNotRecognized", ErrorCategory.InvalidArgument,
                    $"'{item}' is not an agent: give a host name, a Get-DcosAgent row or a PSSession.", item);
                continue;
            }
            // Under -WhatIf every agent is still reached and asked: the plan runs there with -WhatIf.
            if (IsWhatIf() || ShouldProcess(target.Name, "Provision " + PlanText)) _targets.Add(target);
        }
    }

    private BatchProgress _progress = null!;

    protected override void End()
    {
        if (_targets.Count == 0) return;
        // The agents are known by now: the bar counts them as they end, in any order.
        _progress = ProgressReporter.Batch(this, ProgressReporter.AgentProvisioning, "Invoke-DcosAgentProvisioning", _targets.Count);
        _progress.CompleteOnStop(Provision);
    }

    private void Provision()
    {
        var pems = new List<string>();
        foreach (var ca in CaCertificate)
        {
            string? pem = ca.BaseObject switch
            {
                DcosCertificate c => c.CertificatePem,
                string text => text,
                _ => ca.Properties["CertificatePem"]?.Value as string,
            };
            if (string.IsNullOrWhiteSpace(pem) || !pem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
                Fail("CaCertificateInvalid", ErrorCategory.InvalidArgument, $"-CaCertificate '{ca}' is not a certificate: give certificate objects or PEM text.", ca);
            pems.Add(pem!);
        }
        var module = MyInvocation.MyCommand.Module;
        var payload = ModulePayload.FromModule(module.Name, module.Version.ToString(), module.ModuleBase);
        var ssh = new SshSettings(UserName ?? Environment.UserName, ResolveOptionalPath(KeyFilePath), Port, SSHOption, ConnectingTimeout);

        // Verbose and progress may only be written from this thread: the workers queue their writes.
        var writes = new System.Collections.Concurrent.BlockingCollection<Action>();
        void Log(string line) => writes.Add(() => WriteVerbose(line));
        void AgentDone(FleetAgentResult r) => writes.Add(() => _progress.Next($"{r.Agent} {(r.Succeeded ? "done" : "failed")}"));
        var plan = new FleetPlan(pems, Registry, Credential, CredentialRegistry, Root, DaemonTls ? DaemonSigner(Log) : null, IsWhatIf())
        {
            TrustTarget = Target.Distinct().Select(t => t.ToString()).ToList(), LegacyBundlePath = LegacyBundlePath, AuthArchivePath = AuthArchivePath,
            ClientName = ClientName, ClientCertificatePath = ClientCertificatePath,
        };
        var watch = Stopwatch.StartNew();
        _progress.Status($"{(IsWhatIf() ? "Asking" : "Provisioning")} {_targets.Count} agent(s), {Math.Min(_targets.Count, Math.Max(1, ThrottleLimit))} at a time");
        // ShouldProcess may only be asked on this thread too: a worker waits for the answer.
        bool Confirm(string target, string action)
        {
            var answer = new TaskCompletionSource<bool>();
            writes.Add(() =>
            {
                try { answer.SetResult(ShouldProcess(target, action)); }
                catch (Exception e) { answer.SetException(e); }
            });
            answer.Task.Wait(Cancel);
            return answer.Task.Result;
        }
        var rollout = Restart
            ? new AgentRollout(new RolloutSettings(new MesosOperator(RequireSession(), Log, Cancel), TimeSpan.FromSeconds(DrainTimeout), Confirm)
                { Registries = pems.Count > 0 ? Registry : Array.Empty<string>(), TrustTargets = plan.TrustTarget, NoDrain = NoDrain }, Root, DaemonTls, IsWhatIf(), Log)
            : null;
        // Daemon TLS may restart docker: a cluster without the drain API is refused before any agent is reached.
        rollout?.RequireDrainApi(DaemonTls);
        IReadOnlyList<FleetAgentResult>? stopped = null;
        var work = Task.Run(() =>
        {
            try
            {
                var provisioner = new FleetProvisioner(plan, ssh, payload, Log, AgentDone, rollout);
                // Under -WhatIf no agent goes out of service: every agent is asked at once.
                return rollout != null ? provisioner.RunRollout(_targets, IsWhatIf() ? ThrottleLimit : MaxUnavailable, Cancel) : provisioner.Run(_targets, ThrottleLimit, Cancel);
            }
            catch (FleetStoppedException e) { stopped = e.Results; throw; }
            finally { writes.CompleteAdding(); }
        });
        try
        {
            // Until the workers are done (they add nothing more) or the command is stopped.
            while (!writes.IsCompleted && !Cancel.IsCancellationRequested)
                if (writes.TryTake(out var write, 100)) write();
        }
        finally
        {
            // Stopped or not, every agent's session is closed before the command returns
            // (WaitAny waits without throwing what the work threw; work.Result below does).
            Task.WaitAny(work);
        }
        if (Cancel.IsCancellationRequested || work.IsCanceled)
        {
            // Told before anything else: a stopping pipeline refuses progress writes (they throw), the host does not.
            if (stopped != null) ReportStopped(stopped);
            throw new PipelineStoppedException();
        }
        _progress.Complete();
        var results = work.Result;
        if (IsWhatIf())
        {
            foreach (var result in results)
            {
                if (!result.Succeeded) WriteWarning($"{result.Agent} could not be asked what would change: {result.Error}");
                foreach (var line in result.WouldChange) ShouldProcess($"{result.Agent}: {line}", null, null);
            }
            return;
        }
        foreach (var result in results) WriteObject(result);

        foreach (var result in results.Where(r => r.OutOfService))
            WriteWarning($"{result.Agent} is out of service: {result.Recovery}");
        if (NoDrain)
            foreach (var result in results.Where(r => r.RestartedUnits.Contains(AgentRollout.Docker)))
                WriteWarning($"{result.Agent}: docker was restarted without a drain (-NoDrain): its Docker tasks were stopped, and their schedulers start them again.");
        var failed = results.Where(r => !r.Succeeded).Select(r => r.Agent).ToList();
        WriteVerbose($"{results.Count} agents in {watch.Elapsed.TotalSeconds:0.0} s: {results.Count - failed.Count} succeeded " +
                     $"({results.Count(r => r.Succeeded && r.Changed)} changed), {failed.Count} failed" +
                     (failed.Count > 0 ? $" (retry: {string.Join(", ", failed)})" : ""));
    }

    /// <summary>
    /// A stopped rollout can write no rows and no warnings (the pipeline is stopping), so the host
    /// is told directly: every agent left out of service with the way back, then the agents stopped
    /// part way and those never started.
    /// </summary>
    private void ReportStopped(IReadOnlyList<FleetAgentResult> results)
    {
        var ui = Host?.UI;
        if (ui == null) return;
        try
        {
            Tell(ui, results);
        }
        catch (Exception e) when (e is System.Management.Automation.Host.HostException or NotImplementedException or PSInvalidOperationException)
        {
            // A host without a user interface: nothing to tell.
        }
    }

    private static void Tell(System.Management.Automation.Host.PSHostUserInterface ui, IReadOnlyList<FleetAgentResult> results)
    {
        foreach (var r in results.Where(r => r.OutOfService))
            ui.WriteWarningLine($"{r.Agent} is out of service: {r.Recovery}");
        foreach (var r in results.Where(r => r.Rollout == "Stopped" && !r.OutOfService))
            ui.WriteWarningLine($"{r.Agent}: {r.Recovery}");
        var untouched = results.Where(r => r.Rollout == "NotAttempted").Select(r => r.Agent).ToList();
        if (untouched.Count > 0)
            ui.WriteWarningLine($"Not attempted (the rollout was stopped first): {string.Join(", ", untouched)}. Run the same command again to go on.");
    }

    /// <summary>-WhatIf given, or $WhatIfPreference set: ShouldProcess alone cannot tell it from a "No" at -Confirm.</summary>
    private string PlanText => string.Join(", ", new[]
    {
        CaCertificate.Length > 0 ? $"registry trust ({string.Join(", ", Target.Distinct())})" : null,
        Credential != null ? "registry credentials" : null,
        AuthArchivePath != null ? "the fetcher's docker.tar.gz" : null,
        DaemonTls ? "Docker daemon TLS" : null,
        ClientName != null ? $"a client certificate for '{ClientName}'" : null,
        Restart ? "restarts of what changed" : null,
    }.Where(p => p != null));

    /// <summary>
    /// The signer of the agents' daemon requests: the local CA (its root is the daemons' ca.pem), or the
    /// cluster CA through the session (its signing CA is the daemons' ca.pem). Its key stays in this process.
    /// </summary>
    private FleetDaemonSigner DaemonSigner(Action<string> log)
    {
        if (Issuer != null)
        {
            var root = Issuer.Chain.LastOrDefault() ?? Issuer.Certificate;
            return new FleetDaemonSigner(new LocalCaIssuer(Issuer, ValidDays), PemEncoding.WriteString("CERTIFICATE", root.RawData) + "\n", DaemonPort);
        }
        var session = RequireSession();
        ErrorTarget = session.ClusterUri; // the cluster CA's refusal names the cluster
        string caPem = new CfsslClient(session, Log, Cancel).Info(Profile);
        ErrorTarget = null;
        if (!caPem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            Fail("CaResponseInvalid", ErrorCategory.ProtocolError, $"{session.ClusterUri} answered the CA info request without a certificate. Check that it is a DC/OS Enterprise master.", session.ClusterUri);
        return new FleetDaemonSigner(new ClusterIssuer(session, Profile, false, log, Cancel), caPem, DaemonPort);
    }

    /// <summary>Days the daemon certificates from a local CA are valid.</summary>
    private const int ValidDays = 365;
}
