using System.Diagnostics;
using DcosTls.Cluster;
using DcosTls.Common;
using DcosTls.Session;

namespace DcosTls.Marathon;

/// <summary>
/// Marathon's REST API through Admin Router (/service/marathon/v2): apps read, replaced, removed and
/// restarted, and deployments waited for by polling /v2/deployments until the id is gone, then reading
/// the app to tell success from a rollback.
/// </summary>
internal sealed class MarathonClient
{
    private const string Base = "/service/marathon/v2";
    private readonly ClusterRequest _call;

    internal MarathonClient(ClusterRequest call) => _call = call;

    private static string Permission(string appId, string action)
        => $"dcos:adminrouter:service:marathon (full) and dcos:service:marathon:marathon:services:{Group(appId)} ({action})";

    private static string Group(string appId)
    {
        int last = appId.LastIndexOf('/');
        return last <= 0 ? "/" : appId[..last];
    }

    /// <summary>GET /v2/apps/{id}; null when Marathon has no such app.</summary>
    internal JsonObject? GetApp(string appId, bool embedTasks)
    {
        string query = "?embed=app.deployments" + (embedTasks ? "&embed=app.tasks" : string.Empty);
        var response = _call.Send(HttpMethod.Get, Base + "/apps" + appId + query, null, Permission(appId, "read"));
        if (response.Status == HttpStatusCode.NotFound) return null;
        if (response.Status != HttpStatusCode.OK) throw Failure($"GET of app {appId}", appId, response);
        return ClusterRequest.Json(response)?["app"] as JsonObject
            ?? throw Malformed($"GET of app {appId}", "an object under \"app\"");
    }

    /// <summary>GET /v2/apps: every app the user may see.</summary>
    internal IReadOnlyList<JsonObject> GetApps(bool embedTasks)
    {
        string query = "?embed=apps.deployments" + (embedTasks ? "&embed=apps.tasks" : string.Empty);
        var response = _call.Send(HttpMethod.Get, Base + "/apps" + query, null, Permission("/", "read"));
        if (response.Status != HttpStatusCode.OK) throw Failure("GET of the app list", "/", response);
        var apps = ClusterRequest.Json(response)?["apps"] as JsonArray ?? throw Malformed("GET of the app list", "an array under \"apps\"");
        return apps.OfType<JsonObject>().ToList();
    }

    /// <summary>PUT /v2/apps/{id}?partialUpdate=false: creates (201) or replaces (200) the whole definition.</summary>
    internal (bool Created, string DeploymentId, string? Version) PutApp(string appId, JsonObject definition, bool force)
    {
        string query = "?partialUpdate=false" + (force ? "&force=true" : string.Empty);
        var response = _call.SendJson(HttpMethod.Put, Base + "/apps" + appId + query, definition, Permission(appId, "create, update"));
        if (response.Status is not (HttpStatusCode.OK or HttpStatusCode.Created)) throw Failure($"PUT of app {appId}", appId, response);
        var (id, version) = ReadDeployment(response, $"PUT of app {appId}");
        return (response.Status == HttpStatusCode.Created, id, version);
    }

    /// <summary>DELETE /v2/apps/{id} (Marathon's default force=true cancels a deployment in the way).</summary>
    internal string DeleteApp(string appId)
    {
        var response = _call.Send(HttpMethod.Delete, Base + "/apps" + appId, null, Permission(appId, "delete"));
        if (response.Status != HttpStatusCode.OK) throw Failure($"DELETE of app {appId}", appId, response);
        return ReadDeployment(response, $"DELETE of app {appId}").Id;
    }

    /// <summary>POST /v2/apps/{id}/restart: a rolling restart of every task.</summary>
    internal (string DeploymentId, string? Version) RestartApp(string appId, bool force)
    {
        var response = _call.Send(HttpMethod.Post, Base + "/apps" + appId + "/restart" + (force ? "?force=true" : string.Empty), null, Permission(appId, "update"));
        if (response.Status != HttpStatusCode.OK) throw Failure($"restart of app {appId}", appId, response);
        return ReadDeployment(response, $"restart of app {appId}");
    }

    /// <summary>GET /v2/deployments: the deployments running now.</summary>
    internal IReadOnlyList<JsonObject> Deployments()
    {
        var response = _call.Send(HttpMethod.Get, Base + "/deployments", null, Permission("/", "read"));
        if (response.Status != HttpStatusCode.OK) throw Failure("GET of the deployment list", "/", response);
        return (ClusterRequest.Json(response) as JsonArray ?? throw Malformed("GET of the deployment list", "an array")).OfType<JsonObject>().ToList();
    }

