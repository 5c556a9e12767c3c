using System.Diagnostics;
using DcosTls.Cluster;
using DcosTls.Common;
using DcosTls.Marathon;
using DcosTls.Session;

namespace DcosTls.Cmdlets;

/// <summary>
/// Base of the cmdlets that change a Marathon app: the change starts a deployment, which is waited for
/// (Write-Progress while it runs, at most -Timeout seconds) unless -NoWait, and its outcome reported.
/// </summary>
public abstract class MarathonChangeCmdlet : DcosClusterCmdlet
{
    internal const int ProgressId = 0x0DC0A;

    /// <summary>Returns once Marathon has accepted the change, without waiting for the deployment.</summary>
    [Parameter]
    public SwitchParameter NoWait { get; set; }

    /// <summary>How long to wait for the deployment, in seconds.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int Timeout { get; set; } = 300;

    /// <summary>How often /v2/deployments is read while waiting (tests shorten it).</summary>
    internal static TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    internal MarathonClient Marathon(DcosSession session) => new(new ClusterRequest(session, Log, Cancel));

    /// <summary>
    /// Creates or replaces an app (PUT ?partialUpdate=false) unless the running app already holds every
    /// value of <paramref name="definition"/> (then nothing is sent but the read), and waits for the
    /// deployment. Under -WhatIf nothing is sent, not even the read that tells a creation from a replacement.
    /// </summary>
    internal void Apply(JsonObject definition, string appId, bool force)
    {
        var session = this.SessionForChange();
        if (IsWhatIf())
        {
            ShouldProcess(ClusterChange.Target($"{appId}", session), "Create or replace the Marathon app (when it differs from the running one)");
            return;
        }
        ErrorTarget = appId;
        var marathon = Marathon(session!);
        var current = marathon.GetApp(appId, embedTasks: false);
        var changed = current == null ? Array.Empty<string>() : MarathonDefinition.Differences(definition, current);
        if (current != null && changed.Count == 0)
        {
            WriteVerbose($"{appId} already holds every value of the definition: nothing sent.");
            WriteResult(new MarathonDeployment { AppId = appId, Action = "Unchanged", Status = "NotNeeded" });
            return;
        }
        string what = current == null ? "Create the Marathon app" : $"Replace the Marathon app (changes {string.Join(", ", changed.Take(8))}{(changed.Count > 8 ? ", ..." : string.Empty)})";
        if (!ShouldProcess(ClusterChange.Target($"{appId}", session), what)) return;
        var (created, deploymentId, version) = marathon.PutApp(appId, definition, force);
        Complete(marathon, new MarathonDeployment
        {
            AppId = appId,
            Action = created ? "Created" : "Replaced",
            Status = "Started",
            DeploymentId = deploymentId,
            Version = version,
            Changed = new ValueList<string>(changed),
        }, removed: false);
    }

    /// <summary>
    /// Waits for the deployment and writes the result; a deployment that timed out or ended with the app
    /// not running as asked is also an error (MarathonDeploymentTimedOut, MarathonDeploymentFailed).
    /// </summary>
    internal void Complete(MarathonClient marathon, MarathonDeployment result, bool removed)
    {
        if (NoWait || result.DeploymentId == null)
        {
            WriteObject(result);
            return;
        }
        var clock = Stopwatch.StartNew();
        bool done = WaitFor(marathon, result.DeploymentId, result.AppId, result.Action);
        result.Elapsed = clock.Elapsed;
        if (!done)
        {
            result.Status = "TimedOut";
            WriteObject(result);
            ReportTimedOut(result.DeploymentId, result.AppId);
            return;
        }
        var app = marathon.GetApp(result.AppId, embedTasks: false);
        string? problem = removed
            ? app == null ? null : "the app is still there"
            : app == null ? "the app is gone"
            : Running(app) < Number(app, "instances") ? $"{Running(app)} of {Number(app, "instances")} instances run"
            : result.Version != null && app["version"] is JsonValue v && v.TryGetValue<string>(out var version) && version != result.Version ? $"the app is at version {ServerText.Quote(version)}, not {result.Version} (rolled back or replaced)"
            : null;
        result.Status = problem == null ? "Succeeded" : "Failed";
        WriteObject(result);
        if (problem != null)
            Report("MarathonDeploymentFailed", ErrorCategory.InvalidResult,
                $"Deployment {result.DeploymentId} of {result.AppId} ended, but {problem}. Look at the app's last task failure in the DC/OS UI or with Get-MarathonApp {result.AppId} -IncludeTasks.",
                result.AppId);
    }

    /// <summary>Waits for one deployment (Write-Progress while it runs, at most -Timeout); false when it was still running then.</summary>
    internal bool WaitFor(MarathonClient marathon, string deploymentId, string appId, string action)
    {
        var record = new ProgressRecord(ProgressId, $"Marathon deployment of {appId} ({action})", "waiting");
        try
        {
            return marathon.Wait(deploymentId, TimeSpan.FromSeconds(Timeout), PollInterval, (status, percent) =>
            {
                record.StatusDescription = status;
                record.PercentComplete = percent;
                WriteProgress(record);
            });
        }
        finally
        {
            record.RecordType = ProgressRecordType.Completed;
            WriteProgress(record);
        }
    }

    /// <summary>MarathonDeploymentTimedOut for this input: the deployment goes on in Marathon.</summary>
    internal void ReportTimedOut(string deploymentId, string appId)
        => Report("MarathonDeploymentTimedOut", ErrorCategory.OperationTimeout,
            $"Deployment {deploymentId} of {appId} was still running after {Timeout} s. It goes on in Marathon: check it with Get-MarathonApp {appId}, "
            + "wait longer with -Timeout, or roll it back in Marathon (DELETE /v2/deployments/<id>). A deployment that gets no offers (fixed host ports, hostname UNIQUE) never ends.",
            appId);

    private static int Running(JsonObject app) => Number(app, "tasksRunning");

    private static int Number(JsonObject app, string name)
        => app[name] is JsonValue v && double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? (int)d : 0;
}
