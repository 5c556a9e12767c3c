using System.Text.Encodings.Web;

namespace DcosTls.DockerDaemon;

/// <summary>
/// /etc/docker/daemon.json as a JSON tree: our TLS keys are merged in and every other key is kept
/// as it was. dockerd refuses to start on a file it cannot parse, so a file that is not a JSON
/// object is never overwritten.
/// </summary>
internal static class DaemonJson
{
    private static readonly JsonSerializerOptions Output = new()
    {
        WriteIndented = true,
        // A config file read by Go, not HTML: keep '+', '<', non-ASCII paths readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Parses existing content (null or blank → a new empty object).</summary>
    /// <param name="file">The file as this machine sees it (under a staging root): errors name it and
    /// carry it as their target, since that is the file to fix.</param>
    internal static JsonObject Parse(byte[]? existing, string file)
    {
        if (existing == null || Encoding.UTF8.GetString(existing).Trim().Length == 0) return new JsonObject();
        // dockerd (20.10) stops with "invalid character 'ï' looking for beginning of value" on a byte order mark.
        if (existing.AsSpan().StartsWith(new byte[] { 0xEF, 0xBB, 0xBF }))
            throw new DockerTlsException("DaemonJsonInvalid",
                $"'{file}' starts with a UTF-8 byte order mark, which dockerd refuses (it would not start). Save it as UTF-8 without a BOM, then run again; nothing was written.", invalidData: true, targetObject: file);
        // dockerd reads bytes that are not UTF-8 as U+FFFD without a word; a rewrite would change them for good.
        try { _ = new UTF8Encoding(false, true).GetString(existing); }
        catch (DecoderFallbackException)
        {
            throw new DockerTlsException("DaemonJsonNotUtf8",
                $"'{file}' holds bytes that are not UTF-8; rewriting it would replace them. Save it as UTF-8, then run again; nothing was written.", invalidData: true, targetObject: file);
        }
        JsonNode? node;
        try
        {
            // Strict like Go's encoding/json: no comments, no trailing commas.
            node = JsonNode.Parse(existing, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            throw new DockerTlsException("DaemonJsonInvalid",
                $"'{file}' is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}), so dockerd could not read it either. Fix or remove it, then run again; nothing was written.", invalidData: true, targetObject: file);
        }
        if (Common.JsonDuplicateKeys.Find(existing) is { } duplicate)
            throw new DockerTlsException("DaemonJsonDuplicateKey",
                $"'{file}' gives the key '{duplicate}' twice; tools disagree on which one counts. Keep one, then run again; nothing was written.", invalidData: true, targetObject: file);
        if (node is not JsonObject obj)
            throw new DockerTlsException("DaemonJsonInvalid",
                $"'{file}' holds JSON that is not an object ({{...}}). Fix or remove it, then run again; nothing was written.", invalidData: true, targetObject: file);
        return obj;
    }

    /// <summary>Sets the TLS keys (and hosts, when given) on a copy; other keys keep their order and values.</summary>
    internal static JsonObject Merge(JsonObject existing, DaemonTlsPaths paths, bool verifyClients, IReadOnlyList<string>? hosts)
    {
        var merged = (JsonObject)existing.DeepClone();
        merged["tls"] = true;
        merged["tlsverify"] = verifyClients;
        merged["tlscacert"] = paths.CaCertificate;
        merged["tlscert"] = paths.ServerCertificate;
        merged["tlskey"] = paths.ServerKey;
        if (hosts != null)
        {
            var array = new JsonArray();
            foreach (string h in hosts) array.Add(h);
            merged["hosts"] = array;
        }
        return merged;
    }

    /// <summary>The "hosts" array of a config, or empty.</summary>
    internal static IReadOnlyList<string> Hosts(JsonObject config)
        => config["hosts"] is JsonArray a ? a.Select(n => n?.GetValueKind() == JsonValueKind.String ? n.GetValue<string>() : n?.ToJsonString() ?? "null").ToList() : Array.Empty<string>();

    internal static bool SameContent(JsonObject a, JsonObject b) => JsonNode.DeepEquals(a, b);

    internal static byte[] Serialize(JsonObject config) => Encoding.UTF8.GetBytes(config.ToJsonString(Output) + "\n");
}

/// <summary>Where the daemon's TLS files live on the agent.</summary>
internal sealed record DaemonTlsPaths(string Directory)
{
    internal string CaCertificate => Directory.TrimEnd('/') + "/ca.pem";
    internal string ServerCertificate => Directory.TrimEnd('/') + "/server-cert.pem";
    internal string ServerKey => Directory.TrimEnd('/') + "/server-key.pem";
}
