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
        Apply(definition, appId, Force);
    }
}
