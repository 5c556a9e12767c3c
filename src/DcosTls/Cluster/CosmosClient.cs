using DcosTls.Common;
using DcosTls.Session;

namespace DcosTls.Cluster;

/// <summary>
/// The package manager (Cosmos) behind Admin Router: POST /package/install with the versioned media
/// types Cosmos serves. An install becomes a Marathon app; Cosmos answers 409 (PackageAlreadyInstalled)
/// when that app id is taken, which is read here as "already installed", not as a failure.
/// </summary>
internal sealed class CosmosClient
{
    internal const string InstallRequest = "application/vnd.dcos.package.install-request+json;charset=utf-8;version=v1";
    internal const string InstallResponse = "application/vnd.dcos.package.install-response+json;charset=utf-8;version=v2";
    internal const string ErrorResponse = "application/vnd.dcos.package.error+json;charset=utf-8;version=v1";
    private const string Permission = "dcos:adminrouter:package (full)";
    private readonly ClusterRequest _call;

    internal CosmosClient(ClusterRequest call) => _call = call;

    /// <summary>The install request body: packageName, packageVersion (when given), options, appId (when given).</summary>
    internal static JsonObject InstallBody(string packageName, string? packageVersion, JsonObject options, string? appId)
    {
        var body = new JsonObject { ["packageName"] = packageName };
        if (packageVersion != null) body["packageVersion"] = packageVersion;
        body["options"] = options;
        if (appId != null) body["appId"] = appId;
        return body;
    }

    /// <summary>
    /// POST /package/install. Returns the installed version and app id, or Installed = false when the
    /// package's app already exists (409). 400 (options refused, package unknown) has its own ids.
    /// </summary>
    internal PackageInstallAnswer Install(JsonObject body)
    {
        string packageName = (string)body["packageName"]!;
        var response = _call.Send(HttpMethod.Post, "/package/install",
            new RequestBody(body.ToJsonString(), null, InstallRequest), Permission, accept: InstallResponse + ", " + ErrorResponse);
        var json = ClusterRequest.Json(response) as JsonObject;
        string? Field(string name) => json?[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        if (response.Status is HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.Accepted)
            return new PackageInstallAnswer(true, Field("packageVersion") ?? (string?)body["packageVersion"], Field("appId"));
        string type = Field("type") ?? string.Empty;
        if (response.Status == HttpStatusCode.Conflict || type == "PackageAlreadyInstalled")
            return new PackageInstallAnswer(false, (string?)body["packageVersion"], (string?)body["appId"]);
        if (type == "PackageNotFound" || type == "VersionNotFound")
            throw new DcosApiException("PackageNotFound",
                $"The package manager has no package '{packageName}'{(body["packageVersion"] is { } v ? $" at version {v}" : string.Empty)} ({ClusterRequest.Describe(response)}). Check the name and -PackageVersion, and that the cluster's package repositories hold it.",
                (int)response.Status, ErrorCategory.ObjectNotFound) { TargetObject = packageName };
        if (type is "JsonSchemaMismatch" or "OptionsValidationFailure" || response.Status == HttpStatusCode.BadRequest)
            throw new DcosApiException("PackageOptionsInvalid",
                $"The package manager refused the options for '{packageName}' ({ClusterRequest.Describe(response)}{SchemaErrors(json)}). Check the option names against the package's config (dcos package describe --config {packageName}).",
                (int)response.Status, ErrorCategory.InvalidArgument) { TargetObject = packageName };
        throw ClusterRequest.Unexpected($"Installing package '{packageName}'", response);
    }

    /// <summary>The JSON-schema complaints Cosmos lists under data.errors, quoted safely.</summary>
    private static string SchemaErrors(JsonObject? json)
    {
        if (json?["data"]?["errors"] is not JsonArray errors) return string.Empty;
        var texts = errors.Select(e => e?["message"] is JsonValue m && m.TryGetValue<string>(out var s) ? ServerText.Quote(s) : null)
            .OfType<string>().Take(5).ToList();
        return texts.Count == 0 ? string.Empty : "; " + string.Join("; ", texts);
    }
}

/// <summary>What the package manager answered an install.</summary>
internal sealed record PackageInstallAnswer(bool Installed, string? PackageVersion, string? AppId);

/// <summary>A package installed (or found installed) by Install-MarathonLb.</summary>
public sealed class DcosPackageInstall
{
    /// <summary>Made only by the module.</summary>
    internal DcosPackageInstall() { }

    public string PackageName { get; internal init; } = string.Empty;
    public string? PackageVersion { get; internal init; }

    /// <summary>The Marathon app the package runs as.</summary>
    public string AppId { get; internal init; } = string.Empty;

    /// <summary>Installed, or AlreadyInstalled (its options were not changed).</summary>
    public string Action { get; internal init; } = string.Empty;

    /// <summary>Succeeded (its first deployment ended), Started (-NoWait), TimedOut, or NotNeeded (already installed).</summary>
    public string Status { get; internal set; } = string.Empty;

    /// <summary>The options sent, as JSON (they hold secret paths, never secret values).</summary>
    public string Options { get; internal init; } = string.Empty;

    public string Cluster { get; internal init; } = string.Empty;

    public override string ToString() => $"{PackageName} {PackageVersion} as {AppId} ({Action})";
}
