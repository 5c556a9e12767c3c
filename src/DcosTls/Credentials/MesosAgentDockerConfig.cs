using DcosTls.Common;
using DcosTls.Files;

namespace DcosTls.Credentials;

/// <summary>
/// The agent side of Set-MesosDockerConfig: the credentials file (0600, merged, validated) and
/// MESOS_DOCKER_CONFIG=file://... in /var/lib/dcos/mesos-slave-common (the operator override file
/// the agent units read last, kept across upgrades). Everything is read and checked before the
/// first write, so bad input leaves both files as they were.
/// </summary>
/// <param name="writer">Maps agent paths under -Root and writes atomically.</param>
/// <param name="credentialsPath">Agent path of the credentials file (already checked by CheckCredentialsPath).</param>
/// <param name="replace">Start from an empty file instead of merging into the existing one.</param>
internal sealed class MesosAgentDockerConfig(StagedFileWriter writer, string credentialsPath, bool replace)
{
    internal const string DefaultCredentialsPath = "/var/lib/dcos/docker_credentials";
    internal const string EnvironmentFilePath = "/var/lib/dcos/mesos-slave-common";
    internal const string Variable = "MESOS_DOCKER_CONFIG";

    /// <summary>Things worth telling the user that do not stop the change.</summary>
    internal List<string> Warnings { get; } = new();

