using DcosTls.Marathon;

namespace DcosTls.Cmdlets;

/// <summary>Remove-MarathonApp: deletes Marathon apps (their tasks are killed) and waits for the deployment.</summary>
[Cmdlet(VerbsCommon.Remove, "MarathonApp", SupportsShouldProcess = true)]
[OutputType(typeof(MarathonDeployment))]
public sealed class RemoveMarathonAppCommand : MarathonChangeCmdlet
{
    /// <summary>The ids of the apps to remove.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("AppId")]
    public string[] Id { get; set; } = Array.Empty<string>();

    protected override void Process()
    {
        ForEachInput(Id, given =>
        {
            string appId = MarathonAppId.Normalize(given);
            var session = this.SessionForChange();
            if (!ShouldProcess(ClusterChange.Target($"{appId}", session), "Remove the Marathon app and kill its tasks")) return;
            ErrorTarget = appId;
            var marathon = Marathon(session!);
            string deploymentId = marathon.DeleteApp(appId);
            Complete(marathon, new MarathonDeployment { AppId = appId, Action = "Removed", Status = "Started", DeploymentId = deploymentId }, removed: true);
        });
    }
}
