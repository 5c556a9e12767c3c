using DcosTls.Common;
using DcosTls.Marathon;

namespace DcosTls.Cmdlets;

/// <summary>
/// Set-MarathonApp: creates or replaces a Marathon app from a JSON file, a hashtable, or an object
/// (New-MarathonRegistryApp, Get-MarathonApp, ConvertFrom-Json, JSON text) and waits for its
/// deployment. An app that already holds every given value is left alone: nothing is sent.
/// </summary>
[Cmdlet(VerbsCommon.Set, "MarathonApp", SupportsShouldProcess = true, DefaultParameterSetName = InputSet)]
[OutputType(typeof(MarathonDeployment))]
public sealed class SetMarathonAppCommand : MarathonChangeCmdlet
{
    private const string PathSet = "Path";
    private const string DefinitionSet = "Definition";
    private const string InputSet = "InputObject";

    /// <summary>A JSON file holding one app definition.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    public string Path { get; set; } = string.Empty;

    /// <summary>The app definition as a hashtable.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = DefinitionSet)]
    public System.Collections.Hashtable Definition { get; set; } = null!;

    /// <summary>An app definition: New-MarathonRegistryApp or Get-MarathonApp output, ConvertFrom-Json output, JSON text, a hashtable or a file.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = InputSet)]
    public PSObject InputObject { get; set; } = null!;

    /// <summary>The app id to use instead of the definition's own.</summary>
    [Parameter]
    public string? Id { get; set; }

    /// <summary>Cancels a deployment that is changing the app (Marathon's force=true); use it when that deployment is stuck or failed.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void Process()
    {
        JsonObject definition;
        string source = ParameterSetName switch { PathSet => $"'{Path}'", DefinitionSet => "-Definition", _ => "-InputObject" };
        object? input = InputObject?.BaseObject;
        if (ParameterSetName == PathSet || input is FileInfo)
        {
            string file = input is FileInfo info ? info.FullName : ResolvePath(Path);
            source = $"'{file}'";
            if (!File.Exists(file))
                throw new DcosTlsException("MarathonAppFileNotFound", ErrorCategory.ObjectNotFound, $"The app definition file '{file}' does not exist.", file);
            definition = MarathonDefinition.Parse(File.ReadAllText(file), source);
        }
        else
        {
            definition = MarathonDefinition.From(ParameterSetName == DefinitionSet ? Definition : InputObject, source);
        }
        if (Id != null) definition["id"] = MarathonAppId.Normalize(Id);
        string appId = (string)definition["id"]!;
        var session = this.SessionForChange();
        if (IsWhatIf())
        {
            // Nothing is sent under -WhatIf, not even the read that tells a creation from a replacement.
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
        var (created, deploymentId, version) = marathon.PutApp(appId, definition, Force);
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
}