    /// <summary>The path must go into an EnvironmentFile line as file://&lt;path&gt; unquoted.</summary>
    internal static void CheckCredentialsPath(string path, List<string> warnings)
    {
        if (!path.StartsWith('/'))
            throw new DockerConfigException("CredentialsPathNotAbsolute", ErrorCategory.InvalidArgument,
                $"-Path is an agent path and must be absolute (e.g. {DefaultCredentialsPath}), not '{path}'.") { TargetObject = path };
        if (path.EndsWith('/') || path.Split('/').Any(s => s == ".." || s == ".")
            || path.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '"' or '\'' or '\\' or '$' or '#' or '%'))
            throw new DockerConfigException("InvalidCredentialsPath", ErrorCategory.InvalidArgument,
                $"-Path '{path}' cannot go into MESOS_DOCKER_CONFIG=file://...: use an absolute file path without spaces, quotes, '$', '#', '%', '\\' or '..'.") { TargetObject = path };
        if (path.StartsWith("/opt/mesosphere/", StringComparison.Ordinal))
            warnings.Add($"'{path}' is under /opt/mesosphere, which DC/OS upgrades overwrite. {DefaultCredentialsPath} survives them.");
    }

    /// <summary>
    /// The credentials file as this machine sees it (under a staging root): what messages and error
    /// targets name, since that is the file to fix.
    /// </summary>
    private string StagedFile => writer.Map(credentialsPath);

    internal MesosDockerConfigResult Apply(IReadOnlyList<DockerRegistryCredential> credentials, Action<string> verbose)
    {
        string credentialsFile = writer.MapForRead(credentialsPath);
        string environmentFile = writer.MapForRead(EnvironmentFilePath);
        foreach (string target in new[] { credentialsFile, environmentFile }) CheckTarget(target);

        // Read, merge and write under the files' locks: a parallel run merging another registry waits
        // and then reads what this one wrote, so no login is lost.
        using var held = AgentFileLock.Acquire(writer);
        var document = ReadExisting(credentialsFile);
        RefuseAmbiguousLogins(document, credentials);
        document.RewriteUsableEntries(StagedFile);
        foreach (var credential in credentials) document.Set(credential);
        var problems = document.Problems(StagedFile).ToList();
        if (problems.Count > 0)
        {
            string hint = replace ? string.Empty : " Use -Replace to drop the registries already in the file.";
            throw new DockerConfigException(problems[0].ErrorId!, ErrorCategory.InvalidData,
                string.Join(" ", problems.Select(p => p.Message)) + hint + " Nothing was written.") { TargetObject = StagedFile };
        }
        if (document.UsesHelpers)
            Warnings.Add($"'{StagedFile}' keeps credsStore/credHelpers settings, which Mesos ignores (agents have no credential helpers).");
        string? environment = File.Exists(environmentFile) ? File.ReadAllText(environmentFile) : null;
        string newEnvironment = MesosEnvironmentFile.SetVariable(environment, Variable, "file://" + credentialsPath);
        var environmentMode = environment != null && !OperatingSystem.IsWindows() ? File.GetUnixFileMode(environmentFile) : StagedFileWriter.PublicFile;

        FileAction credentialsAction, environmentAction;
        string? backup;
        // One change: the credentials file first (the environment file names it), both rolled back
        // when the second write fails.
        using var change = writer.BeginChange();
        if (!writer.DryRun)
        {
            try { change.Check(new[] { credentialsPath, EnvironmentFilePath }); }
            catch (AgentChangeException e) { throw new DockerConfigException(e.ErrorId, e.Category, e.Message) { TargetObject = e.Path }; }
        }
        try
        {
            credentialsAction = writer.WriteBytes(credentialsPath, document.ToBytes(), StagedFileWriter.PrivateFile, directoryMode: StagedFileWriter.PrivateDirectory);
            // MESOS_DOCKER_CONFIG naming a file the user declined to create would stop the agent.
            environmentAction = writer.Declined(credentialsAction, credentialsPath)
                ? FileAction.Skipped
                : writer.WriteBytes(EnvironmentFilePath, new UTF8Encoding(false).GetBytes(newEnvironment), environmentMode, backup: true);
            backup = environmentAction == FileAction.Updated ? StagedFileWriter.BackupPathOf(environmentFile) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var failed = change.Fail(e);
            throw new DockerConfigException(failed.ErrorId, failed.Category, failed.Message) { TargetObject = failed.Path };
        }
        verbose($"{credentialsAction}: {credentialsFile}");
        verbose($"{environmentAction}: {environmentFile}{(backup != null ? " (backup " + backup + ")" : string.Empty)}");
        return new MesosDockerConfigResult
        {
            AgentPath = credentialsPath,
            Path = credentialsFile,
            Action = credentialsAction,
            EnvironmentPath = environmentFile,
            EnvironmentAction = environmentAction,
            BackupPath = backup,
            Registries = new ValueList<string>(document.Registries),
        };
    }

    /// <summary>
    /// Two keys in the file for one registry with different logins: merging would keep one of them
    /// silently. Refused unless this run gives that registry's login anew (then both keys give way).
    /// </summary>
    private void RefuseAmbiguousLogins(DockerConfigDocument document, IReadOnlyList<DockerRegistryCredential> credentials)
    {
        var given = credentials.Select(c => c.Registry).ToHashSet(StringComparer.Ordinal);
        var ambiguous = new List<ConfigEntry>();
        foreach (var entry in document.ReadEntries(StagedFile, repair: false))
        {
            entry.Credential?.Password.Dispose();
            if (entry.ErrorId != "DuplicateRegistryKey") continue;
            if (given.Contains(entry.Registry))
                Warnings.Add($"'{StagedFile}' had two keys with different logins for '{entry.Registry}'; both give way to the login given now.");
            else
                ambiguous.Add(entry);
        }
        if (ambiguous.Count > 0)
            throw new DockerConfigException("DuplicateRegistryKey", ErrorCategory.InvalidData,
                string.Join(" ", ambiguous.Select(e => e.Message)) + " Nothing was written.") { TargetObject = StagedFile };
    }

    private DockerConfigDocument ReadExisting(string credentialsFile)
    {
        if (replace || !File.Exists(credentialsFile)) return DockerConfigDocument.Empty();
        try
        {
            return DockerConfigDocument.Parse(File.ReadAllText(credentialsFile), StagedFile, "Fix or remove it, or use -Replace to write a new one. Nothing was written.");
        }
        catch (DockerConfigException e)
        {
            throw new DockerConfigException(e.ErrorId, e.Category, e.Message) { TargetObject = StagedFile };
        }
    }

    /// <summary>Not a folder, and the nearest existing folder above it is a folder (not a file in the way).</summary>
    private static void CheckTarget(string target)
    {
        if (Directory.Exists(target))
            throw new DockerConfigException("TargetIsDirectory", ErrorCategory.WriteError,
                $"'{target}' is a directory, so the file cannot be written there. Remove it or choose another -Path.") { TargetObject = target };
        for (string? dir = Path.GetDirectoryName(target); dir != null; dir = Path.GetDirectoryName(dir))
        {
            if (Directory.Exists(dir)) return;
            if (File.Exists(dir))
                throw new DockerConfigException("PathBlockedByFile", ErrorCategory.WriteError,
                    $"'{dir}' is a file, so '{target}' cannot be created. Remove it or choose another -Path/-Root.") { TargetObject = target };
        }
    }
}
