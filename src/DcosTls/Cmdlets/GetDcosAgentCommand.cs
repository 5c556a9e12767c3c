using DcosTls.Common;
using DcosTls.Fleet;
using DcosTls.Session;

namespace DcosTls.Cmdlets;

/// <summary>
/// Get-DcosAgent: the cluster's Mesos agents from the leading master (/mesos/slaves), optionally only
/// the public or the private ones, or those with given agent ids.
/// </summary>
[Cmdlet(VerbsCommon.Get, "DcosAgent", DefaultParameterSetName = AllSet)]
[OutputType(typeof(DcosAgent))]
public sealed class GetDcosAgentCommand : DcosSessionCmdlet
{
    private const string AllSet = "All";
    private const string PublicSet = "Public";
    private const string PrivateSet = "Private";

    /// <summary>Only these agents (Mesos agent ids); all when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[]? AgentId { get; set; }

    /// <summary>Only public agents (attribute public_ip = true).</summary>
    [Parameter(Mandatory = true, ParameterSetName = PublicSet)]
    public SwitchParameter Public { get; set; }

    /// <summary>Only private agents.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PrivateSet)]
    public SwitchParameter Private { get; set; }

    private Uri? _cluster;

    // The cluster's answer ends this call only (the next piped session is asked), and names the cluster.
    protected override bool EndsOnlyThisInput(DcosTlsException error) => error is DcosApiException;

    protected override object? TargetOf(DcosTlsException error) => error is DcosApiException ? _cluster : null;

    protected override void Process()
    {
        var session = RequireSession();
        _cluster = session.ClusterUri;
        var agents = new AgentDirectory(session, Log, Cancel).List();
        var wanted = AgentId == null ? null : new HashSet<string>(AgentId, StringComparer.Ordinal);
        foreach (var agent in agents)
        {
            if (wanted != null && !wanted.Remove(agent.AgentId)) continue;
            if (Public && !agent.IsPublic || Private && agent.IsPublic) continue;
            WriteObject(agent);
        }
        foreach (var missing in wanted ?? Enumerable.Empty<string>())
            Report("AgentNotFound", ErrorCategory.ObjectNotFound,
                $"The cluster has no agent with id '{missing}'. Run Get-DcosAgent without -AgentId to list the agents.", missing);
    }
}
