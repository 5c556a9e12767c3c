using DcosTls.Engine;

namespace DcosTls.Credentials;

/// <summary>
/// The installer's config.yaml keys for cluster-wide Docker credentials, made by a
/// YAML serialiser from a dictionary, so quoting and nesting are always valid YAML. The credentials
/// are in the installer's package (dcos_owned), so config upgrades keep them in step.
/// </summary>
internal static class ConfigYamlFragment
{
    internal static string Build(DockerConfigDocument document)
    {
        var fragment = new Dictionary<string, object?>
        {
            ["cluster_docker_credentials"] = ToPlain(JsonNode.Parse(document.ToJson())!),
            ["cluster_docker_credentials_enabled"] = "true",
            ["cluster_docker_credentials_dcos_owned"] = "true",
            ["cluster_docker_credentials_write_to_etc"] = "false",
        };
        return YamlDocumentWriter.Serialize(fragment);
    }

    private static object? ToPlain(JsonNode? node) => node switch
    {
        JsonObject o => o.ToDictionary(p => p.Key, p => ToPlain(p.Value)),
        JsonArray a => a.Select(ToPlain).ToList(),
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v => v.ToJsonString(),
        _ => null,
    };
}
