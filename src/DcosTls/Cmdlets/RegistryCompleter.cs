using System.Collections;
using System.Management.Automation.Language;
using DcosTls.Common;
using DcosTls.Trust;

namespace DcosTls.Cmdlets;

/// <summary>
/// Tab completion for -Registry: the registries an agent already knows, from its certs.d folders
/// (Docker and containers) and the keys of its Docker credential files, under -Root when given. A
/// relative -Root is taken from the current pwsh location, as the command itself will take it.
/// </summary>
public sealed class RegistryCompleter : IArgumentCompleter
{
    private static readonly string[] CertsDirectories = { DockerCertsStore.Folder.TrimStart('/'), ContainersCertsStore.Folder.TrimStart('/') };
    private static readonly string[] CredentialFiles = { "var/lib/dcos/docker_credentials", "root/.docker/config.json" };

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string? given = fakeBoundParameters["Root"]?.ToString();
        string? root = string.IsNullOrEmpty(given) ? "/" : UserPath.ResolveForCompletion(given);
        if (root == null) return Array.Empty<CompletionResult>();
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var dir in CertsDirectories.Select(d => Path.Combine(root, d)).Where(Directory.Exists))
            foreach (var entry in Directory.EnumerateDirectories(dir)) names.Add(Path.GetFileName(entry));
        var files = CredentialFiles.Select(f => Path.Combine(root, f)).ToList();
        string? home = Environment.GetEnvironmentVariable("HOME");
        if (root == "/" && home != null) files.Add(Path.Combine(home, ".docker", "config.json"));
        foreach (var file in files.Where(File.Exists))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(file));
                if (doc.RootElement.TryGetProperty("auths", out var auths) && auths.ValueKind == JsonValueKind.Object)
                    foreach (var p in auths.EnumerateObject()) names.Add(p.Name);
            }
            catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException) { }
        }
        return names.Where(n => n.StartsWith(wordToComplete ?? string.Empty, StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
    }
}
