using DcosTls.Cluster;

namespace DcosTls.Cmdlets;

/// <summary>
/// Remove-DcosServiceAccount: deletes a service account from IAM (with its grants) and, with
/// -RemoveSecret, the secret that holds its login. The account goes first: a secret whose account is
/// gone logs in nowhere. A user's account is refused (NotAServiceAccount), a missing one is
/// ServiceAccountNotFound.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "DcosServiceAccount", SupportsShouldProcess = true)]
[OutputType(typeof(DcosServiceAccount))]
public sealed class RemoveDcosServiceAccountCommand : DcosClusterCmdlet
{
    /// <summary>The account's id, e.g. marathon-lb-sa.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("ServiceAccount")]
    public string Uid { get; set; } = string.Empty;

    /// <summary>Also deletes the secret that holds the account's login (-SecretPath, or &lt;uid&gt;/service-account-secret).</summary>
    [Parameter]
    public SwitchParameter RemoveSecret { get; set; }

    /// <summary>The secret -RemoveSecret deletes; &lt;uid&gt;/service-account-secret when omitted (New-DcosServiceAccount's output gives its own).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? SecretPath { get; set; }

    /// <summary>Outputs the removed account (SecretPath set when its secret was removed too).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        string uid = IamClient.CheckUid(Uid);
        string? secretPath = RemoveSecret ? DcosSecretClient.Check(string.IsNullOrEmpty(SecretPath) ? $"{uid}/service-account-secret" : SecretPath) : null;
        var session = this.SessionForChange();
        string what = secretPath == null ? "Delete the service account" : $"Delete the service account and its secret default/{secretPath}";
        if (!ShouldProcess(ClusterChange.Target(uid, session), what)) return;
        ErrorTarget = uid;
        bool? secretRemoved = new ServiceAccounts(new ClusterRequest(session!, Log, Cancel)).Remove(uid, secretPath);
        if (secretRemoved == false) WriteVerbose($"There was no secret 'default/{secretPath}'.");
        if (PassThru)
            WriteObject(new DcosServiceAccount { Uid = uid, SecretPath = secretRemoved == true ? secretPath : null, Action = "Removed", Cluster = session!.ClusterUri.ToString() });
    }
}
