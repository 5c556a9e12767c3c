using System.Management.Automation;
using System.Text;
using DcosTls.Files;

namespace DcosTls.Credentials;

/// <summary>
/// The agent side of Set-MesosDockerConfig: the credentials file (0600, merged, validated) and
/// MESOS_DOCKER_CONFIG=file://... in /var/lib/dcos/mesos-slave-common (the operator override file
/// the agent units read last, kept across upgrades). Everything is read and checked before the
/// first write, so bad input leaves both files as they were.
/// </summary>
internal sealed class MesosAgentDockerConfig
{
    internal const string DefaultCredentialsPath = "/var/lib/dcos/docker_credentials";
    internal const string EnvironmentFilePath = "/var/lib/dcos/mesos-slave-common";
    internal const string Variable = "MESOS_DOCKER_CONFIG";

    private readonly StagedFileWriter _writer;
    private readonly string _path;
    private readonly bool _replace;

    /// <param name="credentialsPath">Agent path of the credentials file (already checked by CheckCredentialsPath).</param>
    internal MesosAgentDockerConfig(StagedFileWriter writer, string credentialsPath, bool replace)
    {
        _writer = writer;
        _path = credentialsPath;
        _replace = replace;
    }

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

    internal MesosDockerConfigResult Apply(IReadOnlyList<DockerRegistryCredential> credentials, Action<string> verbose)
    {
        string credentialsFile = _writer.MapForRead(_path);
        string environmentFile = _writer.MapForRead(EnvironmentFilePath);
        foreach (string target in new[] { credentialsFile, environmentFile }) CheckTarget(target);

        // Read, merge and write under the files' locks: a parallel run merging another registry waits
        // and then reads what this one wrote, so no login is lost.
        using var held = AgentFileLock.Acquire(_writer);
        var document = ReadExisting(credentialsFile);
        RefuseAmbiguousLogins(document, credentials);
        document.RewriteUsableEntries(_path);
        foreach (var credential in credentials) document.Set(credential);
        var problems = document.Problems(_path).ToList();
        if (problems.Count > 0)
        {
            string hint = _replace ? string.Empty : " Use -Replace to drop the registries already in the file.";
            throw new DockerConfigException(problems[0].ErrorId!, ErrorCategory.InvalidData,
                string.Join(" ", problems.Select(p => p.Message)) + hint + " Nothing was written.") { TargetObject = _path };
        }
        if (document.UsesHelpers)
            Warnings.Add($"'{_path}' keeps credsStore/credHelpers settings, which Mesos ignores (agents have no credential helpers).");
        string? environment = File.Exists(environmentFile) ? File.ReadAllText(environmentFile) : null;
        string newEnvironment = MesosEnvironmentFile.SetVariable(environment, Variable, "file://" + _path);
        var environmentMode = environment != null && !OperatingSystem.IsWindows() ? File.GetUnixFileMode(environmentFile) : StagedFileWriter.PublicFile;

        FileAction credentialsAction, environmentAction;
        string? backup;
        // One change: the credentials file first (the environment file names it), both rolled back
        // when the second write fails.
        using var change = _writer.BeginChange();
        if (!_writer.DryRun)
        {
            try { change.Check(new[] { _path, EnvironmentFilePath }); }
            catch (AgentChangeException e) { throw new DockerConfigException(e.ErrorId, e.Category, e.Message) { TargetObject = e.Path }; }
        }
        try
        {
            credentialsAction = _writer.WriteBytes(_path, document.ToBytes(), StagedFileWriter.PrivateFile, directoryMode: StagedFileWriter.PrivateDirectory);
            // MESOS_DOCKER_CONFIG naming a file the user declined to create would stop the agent.
            environmentAction = _writer.Declined(credentialsAction, _path)
                ? FileAction.Skipped
                : _writer.WriteBytes(EnvironmentFilePath, new UTF8Encoding(false).GetBytes(newEnvironment), environmentMode, backup: true);
            backup = environmentAction == FileAction.Updated ? StagedFileWriter.BackupPathOf(environmentFile) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var failed = change.Fail(e);
            throw new DockerConfigException(failed.ErrorId, failed.Category, failed.Message) { TargetObject = failed.Path };
        }
        verbose($"{credentialsAction}: {credentialsFile}");
        verbose($"{environmentAction}: {environmentFile}{(backup != null ? " (backup " + backup + ")" : string.Empty)}");
        return new MesosDockerConfigResult(_path, credentialsFile, credentialsAction, environmentFile, environmentAction, backup,
            document.Registries.ToArray(), null, false);
    }

    /// <summary>
    /// Two keys in the file for one registry with different logins: merging would keep one of them
    /// silently. Refused unless this run gives that registry's login anew (then both keys give way).
    /// </summary>
    private void RefuseAmbiguousLogins(DockerConfigDocument document, IReadOnlyList<DockerRegistryCredential> credentials)
    {
        var given = credentials.Select(c => c.Registry).ToHashSet(StringComparer.Ordinal);
        var ambiguous = new List<ConfigEntry>();
        foreach (var entry in document.ReadEntries(_path, repair: false))
        {
            entry.Credential?.Password.Dispose();
            if (entry.ErrorId != "DuplicateRegistryKey") continue;
            if (given.Contains(entry.Registry))
                Warnings.Add($"'{_path}' had two keys with different logins for '{entry.Registry}'; both give way to the login given now.");
            else
                ambiguous.Add(entry);
        }
        if (ambiguous.Count > 0)
            throw new DockerConfigException("DuplicateRegistryKey", ErrorCategory.InvalidData,
                string.Join(" ", ambiguous.Select(e => e.Message)) + " Nothing was written.") { TargetObject = _path };
    }

    private DockerConfigDocument ReadExisting(string credentialsFile)
    {
        if (_replace || !File.Exists(credentialsFile)) return DockerConfigDocument.Empty();
        try
        {
            return DockerConfigDocument.Parse(File.ReadAllText(credentialsFile), _path, "Fix or remove it, or use -Replace to write a new one. Nothing was written.");
        }
        catch (DockerConfigException e)
        {
            throw new DockerConfigException(e.ErrorId, e.Category, e.Message) { TargetObject = _path };
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
