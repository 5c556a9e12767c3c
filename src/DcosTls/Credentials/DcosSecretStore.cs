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
        if (put.Status != HttpStatusCode.Conflict) throw Failed("PUT", secretPath, put, value);
        var patch = session.Client.Send(HttpMethod.Patch, url, new JsonObject { ["value"] = value }, log, cancel);
        if (patch.Status == HttpStatusCode.NoContent || patch.Status == HttpStatusCode.OK) return Updated;
        throw Failed("PATCH", secretPath, patch, value);
    }

    private static DcosApiException Failed(string method, string secretPath, DcosResponse response, string value)
    {
        // The secrets service answers {title, description}; quote those, never our request body, and
        // cut the value's logins out of them (a service may echo the body in its description).
        string detail = $"HTTP {(int)response.Status}";
        if (response.IsJson)
        {
            try
            {
                using var doc = JsonDocument.Parse(response.Body);
                var root = doc.RootElement;
                string[] secrets = Secrets(value);
                string? Field(string name) => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
                    ? Common.ServerText.Quote(v.GetString(), secrets) : null;
                string? description = Field("description");
                string? title = Field("title");
                detail = string.Join(": ", new[] { detail, title, description }.Where(s => !string.IsNullOrEmpty(s)));
            }
            catch (JsonException) { }
        }
        return new DcosApiException("SecretStoreFailed",
            $"{method} of secret 'default/{secretPath}' failed ({detail}). Check the path and that the secret store is unsealed (GET /secrets/v1/seal-status/default).",
            (int)response.Status);
    }

    /// <summary>The auth strings of a Docker config and the user:password each stands for.</summary>
    private static string[] Secrets(string value)
    {
        var found = new List<string> { value };
        try
        {
            if (JsonNode.Parse(value)?["auths"] is JsonObject auths)
            {
                foreach (var (_, entry) in auths)
                {
                    if (entry?["auth"] is not JsonValue a || !a.TryGetValue<string>(out var auth)) continue;
                    found.Add(auth);
                    try
                    {
                        string login = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(auth));
                        found.Add(login);
                        int colon = login.IndexOf(':');
                        if (colon >= 0) found.Add(login[(colon + 1)..]);
                    }
                    catch (FormatException) { }
                }
            }
        }
        catch (JsonException) { }
        return found.ToArray();
    }
}
