using DcosTls.Common;
using DcosTls.Credentials;
using DcosTls.Session;

namespace DcosTls.Cluster;

/// <summary>
/// The DC/OS secrets service, default store (/secrets/v1/secret/default/&lt;path&gt;): text secrets as
/// {"value": ...} JSON, file secrets as raw bytes (application/octet-stream). Values travel in bodies
/// only; no message, log line or result ever holds one.
/// </summary>
internal sealed class DcosSecretClient
{
    internal const string Prefix = "/secrets/v1/secret/default/";
    private readonly ClusterRequest _call;

    internal DcosSecretClient(ClusterRequest call) => _call = call;

    /// <summary>A secret path checked and without its leading '/', or InvalidSecretPath.</summary>
    internal static string Check(string? path)
    {
        try
        {
            return SecretPath.Normalize(path);
        }
        catch (ArgumentException e)
        {
            throw new DcosTlsException("InvalidSecretPath", ErrorCategory.InvalidArgument, e.Message, path);
        }
    }

    /// <summary>A file's bytes for a file secret: SecretFileNotFound or SecretFileUnreadable (named by the file) when they cannot be read.</summary>
    internal static byte[] ReadValueFile(string file)
    {
        if (!File.Exists(file))
            throw new DcosTlsException("SecretFileNotFound", ErrorCategory.ObjectNotFound, $"The file '{file}' does not exist. Check -FilePath.", file);
        try
        {
            return File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DcosTlsException("SecretFileUnreadable", ErrorCategory.ReadError, $"The file '{file}' cannot be read ({e.GetType().Name}). Check its permissions.", file, e);
        }
    }

    private static string Url(string path) => Prefix + string.Join('/', path.Split('/').Select(Uri.EscapeDataString));

    private static string Permission(string path, string action) => $"dcos:secrets:default:/{path} ({action})";

