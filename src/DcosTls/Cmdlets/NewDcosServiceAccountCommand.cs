using DcosTls.Cluster;
using DcosTls.Common;
using DcosTls.Session;

namespace DcosTls.Cmdlets;

/// <summary>
/// New-DcosServiceAccount: makes an RSA-2048 key pair here, registers the public key as a new service
/// account in IAM and stores the private key only in a secret (the create-sa-secret JSON: scheme RS256,
/// uid, private_key, login_endpoint). The key is never output, written to disk or logged, and never
/// becomes a string: it goes from the RSA object into byte buffers that are cleared after the call.
/// </summary>
[Cmdlet(VerbsCommon.New, "DcosServiceAccount", SupportsShouldProcess = true)]
[OutputType(typeof(DcosServiceAccount))]
public sealed class NewDcosServiceAccountCommand : DcosClusterCmdlet
{
    /// <summary>The account's id, e.g. marathon-lb-sa.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("ServiceAccount")]
    public string Uid { get; set; } = string.Empty;

    /// <summary>The account's description in IAM.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Description { get; set; }

    /// <summary>The secret that receives the login; &lt;uid&gt;/service-account-secret when omitted.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? SecretPath { get; set; }

    /// <summary>The login_endpoint in the secret: where the account's services log in.</summary>
    [Parameter]
    public Uri LoginEndpoint { get; set; } = new("https://master.mesos/acs/api/v1/auth/login");

    protected override void Process()
    {
        string uid = IamClient.CheckUid(Uid);
        string secretPath = DcosSecretClient.Check(SecretPath ?? $"{uid}/service-account-secret");
        if (!LoginEndpoint.IsAbsoluteUri || LoginEndpoint.Scheme is not ("https" or "http") || LoginEndpoint.UserInfo.Length > 0)
            throw new DcosTlsException("InvalidLoginEndpoint", ErrorCategory.InvalidArgument,
                $"-LoginEndpoint '{LoginEndpoint.GetLeftPart(UriPartial.Path)}' is not an http(s) address without a user, e.g. https://master.mesos/acs/api/v1/auth/login.", LoginEndpoint);
        var session = this.SessionForChange();
        string description = Description ?? $"{uid} (made by DcosTls)";
        if (!ShouldProcess(ClusterChange.Target($"{uid}", session), $"Create the service account and store its private key in secret default/{secretPath}")) return;
        ErrorTarget = uid;
        var accounts = new ServiceAccounts(new ClusterRequest(session!, Log, Cancel));
        WriteObject(accounts.Create(uid, description, secretPath, LoginEndpoint, WriteWarning));
    }
}
