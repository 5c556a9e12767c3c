using DcosTls.Common;
using DcosTls.Session;

namespace DcosTls.Cluster;

/// <summary>
/// DC/OS IAM (/acs/api/v1): service accounts (users with a public key) and their permissions (ACLs).
/// Resource ids keep ':' and replace each '/' with %252F, as the IAM API asks; nothing else is escaped.
/// </summary>
internal sealed partial class IamClient
{
    private const string Base = "/acs/api/v1";
    private const string AcsPermission = "dcos:adminrouter:acs (full)";
    internal static readonly string[] Actions = { "create", "read", "update", "delete", "full" };
    private readonly ClusterRequest _call;

    internal IamClient(ClusterRequest call) => _call = call;

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9@._-]{0,95}$")]
    private static partial Regex UidPattern();

    [GeneratedRegex(@"^dcos:[A-Za-z0-9:/._@*-]+$")]
    private static partial Regex RidPattern();

    internal static string CheckUid(string? uid)
    {
        string text = (uid ?? string.Empty).Trim();
        if (!UidPattern().IsMatch(text))
            throw new DcosTlsException("InvalidServiceAccountId", ErrorCategory.InvalidArgument,
                $"'{Printable(text)}' is not a DC/OS account id: use letters, digits, '.', '_', '-' and '@' (at most 96, starting with a letter or digit), e.g. marathon-lb-sa.", uid);
        return text;
    }

    /// <summary>A resource id checked (dcos:...) and as written in the URL ('/' as %252F).</summary>
    internal static string CheckResource(string? rid)
    {
        string text = (rid ?? string.Empty).Trim();
        if (!RidPattern().IsMatch(text) || text.EndsWith(':'))
            throw new DcosTlsException("InvalidPermissionResource", ErrorCategory.InvalidArgument,
                $"'{Printable(text)}' is not a DC/OS resource id: it starts with 'dcos:' and holds letters, digits and ':/._@*-' only, e.g. dcos:service:marathon:marathon:services:/ or dcos:secrets:default:/marathon-lb/*.", rid);
        return text;
    }

    internal static string EscapeResource(string rid) => rid.Replace("/", "%252F", StringComparison.Ordinal);

    private static string Printable(string text) => new(text.Take(100).Select(c => char.IsControl(c) ? '?' : c).ToArray());

    /// <summary>PUT /users/{uid} with the public key: 201, or ServiceAccountExists on 409.</summary>
    internal void CreateServiceAccount(string uid, string description, string publicKeyPem)
    {
        var response = _call.SendJson(HttpMethod.Put, $"{Base}/users/{uid}", new JsonObject { ["description"] = description, ["public_key"] = publicKeyPem }, AcsPermission);
        if (response.Status == HttpStatusCode.Created) return;
        if (response.Status == HttpStatusCode.Conflict)
            throw new DcosApiException("ServiceAccountExists",
                $"The cluster already has an account '{uid}' ({ClusterRequest.Describe(response)}). Choose another -Uid, or remove the account first (its key cannot be read back).", 409, ErrorCategory.ResourceExists) { TargetObject = uid };
        throw IamFailure($"PUT of account '{uid}'", response);
    }

    /// <summary>GET /users/{uid}: the account as IAM keeps it (uid, description, is_service, public_key); null for 404.</summary>
    internal JsonObject? GetAccount(string uid)
    {
        var response = _call.Send(HttpMethod.Get, $"{Base}/users/{uid}", null, AcsPermission);
        if (response.Status == HttpStatusCode.NotFound) return null;
        if (response.Status != HttpStatusCode.OK) throw IamFailure($"GET of account '{uid}'", response);
        return ClusterRequest.Json(response) as JsonObject
            ?? throw new DcosApiException("IamResponseInvalid", $"IAM answered the GET of account '{uid}' with something other than a JSON object.", 200);
    }

    /// <summary>GET /users?type=service: every service account (IAM lists regular users only without the type).</summary>
    internal IReadOnlyList<JsonObject> ListServiceAccounts()
    {
        var response = _call.Send(HttpMethod.Get, $"{Base}/users?type=service", null, AcsPermission);
        if (response.Status != HttpStatusCode.OK) throw IamFailure("list of service accounts", response);
        var array = ClusterRequest.Json(response)?["array"] as JsonArray
            ?? throw new DcosApiException("IamResponseInvalid", "IAM answered the list of service accounts without an \"array\".", 200);
        return array.OfType<JsonObject>().ToList();
    }

    /// <summary>Removes an account made a moment ago whose secret could not be stored; false when that fails too.</summary>
    internal bool TryRollBackAccount(string uid)
    {
        try { DeleteAccount(uid); return true; }
        catch (DcosTlsException) { return false; }
    }

    /// <summary>DELETE /users/{uid}: 204; false for 404.</summary>
    internal bool DeleteAccount(string uid)
    {
        var response = _call.Send(HttpMethod.Delete, $"{Base}/users/{uid}", null, AcsPermission);
        if (response.Status is HttpStatusCode.NoContent or HttpStatusCode.OK) return true;
        if (response.Status == HttpStatusCode.NotFound) return false;
        throw IamFailure($"DELETE of account '{uid}'", response);
    }

    /// <summary>PUT /acls/{rid} (409: it exists, fine), then PUT /acls/{rid}/users/{uid}/{action}. True when newly granted.</summary>
    internal bool Grant(string uid, string rid, string action, string description)
    {
        string acl = $"{Base}/acls/{EscapeResource(rid)}";
        var made = _call.SendJson(HttpMethod.Put, acl, new JsonObject { ["description"] = description }, AcsPermission);
        if (made.Status is not (HttpStatusCode.Created or HttpStatusCode.Conflict or HttpStatusCode.NoContent or HttpStatusCode.OK))
            throw IamFailure($"PUT of ACL '{rid}'", made);
        var granted = _call.Send(HttpMethod.Put, $"{acl}/users/{uid}/{action}", null, AcsPermission);
        if (granted.Status is HttpStatusCode.NoContent or HttpStatusCode.OK or HttpStatusCode.Created) return true;
        if (granted.Status == HttpStatusCode.Conflict) return false;
        if (granted.Status is HttpStatusCode.NotFound or HttpStatusCode.BadRequest)
            throw new DcosApiException("ServiceAccountNotFound", $"IAM could not grant '{action}' on '{rid}' to '{uid}' ({ClusterRequest.Describe(granted)}). Check that the account exists.", (int)granted.Status, ErrorCategory.ObjectNotFound) { TargetObject = uid };
        throw IamFailure($"grant of '{action}' on '{rid}' to '{uid}'", granted);
    }

    /// <summary>DELETE /acls/{rid}/users/{uid}/{action}: true when revoked, false when it was not granted (404).</summary>
    internal bool Revoke(string uid, string rid, string action)
    {
        var response = _call.Send(HttpMethod.Delete, $"{Base}/acls/{EscapeResource(rid)}/users/{uid}/{action}", null, AcsPermission);
        if (response.Status is HttpStatusCode.NoContent or HttpStatusCode.OK) return true;
        if (response.Status == HttpStatusCode.NotFound) return false;
        throw IamFailure($"revoke of '{action}' on '{rid}' from '{uid}'", response);
    }

    /// <summary>GET /users/{uid}/permissions: direct grants and those through groups.</summary>
    internal IReadOnlyList<(string Rid, string Action, string Source)> Permissions(string uid)
    {
        var response = _call.Send(HttpMethod.Get, $"{Base}/users/{uid}/permissions", null, AcsPermission);
        if (response.Status is HttpStatusCode.NotFound or HttpStatusCode.BadRequest)
            throw new DcosApiException("ServiceAccountNotFound", $"IAM has no account '{uid}' ({ClusterRequest.Describe(response)}).", (int)response.Status, ErrorCategory.ObjectNotFound) { TargetObject = uid };
        if (response.Status != HttpStatusCode.OK) throw IamFailure($"GET of the permissions of '{uid}'", response);
        var body = ClusterRequest.Json(response) as JsonObject
            ?? throw new DcosApiException("IamResponseInvalid", $"IAM answered the permissions of '{uid}' with something other than a JSON object.", 200);
        var rows = new List<(string, string, string)>();
        static string? Str(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        void Add(JsonArray? grants, string source)
        {
            foreach (var grant in (grants ?? new JsonArray()).OfType<JsonObject>())
            {
                string? rid = Str(grant["rid"]);
                if (rid == null) continue;
                foreach (var action in (grant["actions"] as JsonArray ?? new JsonArray()))
                {
                    string? name = action is JsonObject o ? Str(o["name"]) : Str(action);
                    if (name != null) rows.Add((ServerText.Quote(rid), ServerText.Quote(name), source));
                }
            }
        }
        Add(body["direct"] as JsonArray, "direct");
        foreach (var group in (body["groups"] as JsonArray ?? new JsonArray()).OfType<JsonObject>())
            Add(group["permissions"] as JsonArray, "group " + ServerText.Quote(Str(group["gid"]) ?? Str(group["groupid"]) ?? "?"));
        return rows;
    }

    private static DcosApiException IamFailure(string what, DcosResponse response)
        => ClusterRequest.Unexpected($"The IAM {what}", response);
}

