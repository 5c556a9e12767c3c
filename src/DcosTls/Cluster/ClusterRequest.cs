using DcosTls.Common;
using DcosTls.Session;

namespace DcosTls.Cluster;

/// <summary>
/// One call to a cluster service behind Admin Router (Marathon, the secrets service, IAM, Cosmos) and
/// the one reading of its failures: 403 names the permission the call needs, 404/409/422 get the
/// caller's own ids, and every quoted server text goes through ServerText with the caller's secrets cut out.
/// </summary>
internal sealed class ClusterRequest
{
    private readonly DcosSession _session;
    private readonly Action<string> _log;
    private readonly CancellationToken _cancel;

    internal ClusterRequest(DcosSession session, Action<string> log, CancellationToken cancel)
    {
        _session = session;
        _log = log;
        _cancel = cancel;
    }

    internal DcosSession Session => _session;
    internal CancellationToken Cancel => _cancel;

    /// <summary>
    /// Sends the call; a 403 becomes PermissionDenied naming <paramref name="permission"/> (resource and action).
    /// Other statuses come back for the caller to read.
    /// </summary>
    internal DcosResponse Send(HttpMethod method, string path, RequestBody? body, string permission, string accept = "application/json")
    {
        DcosResponse response;
        try
        {
            response = _session.Client.Send(method, path, body, accept, _log, _cancel);
        }
        catch (DcosAuthenticationException e) when (e.StatusCode == 403)
        {
            throw new DcosAuthenticationException("PermissionDenied",
                $"'{_session.UserId}' may not {method} {PathOnly(path)} (403): it needs the permission {permission}. Ask a cluster administrator to grant it (Grant-DcosPermission -Uid {_session.UserId} ...).", 403);
        }
        if ((int)response.Status >= 500) throw ServerFailure(method, path, response);
        return response;
    }

    /// <summary>
    /// A 5xx: the service (or Admin Router in front of it) failed, not the request. No text of the answer
    /// is quoted: a failing service or proxy may echo the request (a secret's value, the token) or dump
    /// its state, and none of that helps the operator more than the status and where to look.
    /// 502/503/504 are ClusterServiceUnavailable (down, restarting, electing a leader: try again),
    /// any other 5xx ClusterServiceFailed (the service's own error: its log says why).
    /// </summary>
    internal static DcosApiException ServerFailure(HttpMethod method, string path, DcosResponse response)
    {
        int status = (int)response.Status;
        var (service, unit) = ServiceOf(path);
        string call = $"{method} {PathOnly(path)}";
        bool unavailable = status is 502 or 503 or 504;
        string what = unavailable
            ? $"{service} is not available for {call} (HTTP {status} {response.Status}): it is down, restarting or overloaded, or Admin Router cannot reach it. The call may not have taken effect. Try again in a minute; if it lasts, check the component's health (DC/OS UI, Components; or journalctl -u {unit} on the masters)."
            : $"{service} failed {call} (HTTP {status} {response.Status}), an error on the cluster's side. The call may not have taken effect: check with the matching Get- cmdlet, and read the service's log for why (journalctl -u {unit} on the masters).";
        return new DcosApiException(unavailable ? "ClusterServiceUnavailable" : "ClusterServiceFailed", what, status,
            unavailable ? ErrorCategory.ResourceUnavailable : ErrorCategory.InvalidResult);
    }

    /// <summary>The service behind an Admin Router path, and its systemd unit on the masters (for the message).</summary>
    private static (string Service, string Unit) ServiceOf(string path)
        => path.StartsWith("/service/marathon/", StringComparison.Ordinal) ? ("Marathon", "dcos-marathon")
        : path.StartsWith("/secrets/", StringComparison.Ordinal) ? ("The secrets service", "dcos-secrets")
        : path.StartsWith("/acs/", StringComparison.Ordinal) ? ("IAM", "dcos-bouncer")
        : path.StartsWith("/package/", StringComparison.Ordinal) ? ("The package manager (Cosmos)", "dcos-cosmos")
        : ("The cluster", "dcos-adminrouter");

    internal DcosResponse SendJson(HttpMethod method, string path, JsonNode? body, string permission)
        => Send(method, path, body == null ? null : new RequestBody(body.ToJsonString(), null, "application/json"), permission);

    private static string PathOnly(string path) => path.Split('?')[0];

    /// <summary>The message (Marathon), description (IAM, secrets) or title of an error body, quoted safely.</summary>
    internal static string Describe(DcosResponse response, params string?[] secrets)
    {
        string detail = $"HTTP {(int)response.Status}";
        if (!response.IsJson) return detail;
        try
        {
            using var doc = JsonDocument.Parse(response.Body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return detail;
            string? Field(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
                ? ServerText.Quote(v.GetString(), secrets) : null;
            var parts = new[] { detail, Field("code"), Field("message") ?? Field("description") ?? Field("title") }
                .Where(s => !string.IsNullOrEmpty(s));
            return string.Join(": ", parts);
        }
        catch (JsonException)
        {
            return detail;
        }
    }

    /// <summary>The body as a JSON node, or null when it is not JSON.</summary>
    internal static JsonNode? Json(DcosResponse response)
    {
        try
        {
            return response.Body.Length == 0 ? null : JsonNode.Parse(response.Body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal static DcosApiException Unexpected(string what, DcosResponse response, params string?[] secrets)
        => new DcosApiException("ClusterRequestFailed", $"{what} failed ({Describe(response, secrets)}). Check the cluster's health, then try again.", (int)response.Status);
}
