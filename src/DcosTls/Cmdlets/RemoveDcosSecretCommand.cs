using DcosTls.Cluster;

namespace DcosTls.Cmdlets;

/// <summary>Remove-DcosSecret: deletes secrets from the default store.</summary>
[Cmdlet(VerbsCommon.Remove, "DcosSecret", SupportsShouldProcess = true)]
[OutputType(typeof(DcosSecretInfo))]
public sealed class RemoveDcosSecretCommand : DcosClusterCmdlet
{
    /// <summary>The secret paths to delete.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("SecretPath")]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Outputs a row per secret (Removed, or Absent when there was none).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        ForEachInput(Path, given =>
        {
            string path = DcosSecretClient.Check(given);
            var session = this.SessionForChange();
            if (!ShouldProcess(ClusterChange.Target($"default/{path}", session), "Delete the secret")) return;
            ErrorTarget = path;
            bool removed = new DcosSecretClient(new ClusterRequest(session!, Log, Cancel)).Delete(path);
            if (!removed) WriteVerbose($"There was no secret 'default/{path}'.");
            if (PassThru) WriteObject(new DcosSecretInfo { Path = path, Action = removed ? "Removed" : "Absent", Cluster = session!.ClusterUri.ToString() });
        });
    }
}
