using System.Collections;
using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using DcosTls.Certificates;
using DcosTls.Common;
using DcosTls.Fleet;

namespace DcosTls.Cmdlets;

/// <summary>
/// Invoke-DcosAgentProvisioning: registry trust and registry credentials on many agents at once, over
/// PowerShell remoting over SSH. Agents come from the pipeline (Get-DcosAgent rows, host names or
/// PSSessions); the module is copied to agents that lack this version; one result per agent.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "DcosAgentProvisioning", SupportsShouldProcess = true)]
[OutputType(typeof(FleetAgentResult))]
public sealed class InvokeDcosAgentProvisioningCommand : DcosCmdlet
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

    /// <summary>Registry credentials for the agents' Mesos credentials file (as Set-MesosDockerConfig -Credential).</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Registries the credentials are for (as Set-MesosDockerConfig -Registry).</summary>
    [Parameter]
    public string[] CredentialRegistry { get; set; } = Array.Empty<string>();

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

    /// <summary>ssh options (-o name=value), e.g. @{ UserKnownHostsFile = './known_hosts' }.</summary>
    [Parameter]
    public Hashtable? SSHOption { get; set; }

    /// <summary>The agents' root (default /): a staging folder on each agent.</summary>
    [Parameter]
    public string Root { get; set; } = "/";

    protected override void BeginProcessing()
    {
        if (CaCertificate.Length > 0 && Registry.Length == 0)
            Fail("RegistryMissing", ErrorCategory.InvalidArgument, "-CaCertificate needs -Registry: name the registries (host[:port]) the agents trust it for.");
        if (Credential != null && CredentialRegistry.Length == 0)
            Fail("CredentialRegistryMissing", ErrorCategory.InvalidArgument, "-Credential needs -CredentialRegistry: name the registries the credentials are for.");
        if (CaCertificate.Length == 0 && Credential == null)
            Fail("EmptyPlan", ErrorCategory.InvalidArgument, "Nothing to provision: give -CaCertificate with -Registry, -Credential with -CredentialRegistry, or both.");
    }

    protected override void ProcessRecord()
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
            if (ShouldProcess(target.Name, "Provision registry trust and credentials")) _targets.Add(target);
        }
    }

    protected override void EndProcessing()
    {
        if (_targets.Count == 0) return;
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
        var plan = new FleetPlan(pems, Registry, Credential, CredentialRegistry, Root);
        var ssh = new SshSettings(UserName ?? Environment.UserName, KeyFilePath == null ? null : ResolvePath(KeyFilePath), Port, SSHOption, 30000);

        var messages = new System.Collections.Concurrent.BlockingCollection<string>();
        var watch = Stopwatch.StartNew();
        var work = Task.Run(() =>
        {
            try { return new FleetProvisioner(plan, ssh, payload, messages.Add).Run(_targets, ThrottleLimit, CancellationToken.None); }
            finally { messages.CompleteAdding(); }
        });
        // Verbose may only be written from this thread: relay the agents' narration as it comes.
        foreach (var line in messages.GetConsumingEnumerable()) WriteVerbose(line);
        var results = work.GetAwaiter().GetResult();
        foreach (var result in results) WriteObject(result);

        var failed = results.Where(r => !r.Succeeded).Select(r => r.Agent).ToList();
        WriteVerbose($"{results.Count} agents in {watch.Elapsed.TotalSeconds:0.0} s: {results.Count - failed.Count} succeeded " +
                     $"({results.Count(r => r.Succeeded && r.Changed)} changed), {failed.Count} failed" +
                     (failed.Count > 0 ? $" (retry: {string.Join(", ", failed)})" : ""));
    }
}