    /// <summary>GET: the secret's kind and value bytes (UTF-8 of the text for a text secret). Null when there is none.</summary>
    internal (DcosSecretKind Kind, byte[] Value)? Read(string path)
    {
        var response = _call.Send(HttpMethod.Get, Url(path), null, Permission(path, "read"), accept: "*/*");
        if (response.Status == HttpStatusCode.NotFound) return null;
        if (response.Status != HttpStatusCode.OK) throw Failure("GET", path, response);
        if (!response.IsJson) return (DcosSecretKind.File, response.Bytes);
        try
        {
            using var doc = JsonDocument.Parse(response.Bytes);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.String)
                return (DcosSecretKind.Text, Encoding.UTF8.GetBytes(v.GetString()!));
        }
        catch (JsonException) { }
        throw new DcosApiException("SecretResponseInvalid", $"The secrets service answered GET of 'default/{path}' with JSON that holds no \"value\" string.", 200);
    }

    /// <summary>GET ...?list=true: the secret paths under a folder ("" for the whole store), full paths.</summary>
    internal IReadOnlyList<string> List(string folder)
    {
        string url = folder.Length == 0 ? Prefix + "?list=true" : Url(folder) + "?list=true";
        var response = _call.Send(HttpMethod.Get, url, null, $"dcos:secrets:list:default:/{folder} (read)");
        if (response.Status == HttpStatusCode.NotFound) return Array.Empty<string>();
        if (response.Status != HttpStatusCode.OK) throw Failure("list", folder, response);
        var array = ClusterRequest.Json(response)?["array"] as JsonArray
            ?? throw new DcosApiException("SecretResponseInvalid", $"The secrets service answered the list of 'default/{folder}' without an \"array\".", 200);
        return array.Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null).OfType<string>()
            .Select(s => folder.Length == 0 ? s : folder + "/" + s).ToList();
    }

    /// <summary>PUT (201); when the secret exists (409) PATCH (204). Returns Created or Updated.</summary>
    internal string Write(string path, DcosSecretKind kind, byte[] value, string[] redact)
    {
        RequestBody Body() => kind == DcosSecretKind.File
            ? new RequestBody(null, value, "application/octet-stream")
            : new RequestBody(new JsonObject { ["value"] = Encoding.UTF8.GetString(value) }.ToJsonString(), null, "application/json");
        var put = _call.Send(HttpMethod.Put, Url(path), Body(), Permission(path, "create"));
        if (put.Status == HttpStatusCode.Created) return "Created";
        if (put.Status != HttpStatusCode.Conflict) throw Failure("PUT", path, put, redact);
        var patch = _call.Send(HttpMethod.Patch, Url(path), Body(), Permission(path, "update"));
        if (patch.Status is HttpStatusCode.NoContent or HttpStatusCode.OK) return "Updated";
        throw Failure("PATCH", path, patch, redact);
    }

    /// <summary>
    /// PUT, then PATCH on 409, of a text secret whose JSON body ({"value": ...}) the caller built in a
    /// buffer it clears afterwards, so the value never becomes a string here. No server text is quoted on
    /// failure: without the value as a string there is nothing to cut an echo of it out with.
    /// </summary>
    internal string WriteJsonBody(string path, byte[] body)
    {
        var content = new RequestBody(null, body, "application/json");
        var put = _call.Send(HttpMethod.Put, Url(path), content, Permission(path, "create"));
        if (put.Status == HttpStatusCode.Created) return "Created";
        if (put.Status != HttpStatusCode.Conflict) throw Failure("PUT", path, put, quote: false);
        var patch = _call.Send(HttpMethod.Patch, Url(path), content, Permission(path, "update"));
        if (patch.Status is HttpStatusCode.NoContent or HttpStatusCode.OK) return "Updated";
        throw Failure("PATCH", path, patch, quote: false);
    }

    /// <summary>DELETE (204); false when there was no such secret (404).</summary>
    internal bool Delete(string path)
    {
        var response = _call.Send(HttpMethod.Delete, Url(path), null, Permission(path, "delete"));
        if (response.Status is HttpStatusCode.NoContent or HttpStatusCode.OK) return true;
        if (response.Status == HttpStatusCode.NotFound) return false;
        throw Failure("DELETE", path, response);
    }

    private static DcosApiException Failure(string method, string path, DcosResponse response, params string[] redact)
        => Failure(method, path, response, quote: true, redact);

    private static DcosApiException Failure(string method, string path, DcosResponse response, bool quote, params string[] redact)
        => new DcosApiException("SecretStoreFailed",
            $"{method} of secret 'default/{path}' failed ({(quote ? ClusterRequest.Describe(response, redact) : $"HTTP {(int)response.Status}")}). Check the path and that the secret store is unsealed (GET /secrets/v1/seal-status/default).",
            (int)response.Status);
}

/// <summary>How a secret is stored: Text ({"value": ...}) or File (raw bytes, DC/OS 1.11 and later).</summary>
public enum DcosSecretKind
{
    Text,
    File,
}

/// <summary>A secret in the default store: its path and kind, never its value.</summary>
public sealed class DcosSecretInfo
{
    internal DcosSecretInfo() { }

    /// <summary>The path in the default store, without a leading '/'.</summary>
    public string Path { get; internal init; } = string.Empty;

    /// <summary>Text or File; null when the secret was listed, not read.</summary>
    public DcosSecretKind? Kind { get; internal init; }

    /// <summary>The value's length in bytes (null when not read).</summary>
    public int? Length { get; internal init; }

    /// <summary>Created or Updated (Set-DcosSecret), Removed or Absent (Remove-DcosSecret); null for Get-DcosSecret.</summary>
    public string? Action { get; internal init; }

    public string Cluster { get; internal init; } = string.Empty;

    public override string ToString() => $"default/{Path}{(Kind.HasValue ? " (" + Kind + ")" : string.Empty)}";
}
