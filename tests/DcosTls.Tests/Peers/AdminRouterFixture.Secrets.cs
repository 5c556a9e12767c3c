using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace DcosTls.Tests.Peers;

/// <summary>
/// The DC/OS secrets service behind the stand-in Admin Router, default store:
/// PUT creates (201, or 409 when it exists), PATCH replaces (204, or 404), GET reads (200/404).
/// Users in <see cref="SecretsForbidden"/> get 403 with the service's {title, description} body.
/// </summary>
public sealed partial class AdminRouterFixture
{
    private const string SecretsPrefix = "/secrets/v1/secret/default/";

    /// <summary>path → value of every secret stored.</summary>
    public ConcurrentDictionary<string, string> StoredSecrets { get; } = new();

    /// <summary>uids that may log in but have no dcos:secrets permission.</summary>
    public ConcurrentDictionary<string, byte> SecretsForbidden { get; } = new();

    /// <summary>Users whose writes get 400 with the request body and Authorization header echoed in the description.</summary>
    public ConcurrentDictionary<string, byte> SecretsEchoBody { get; } = new();

    partial void MapExtraEndpoints(WebApplication app)
    {
        app.MapMethods(SecretsPrefix + "{**path}", new[] { "PUT", "PATCH", "GET" }, (Func<HttpContext, string, Task<IResult>>)Secret);
    }

    private async Task<IResult> Secret(HttpContext ctx, string path)
    {
        string? uid = AuthenticatedUid(ctx);
        if (uid == null) return Unauthorized(ctx);
        if (SecretsForbidden.ContainsKey(uid))
            return Json(new JsonObject { ["title"] = "Forbidden", ["description"] = $"User '{uid}' is not allowed to access secret '{path}'." }, 403);
        if (ctx.Request.Method == "GET")
            return StoredSecrets.TryGetValue(path, out var stored) ? Json(new JsonObject { ["value"] = stored }, 200) : NotFound(path);

        string? value;
        string requestBody = await new StreamReader(ctx.Request.Body).ReadToEndAsync();
        if (SecretsEchoBody.ContainsKey(uid))
            return Json(new JsonObject { ["title"] = "Bad Request", ["description"] = $"Cannot store {requestBody} (header {ctx.Request.Headers.Authorization})" }, 400);
        try
        {
            value = JsonNode.Parse(requestBody)?["value"]?.GetValue<string>();
        }
        catch (JsonException)
        {
            value = null;
        }
        if (value == null)
            return Json(new JsonObject { ["title"] = "Bad Request", ["description"] = "The body must be a Secret object with a value." }, 400);
        if (ctx.Request.Method == "PUT")
        {
            if (!StoredSecrets.TryAdd(path, value))
                return Json(new JsonObject { ["title"] = "Conflict", ["description"] = $"Secret '{path}' already exists." }, 409);
            return Results.StatusCode(201);
        }
        if (!StoredSecrets.ContainsKey(path)) return NotFound(path);
        StoredSecrets[path] = value;
        return Results.StatusCode(204);
    }

    private static IResult NotFound(string path)
        => Json(new JsonObject { ["title"] = "Not Found", ["description"] = $"Secret '{path}' does not exist." }, 404);
}