/// <summary>One action a DC/OS account may take on a resource.</summary>
public sealed class DcosPermission
{
    internal DcosPermission() { }

    public string Uid { get; internal init; } = string.Empty;

    /// <summary>The resource id, e.g. dcos:service:marathon:marathon:services:/.</summary>
    public string Resource { get; internal init; } = string.Empty;

    /// <summary>create, read, update, delete or full.</summary>
    public string Action { get; internal init; } = string.Empty;

    /// <summary>direct, or the group it comes through.</summary>
    public string Source { get; internal init; } = "direct";

    /// <summary>Granted, AlreadyGranted, Revoked or NotGranted (Grant-/Revoke-DcosPermission -PassThru); null for Get-DcosPermission.</summary>
    public string? Change { get; internal init; }

    public override string ToString() => $"{Uid}: {Resource} {Action}";
}

/// <summary>A service account: made by New-DcosServiceAccount (its key is only in the secret), or read by Get-DcosServiceAccount.</summary>
public sealed class DcosServiceAccount
{
    internal DcosServiceAccount() { }

    public string Uid { get; internal init; } = string.Empty;
    public string Description { get; internal init; } = string.Empty;

    /// <summary>The secret holding the account's login (scheme, uid, private_key, login_endpoint); null from Get-DcosServiceAccount (IAM does not know it).</summary>
    public string? SecretPath { get; internal init; }

    /// <summary>Where the account's services log in (the secret's login_endpoint); null from Get-DcosServiceAccount.</summary>
    public string? LoginEndpoint { get; internal init; }

    /// <summary>SHA-256 of the public key (SubjectPublicKeyInfo DER), hex.</summary>
    public string PublicKeySha256 { get; internal init; } = string.Empty;

    public string Cluster { get; internal init; } = string.Empty;

    /// <summary>Removed (Remove-DcosServiceAccount -PassThru), with SecretRemoved when its secret went too; null otherwise.</summary>
    public string? Action { get; internal init; }

    public override string ToString() => SecretPath == null ? Uid : $"{Uid} (secret default/{SecretPath})";
}
