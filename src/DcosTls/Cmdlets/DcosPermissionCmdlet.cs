using DcosTls.Cluster;

namespace DcosTls.Cmdlets;

/// <summary>Base of Grant- and Revoke-DcosPermission: an account, resources and actions, checked before anything is sent.</summary>
public abstract class DcosPermissionCmdlet : DcosClusterCmdlet
{
    /// <summary>The account (user or service account) id.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("ServiceAccount")]
    public string Uid { get; set; } = string.Empty;

    /// <summary>Resource ids, e.g. dcos:service:marathon:marathon:services:/ (write '/' as it is; it is escaped for the IAM API).</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("Rid")]
    public string[] Resource { get; set; } = Array.Empty<string>();

    /// <summary>The actions: create, read, update, delete or full.</summary>
    [Parameter(Mandatory = true, Position = 2, ValueFromPipelineByPropertyName = true)]
    [ValidateSet("create", "read", "update", "delete", "full")]
    public string[] Action { get; set; } = Array.Empty<string>();

    /// <summary>Outputs a row per resource and action with what changed.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    internal abstract string Verb { get; }

    internal abstract string Apply(IamClient iam, string uid, string rid, string action);

    protected override void Process()
    {
        string uid = IamClient.CheckUid(Uid);
        var rids = Resource.Select(IamClient.CheckResource).ToList();
        var session = this.SessionForChange();
        var iam = new IamClient(new ClusterRequest(session!, Log, Cancel));
        foreach (string rid in rids)
        {
            foreach (string action in Action.Select(a => a.ToLowerInvariant()).Distinct())
            {
                if (!ShouldProcess(ClusterChange.Target($"{uid}", session), $"{Verb} '{action}' on {rid}")) continue;
                ErrorTarget = uid;
                RunInput(() =>
                {
                    string change = Apply(iam, uid, rid, action);
                    if (PassThru) WriteObject(new DcosPermission { Uid = uid, Resource = rid, Action = action, Change = change });
                });
            }
        }
    }
}

/// <summary>Grant-DcosPermission: lets an account take actions on resources (the ACL is made when missing).</summary>
[Cmdlet(VerbsSecurity.Grant, "DcosPermission", SupportsShouldProcess = true)]
[OutputType(typeof(DcosPermission))]
public sealed class GrantDcosPermissionCommand : DcosPermissionCmdlet
{
    /// <summary>The description of an ACL that is made here.</summary>
    [Parameter]
    public string? Description { get; set; }

    internal override string Verb => "Grant";

    internal override string Apply(IamClient iam, string uid, string rid, string action)
        => iam.Grant(uid, rid, action, Description ?? $"{rid} (made by DcosTls)") ? "Granted" : "AlreadyGranted";
}

/// <summary>Revoke-DcosPermission: takes actions on resources away from an account.</summary>
[Cmdlet(VerbsSecurity.Revoke, "DcosPermission", SupportsShouldProcess = true)]
[OutputType(typeof(DcosPermission))]
public sealed class RevokeDcosPermissionCommand : DcosPermissionCmdlet
{
    internal override string Verb => "Revoke";

    internal override string Apply(IamClient iam, string uid, string rid, string action)
        => iam.Revoke(uid, rid, action) ? "Revoked" : "NotGranted";
}
