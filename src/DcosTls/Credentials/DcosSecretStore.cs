using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using DcosTls.Session;

namespace DcosTls.Credentials;

/// <summary>
/// Writes one text secret in the DC/OS secret store (default): PUT creates it (201); when it exists
/// (409) PATCH replaces its value (204). The value is sent in the body only and never logged.
/// </summary>
internal static class DcosSecretStore
{
    internal const string Created = "Created";
    internal const string Updated = "Updated";

    internal static string Upsert(DcosSession session, string secretPath, string value, Action<string> log, CancellationToken cancel)
    {
        string url = "/secrets/v1/secret/default/" + string.Join('/', secretPath.Split('/').Select(Uri.EscapeDataString));
        var put = session.Client.Send(HttpMethod.Put, url, new JsonObject { ["value"] = value }, log, cancel);
        if (put.Status == HttpStatusCode.Created) return Created;
        if (put.Status != HttpStatusCode.Conflict) throw Failed("PUT", secretPath, put);
        var patch = session.Client.Send(HttpMethod.Patch, url, new JsonObject { ["value"] = value }, log, cancel);
        if (patch.Status == HttpStatusCode.NoContent || patch.Status == HttpStatusCode.OK) return Updated;
        throw Failed("PATCH", secretPath, patch);
    }

    private static DcosApiException Failed(string method, string secretPath, DcosResponse response)
    {
        // The secrets service answers {title, description}; quote those, never our request body.
        string detail = $"HTTP {(int)response.Status}";
        if (response.IsJson)
        {
            try
            {
                using var doc = JsonDocument.Parse(response.Body);
                var root = doc.RootElement;
                string? description = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("description", out var d) ? d.GetString() : null;
                string? title = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("title", out var t) ? t.GetString() : null;
                detail = string.Join(": ", new[] { detail, title, description }.Where(s => !string.IsNullOrEmpty(s)));
            }
            catch (JsonException) { }
        }
        return new DcosApiException("SecretStoreFailed",
            $"{method} of secret 'default/{secretPath}' failed ({detail}). Check the path and that the secret store is unsealed (GET /secrets/v1/seal-status/default).",
            (int)response.Status);
    }
}
