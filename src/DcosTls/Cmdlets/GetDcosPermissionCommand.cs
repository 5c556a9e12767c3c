using DcosTls.Cluster;

namespace DcosTls.Cmdlets;

/// <summary>Get-DcosPermission: what an account may do, one row per resource and action (direct and through groups).</summary>
[Cmdlet(VerbsCommon.Get, "DcosPermission")]
[OutputType(typeof(DcosPermission))]
public sealed class GetDcosPermissionCommand : DcosClusterCmdlet
{
    /// <summary>The account (user or service account) ids.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("ServiceAccount")]
    public string[] Uid { get; set; } = Array.Empty<string>();

    protected override void Process()
    {
        var session = RequireSession();
        var iam = new IamClient(new ClusterRequest(session, Log, Cancel));
        ForEachInput(Uid, given =>
        {
            ErrorTarget = given;
            string uid = IamClient.CheckUid(given);
            foreach (var (rid, action, source) in iam.Permissions(uid))
                WriteObject(new DcosPermission { Uid = uid, Resource = rid, Action = action, Source = source });
        });
    }
}