    /// <summary>
    /// Polls until the deployment is gone from /v2/deployments (true) or <paramref name="timeout"/> passes
    /// (false). <paramref name="progress"/> gets the deployment's step text and percent.
    /// </summary>
    internal bool Wait(string deploymentId, TimeSpan timeout, TimeSpan interval, Action<string, int> progress)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            IReadOnlyList<JsonObject> running;
            try
            {
                running = Deployments();
            }
            catch (DcosApiException e) when (e.StatusCode >= 500)
            {
                // Marathon answers 503 while it elects a leader or restarts: go on asking until the timeout.
                // Any other failure ends the wait, saying that the change itself was accepted.
                if (e.ErrorId == "ClusterServiceUnavailable" && clock.Elapsed < timeout)
                {
                    progress("Marathon is not available; asking again", -1);
                    if (_call.Cancel.WaitHandle.WaitOne(interval)) _call.Cancel.ThrowIfCancellationRequested();
                    continue;
                }
                throw new DcosApiException(e.ErrorId,
                    e.Message + $" Marathon had accepted the change: deployment {deploymentId} goes on there; check it with Get-MarathonApp.", e.StatusCode, e.Category);
            }
            var current = running.FirstOrDefault(d => d["id"] is JsonValue v && v.TryGetValue<string>(out var s) && s == deploymentId);
            if (current == null) return true;
            int step = current["currentStep"] is JsonValue c && c.TryGetValue<int>(out var cs) ? cs : 0;
            int total = current["totalSteps"] is JsonValue t && t.TryGetValue<int>(out var ts) ? ts : 0;
            string actions = string.Join(", ", (current["currentActions"] as JsonArray ?? new JsonArray()).OfType<JsonObject>()
                .Select(a => a["action"] is JsonValue v && v.TryGetValue<string>(out var s) ? ServerText.Quote(s) : null).OfType<string>());
            progress(total > 0 ? $"step {step} of {total}{(actions.Length > 0 ? ": " + actions : string.Empty)}" : "running",
                total > 0 ? Math.Clamp((step - 1) * 100 / total, 0, 99) : -1);
            if (clock.Elapsed >= timeout) return false;
            TimeSpan left = timeout - clock.Elapsed;
            if (_call.Cancel.WaitHandle.WaitOne(left < interval ? left : interval)) _call.Cancel.ThrowIfCancellationRequested();
        }
    }

    private static (string Id, string? Version) ReadDeployment(DcosResponse response, string what)
    {
        var body = ClusterRequest.Json(response);
        string? id = body?["deploymentId"] is JsonValue v && v.TryGetValue<string>(out var s) ? s
            : body?["deployments"] is JsonArray a && a.FirstOrDefault()?["id"] is JsonValue w && w.TryGetValue<string>(out var t) ? t : null;
        string? version = body?["version"] is JsonValue x && x.TryGetValue<string>(out var ver) ? ver : null;
        return (id ?? throw Malformed(what, "a deploymentId"), version);
    }

    private static DcosApiException Malformed(string what, string expected)
        => new DcosApiException("MarathonResponseInvalid", $"The {what} answered without {expected}. Is /service/marathon a Marathon?", 200);

    private static DcosApiException Failure(string what, string appId, DcosResponse response)
    {
        var body = ClusterRequest.Json(response) as JsonObject;
        switch (response.Status)
        {
            case HttpStatusCode.NotFound:
                return new DcosApiException("MarathonAppNotFound", $"Marathon has no app {appId} ({ClusterRequest.Describe(response)}). Check the id with Get-MarathonApp.", 404, ErrorCategory.ObjectNotFound);
            case HttpStatusCode.Conflict:
                string ids = string.Join(", ", (body?["deployments"] as JsonArray ?? new JsonArray()).OfType<JsonObject>()
                    .Select(d => d["id"] is JsonValue v && v.TryGetValue<string>(out var s) ? ServerText.Quote(s) : null).OfType<string>());
                return new DcosApiException("MarathonAppLocked",
                    $"The {what} was refused: a deployment is changing the app now{(ids.Length > 0 ? " (" + ids + ")" : string.Empty)}. Wait for it to finish and try again, "
                    + "or give -Force to cancel it (Marathon's force=true; use it when that deployment is stuck or failed).", 409, ErrorCategory.ResourceBusy);
            case HttpStatusCode.UnprocessableEntity:
            case HttpStatusCode.BadRequest:
                var fields = (body?["details"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().Select(d =>
                {
                    string path = d["path"] is JsonValue p && p.TryGetValue<string>(out var ps) ? ServerText.Quote(ps) : "?";
                    string errors = string.Join("; ", (d["errors"] as JsonArray ?? new JsonArray()).Select(e => e is JsonValue ev && ev.TryGetValue<string>(out var es) ? ServerText.Quote(es) : null).OfType<string>());
                    return $"{path}: {errors}";
                }).ToList();
                return new DcosApiException("MarathonAppInvalid",
                    $"Marathon refused the definition of {appId} ({ClusterRequest.Describe(response)}){(fields.Count > 0 ? ": " + string.Join(" | ", fields) : string.Empty)}. Correct those fields and apply it again.",
                    (int)response.Status, ErrorCategory.InvalidData);
            default:
                return ClusterRequest.Unexpected($"The Marathon {what}", response);
        }
    }
}
