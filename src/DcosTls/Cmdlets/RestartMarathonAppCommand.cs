using DcosTls.Marathon;

namespace DcosTls.Cmdlets;

/// <summary>Restart-MarathonApp: a rolling restart of every task of the apps, waited for.</summary>
[Cmdlet(VerbsLifecycle.Restart, "MarathonApp", SupportsShouldProcess = true)]
[OutputType(typeof(MarathonDeployment))]
public sealed class RestartMarathonAppCommand : MarathonChangeCmdlet
{
    /// <summary>The ids of the apps to restart.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("AppId")]
    public string[] Id { get; set; } = Array.Empty<string>();

    /// <summary>Cancels a deployment that is changing the app (Marathon's force=true).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void Process()
    {
        ForEachInput(Id, given =>
        {
            string appId = MarathonAppId.Normalize(given);
            var session = this.SessionForChange();
            if (!ShouldProcess(ClusterChange.Target($"{appId}", session), "Restart every task of the Marathon app")) return;
            ErrorTarget = appId;
            var marathon = Marathon(session!);
            var (deploymentId, version) = marathon.RestartApp(appId, Force);
            Complete(marathon, new MarathonDeployment { AppId = appId, Action = "Restarted", Status = "Started", DeploymentId = deploymentId, Version = version }, removed: false);
        });
    }
}
