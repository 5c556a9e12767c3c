using DcosTls.Cluster;

namespace DcosTls.Cmdlets;

/// <summary>
/// Get-DcosServiceAccount: service accounts as IAM keeps them (id, description, the SHA-256 of the
/// public key), one by id, several by wildcard, or every one. IAM does not know which secret holds an
/// account's key, so SecretPath is empty here.
/// </summary>
[Cmdlet(VerbsCommon.Get, "DcosServiceAccount")]
[OutputType(typeof(DcosServiceAccount))]
public sealed class GetDcosServiceAccountCommand : DcosClusterCmdlet
{
    /// <summary>Account ids (wildcards allowed); every service account when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("ServiceAccount")]
    [SupportsWildcards]
    public string[]? Uid { get; set; }

    protected override void Process()
    {
        var session = RequireSession();
        var accounts = new ServiceAccounts(new ClusterRequest(session, Log, Cancel));
        if (Uid == null || Uid.Length == 0)
        {
            foreach (var account in accounts.List().OrderBy(a => a.Uid, StringComparer.Ordinal)) WriteObject(account);
            return;
        }
        List<DcosServiceAccount>? all = null;
        ForEachInput(Uid, given =>
        {
            ErrorTarget = given;
            if (WildcardPattern.ContainsWildcardCharacters(given))
            {
                var pattern = new WildcardPattern(given, WildcardOptions.IgnoreCase);
                all ??= accounts.List().OrderBy(a => a.Uid, StringComparer.Ordinal).ToList();
                foreach (var account in all.Where(a => pattern.IsMatch(a.Uid))) WriteObject(account);
                return;
            }
            WriteObject(accounts.Get(IamClient.CheckUid(given)));
        });
    }
}
