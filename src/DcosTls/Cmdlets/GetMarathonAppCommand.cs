using DcosTls.Common;
using DcosTls.Marathon;
using DcosTls.Session;

namespace DcosTls.Cmdlets;

/// <summary>Get-MarathonApp: one app by id, or every app, from Marathon through Admin Router.</summary>
[Cmdlet(VerbsCommon.Get, "MarathonApp")]
[OutputType(typeof(MarathonApp))]
public sealed class GetMarathonAppCommand : DcosClusterCmdlet
{
    /// <summary>App ids (/group/app); every app when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("AppId")]
    public string[]? Id { get; set; }

    /// <summary>Also reads each app's running tasks.</summary>
    [Parameter]
    public SwitchParameter IncludeTasks { get; set; }

    /// <summary>A refusal while listing every app ends the cmdlet (there is nothing else to go on with); one for an id ends only that id.</summary>
    protected override bool EndsOnlyThisInput(DcosTlsException error) => Id is { Length: > 0 } && base.EndsOnlyThisInput(error);

    protected override void Process()
    {
        var session = RequireSession();
        var marathon = new MarathonClient(new Cluster.ClusterRequest(session, Log, Cancel));
        string cluster = session.ClusterUri.ToString();
        if (Id == null || Id.Length == 0)
        {
            foreach (var app in marathon.GetApps(IncludeTasks)) WriteObject(MarathonApp.From(app, cluster));
            return;
        }
        ForEachInput(Id, given =>
        {
            ErrorTarget = given;
            string id = MarathonAppId.Normalize(given);
            var app = marathon.GetApp(id, IncludeTasks)
                ?? throw new DcosApiException("MarathonAppNotFound", $"Marathon has no app {id}. Check the id with Get-MarathonApp.", 404, ErrorCategory.ObjectNotFound) { TargetObject = id };
            WriteObject(MarathonApp.From(app, cluster));
        });
    }
}
