using DcosTls.Common;
using DcosTls.Credentials;

namespace DcosTls.Cmdlets;

/// <summary>
/// Import-DockerAuthConfig: reads the logins of a docker config.json (e.g. one made by
/// `docker login` on a workstation) and refuses what an agent could not use: credentials kept in
/// a credential helper, and auth strings that decode with a trailing newline or without ':'.
/// </summary>
[Cmdlet(VerbsData.Import, "DockerAuthConfig")]
[OutputType(typeof(DockerRegistryCredential))]
public sealed class ImportDockerAuthConfigCommand : DcosCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "FullName", "LiteralPath")]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Only these registries (host[:port]); all of them when omitted.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RegistryCompleter))]
    public string[]? Registry { get; set; }

    /// <summary>Strips a trailing newline from decoded passwords instead of refusing them.</summary>
    [Parameter]
    public SwitchParameter Repair { get; set; }

    protected override void Process()
    {
        HashSet<string>? wanted = null;
        if (Registry != null)
        {
            wanted = new HashSet<string>(StringComparer.Ordinal);
            foreach (var r in Registry)
            {
                ErrorTarget = r;
                wanted.Add(RegistryKey.Normalize(r));
            }
            ErrorTarget = null;
        }
        foreach (string path in Path) Import(ResolvePath(path), wanted);
    }

    private void Import(string file, HashSet<string>? wanted)
    {
        if (!File.Exists(file))
        {
            Report("DockerConfigNotFound", ErrorCategory.ObjectNotFound, $"'{file}' does not exist. Give the path of a docker config.json.", file);
            return;
        }
        DockerConfigDocument document;
        try
        {
            document = DockerConfigDocument.Parse(File.ReadAllText(file), file, "Fix it, or give the logins with New-DockerAuthConfig.");
        }
        catch (Exception e) when (e is DockerConfigException or IOException or UnauthorizedAccessException)
        {
            // Each file is its own input: one that cannot be read is reported and the next is imported.
            Report(e as DockerConfigException ?? new DcosTlsException("DockerConfigUnreadable", ErrorCategory.ReadError,
                $"'{file}' cannot be read ({e.GetType().Name}). Check its permissions.", file), file);
            return;
        }
        foreach (var entry in document.ReadEntries(file, Repair))
        {
            if (wanted != null && !wanted.Contains(entry.Registry))
            {
                entry.Credential?.Password.Dispose();
                continue;
            }
            if (entry.Credential == null)
            {
                var category = entry.ErrorId == "CredentialsInHelper" || entry.ErrorId == "IdentityTokenNotSupported"
                    ? ErrorCategory.NotImplemented : ErrorCategory.InvalidData;
                Report(entry.ErrorId!, category, entry.Message!, RegistryName.Redact(entry.Registry));
                continue;
            }
            if (entry.Repaired)
                WriteWarning($"The auth for '{entry.Registry}' in '{file}' decoded with a trailing newline; it was stripped (-Repair). Write the repaired login out with Set-MesosDockerConfig or New-DockerAuthArchive.");
            WriteObject(entry.Credential);
        }
    }
}
