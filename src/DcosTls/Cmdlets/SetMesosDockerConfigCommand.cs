using System.Diagnostics;
using System.Management.Automation;
using DcosTls.Common;
using DcosTls.Credentials;
using DcosTls.Files;
using DcosTls.Session;

namespace DcosTls.Cmdlets;

/// <summary>
/// Set-MesosDockerConfig: registry credentials for the Mesos agent (Docker and UCR). By default it
/// writes the agent's credentials file and points MESOS_DOCKER_CONFIG at it in
/// /var/lib/dcos/mesos-slave-common; -AsSecret stores the config in the DC/OS secret store for
/// docker.pullConfig instead; -AsConfigYaml writes the installer's config.yaml keys instead.
/// </summary>
[Cmdlet(VerbsCommon.Set, "MesosDockerConfig", SupportsShouldProcess = true, DefaultParameterSetName = ObjectSet)]
[OutputType(typeof(MesosDockerConfigResult), typeof(DcosPullSecret), typeof(FileInfo))]
public sealed class SetMesosDockerConfigCommand : DcosSessionCmdlet
{
    private const string ObjectSet = "Object";
    private const string CredentialSet = "Credential";
    internal const string DefaultCredentialsPath = "/var/lib/dcos/docker_credentials";
    internal const string EnvironmentFilePath = "/var/lib/dcos/mesos-slave-common";
    private const string Variable = "MESOS_DOCKER_CONFIG";
    private static readonly string[] AgentUnits = { "dcos-mesos-slave", "dcos-mesos-slave-public" };
    private readonly List<DockerRegistryCredential> _credentials = new();

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ObjectSet)]
    public DockerRegistryCredential[] InputObject { get; set; } = Array.Empty<DockerRegistryCredential>();

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = CredentialSet)]
    public string[] Registry { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = CredentialSet)]
    [Credential]
    public PSCredential Credential { get; set; } = null!;

    /// <summary>Staging root standing in for the agent's /.</summary>
    [Parameter]
    public string Root { get; set; } = "/";

    /// <summary>The agent's credentials file. /var/lib/dcos survives DC/OS upgrades; /opt/mesosphere does not.</summary>
    [Parameter(Position = 0)]
    public string Path { get; set; } = DefaultCredentialsPath;

    /// <summary>Writes only the given credentials, dropping the registries already in the file.</summary>
    [Parameter]
    public SwitchParameter Replace { get; set; }

    /// <summary>Restarts dcos-mesos-slave or dcos-mesos-slave-public afterwards (only with -Root /).</summary>
    [Parameter]
    public SwitchParameter Restart { get; set; }

    /// <summary>Stores the config as this DC/OS secret (e.g. mesos-docker/pullConfig) instead of writing agent files.</summary>
    [Parameter]
    public string? AsSecret { get; set; }

    /// <summary>With -AsSecret: the Marathon app id, to check that it may read the secret (spaces rule).</summary>
    [Parameter]
    public string? AppId { get; set; }

    /// <summary>Writes the installer's config.yaml keys (cluster_docker_credentials...) to this file (0600) instead of agent files.</summary>
    [Parameter]
    public string? AsConfigYaml { get; set; }

    protected override void BeginProcessing()
    {
        if (AsSecret != null && AsConfigYaml != null)
            Fail("ConflictingModes", ErrorCategory.InvalidArgument, "Give -AsSecret or -AsConfigYaml, not both.");
        bool agentMode = AsSecret == null && AsConfigYaml == null;
        if (!agentMode && (Replace || Restart || MyInvocation.BoundParameters.ContainsKey(nameof(Path)) || MyInvocation.BoundParameters.ContainsKey(nameof(Root))))
            Fail("AgentParameterWithoutAgent", ErrorCategory.InvalidArgument,
                "-Path, -Root, -Replace and -Restart are about the agent's files; leave them out with -AsSecret or -AsConfigYaml.");
        if (AppId != null && AsSecret == null)
            Fail("AppIdWithoutSecret", ErrorCategory.InvalidArgument, "-AppId checks who may read a secret; give it together with -AsSecret.");
        if (AsSecret != null)
        {
            try { AsSecret = SecretPath.Normalize(AsSecret); }
            catch (ArgumentException e) { Fail("InvalidSecretPath", ErrorCategory.InvalidArgument, e.Message, AsSecret); }
        }
        if (agentMode) CheckAgentPath();
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == ObjectSet)
        {
            _credentials.AddRange(InputObject.Where(c => c != null));
            return;
        }
        foreach (string registry in Registry)
        {
            try
            {
                var credential = CredentialFactory.Create(registry, Credential, out string? normalisedFrom);
                if (normalisedFrom != null)
                    WriteWarning(CredentialFactory.NormalisedWarning(normalisedFrom, credential.Registry));
                _credentials.Add(credential);
            }
            catch (CredentialInputException e)
            {
                Fail(e.ErrorId, ErrorCategory.InvalidArgument, e.Message, registry);
            }
        }
    }

    protected override void EndProcessing()
    {
        if (_credentials.Count == 0)
            Fail("NoCredentials", ErrorCategory.InvalidArgument, "No registry credentials were given. Pipe New-DockerAuthConfig or Import-DockerAuthConfig output, or give -Registry and -Credential.");
        foreach (var duplicate in _credentials.GroupBy(c => c.Registry).Where(g => g.Count() > 1))
            WriteWarning($"'{duplicate.Key}' was given {duplicate.Count()} times; the last login is used.");
        if (AsSecret != null) StoreSecret();
        else if (AsConfigYaml != null) WriteConfigYaml();
        else ConfigureAgent();
    }

    private void CheckAgentPath()
    {
        if (!Path.StartsWith('/'))
            Fail("CredentialsPathNotAbsolute", ErrorCategory.InvalidArgument, $"-Path is an agent path and must be absolute (e.g. {DefaultCredentialsPath}), not '{Path}'.", Path);
        if (Path.EndsWith('/') || Path.Split('/').Any(s => s == ".." || s == ".")
            || Path.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '"' or '\'' or '\\' or '$' or '#' or '%'))
            Fail("InvalidCredentialsPath", ErrorCategory.InvalidArgument,
                $"-Path '{Path}' cannot go into MESOS_DOCKER_CONFIG=file://...: use an absolute file path without spaces, quotes, '$', '#', '%', '\\' or '..'.", Path);
        if (Path.StartsWith("/opt/mesosphere/", StringComparison.Ordinal))
            WriteWarning($"'{Path}' is under /opt/mesosphere, which DC/OS upgrades overwrite. {DefaultCredentialsPath} survives them.");
    }

    private void ConfigureAgent()
    {
        string root = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Root);
        if (File.Exists(root))
            Fail("RootNotDirectory", ErrorCategory.WriteError, $"The root '{root}' is a file, not a directory. Give the agent's / or a staging folder.", Root);
        if (!Directory.Exists(root))
            Fail("RootNotFound", ErrorCategory.ObjectNotFound, $"The root '{root}' does not exist. Create the staging folder first, or give -Root /.", Root);
        var writer = CreateWriter(root);
        string credentialsFile = writer.Map(Path);
        string environmentFile = writer.Map(EnvironmentFilePath);
        foreach (string target in new[] { credentialsFile, environmentFile })
        {
            if (Directory.Exists(target))
                Fail("TargetIsDirectory", ErrorCategory.WriteError, $"'{target}' is a directory, so the file cannot be written there. Remove it or choose another -Path.", target);
            CheckWritableParent(target, root);
        }

        // Everything is read and checked before the first write, so a bad input leaves both files as they were.
        var document = ReadExisting(credentialsFile);
        document.RewriteUsableEntries(Path);
        foreach (var credential in _credentials) document.Set(credential);
        var problems = document.Problems(Path).ToList();
        if (problems.Count > 0)
        {
            string hint = Replace ? string.Empty : " Use -Replace to drop the registries already in the file.";
            Fail(problems[0].ErrorId!, ErrorCategory.InvalidData,
                string.Join(" ", problems.Select(p => p.Message)) + hint + " Nothing was written.", Path);
        }
        if (document.UsesHelpers)
            WriteWarning($"'{Path}' keeps credsStore/credHelpers settings, which Mesos ignores (agents have no credential helpers).");
        string? environment = File.Exists(environmentFile) ? File.ReadAllText(environmentFile) : null;
        string newEnvironment = MesosEnvironmentFile.SetVariable(environment, Variable, "file://" + Path);
        var environmentMode = environment != null && !OperatingSystem.IsWindows() ? File.GetUnixFileMode(environmentFile) : StagedFileWriter.PublicFile;

        FileAction credentialsAction, environmentAction;
        string? backup;
        try
        {
            credentialsAction = writer.WriteBytes(Path, document.ToBytes(), StagedFileWriter.PrivateFile, directoryMode: StagedFileWriter.PrivateDirectory);
            environmentAction = writer.WriteBytesWithBackup(EnvironmentFilePath, new System.Text.UTF8Encoding(false).GetBytes(newEnvironment), environmentMode, out backup);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail("AgentFileWriteFailed", ErrorCategory.WriteError, $"Writing under '{root}' failed ({e.GetType().Name}). Check that the root is writable.", Root);
            return;
        }
        WriteVerbose($"{credentialsAction}: {credentialsFile}");
        WriteVerbose($"{environmentAction}: {environmentFile}{(backup != null ? " (backup " + backup + ")" : string.Empty)}");

        string? unit = null;
        bool restarted = false;
        if (Restart) (unit, restarted) = RestartAgent(root);
        WriteObject(new MesosDockerConfigResult(Path, credentialsFile, credentialsAction, environmentFile, environmentAction, backup,
            document.Registries.ToArray(), unit, restarted));
    }

    private DockerConfigDocument ReadExisting(string credentialsFile)
    {
        if (Replace || !File.Exists(credentialsFile)) return DockerConfigDocument.Empty();
        try
        {
            return DockerConfigDocument.Parse(File.ReadAllText(credentialsFile), Path, "Fix or remove it, or use -Replace to write a new one.");
        }
        catch (DockerConfigException e)
        {
            Fail(e.ErrorId, e.Category, e.Message + " Nothing was written.", Path);
            throw; // not reached: Fail throws
        }
    }

    /// <summary>The nearest existing folder above the target must be a folder, inside the root.</summary>
    private void CheckWritableParent(string target, string root)
    {
        for (string? dir = System.IO.Path.GetDirectoryName(target); dir != null; dir = System.IO.Path.GetDirectoryName(dir))
        {
            if (Directory.Exists(dir)) return;
            if (File.Exists(dir))
                Fail("PathBlockedByFile", ErrorCategory.WriteError, $"'{dir}' is a file, so '{target}' cannot be created. Remove it or choose another -Path/-Root.", target);
        }
    }

    private (string Unit, bool Restarted) RestartAgent(string root)
    {
        string unit = AgentUnits.FirstOrDefault(UnitExists) ?? AgentUnits[0];
        if (root != "/")
        {
            WriteWarning($"Not restarting {unit}: -Root '{root}' is a staging root, not this agent. Restart the agent after copying the files.");
            return (unit, false);
        }
        if (!ShouldProcess(unit, "Restart (systemctl restart), so the agent reads MESOS_DOCKER_CONFIG")) return (unit, false);
        if (!UnitExists(unit))
        {
            Report("MesosAgentUnitNotFound", ErrorCategory.ObjectNotFound,
                $"Neither {string.Join(" nor ", AgentUnits)} is installed here. Run Set-MesosDockerConfig -Restart on a DC/OS agent, or restart the agent yourself.", unit);
            return (unit, false);
        }
        var psi = new ProcessStartInfo("systemctl") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add("restart");
        psi.ArgumentList.Add(unit);
        using var process = Process.Start(psi)!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            Report("MesosAgentRestartFailed", ErrorCategory.InvalidOperation,
                $"systemctl restart {unit} failed ({process.ExitCode}): {error.Trim()} See journalctl -u {unit}.", unit);
            return (unit, false);
        }
        return (unit, true);
    }

    private static bool UnitExists(string unit)
        => new[] { "/etc/systemd/system/", "/etc/systemd/system/dcos.target.wants/", "/usr/lib/systemd/system/", "/lib/systemd/system/" }
            .Any(dir => File.Exists(dir + unit + ".service"));

    private void StoreSecret()
    {
        var session = RequireSession();
        var document = DockerConfigDocument.From(_credentials);
        var registries = document.Registries.ToArray();
        string appId = AppId ?? "/" + string.Join('/', AsSecret!.Split('/')[..^1].DefaultIfEmpty("private-app"));
        if (AppId != null && !SecretPath.Readable(AsSecret!, AppId))
            WriteWarning($"The app '{AppId}' cannot read the secret '{AsSecret}': an app reads only secrets whose folder is a prefix of its id. " +
                $"Store it under the app's group, e.g. '{AppId.Trim('/').Split('/')[0]}/{AsSecret!.Split('/')[^1]}'.");
        string app = MarathonSnippets.PullConfigApp(appId, AsSecret!, MarathonSnippets.ExampleImage(registries));
        string cluster = session.ClusterUri.ToString();
        if (!ShouldProcess($"secret default/{AsSecret} on {cluster}", "Store Docker pull config"))
        {
            WriteObject(new DcosPullSecret(AsSecret!, "Skipped", registries, cluster, app));
            return;
        }
        try
        {
            string action = DcosSecretStore.Upsert(session, AsSecret!, document.ToJson(), Log, Cancel);
            WriteObject(new DcosPullSecret(AsSecret!, action, registries, cluster, app));
        }
        catch (DcosApiException e)
        {
            ThrowTerminatingError(ToErrorRecord(e, AsSecret));
        }
    }

    private void WriteConfigYaml()
    {
        string target = ResolvePath(AsConfigYaml!);
        if (Directory.Exists(target))
            Fail("TargetIsDirectory", ErrorCategory.WriteError, $"'{target}' is a directory. Give the fragment's file name, e.g. {System.IO.Path.Combine(AsConfigYaml!, "docker-credentials.yaml")}.", AsConfigYaml);
        string yaml = ConfigYamlFragment.Build(DockerConfigDocument.From(_credentials));
        var writer = CreateWriter("/");
        FileAction action;
        try
        {
            action = writer.WriteText(target, yaml, StagedFileWriter.PrivateFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail("ConfigYamlWriteFailed", ErrorCategory.WriteError, $"'{target}' could not be written ({e.GetType().Name}). Check that its folder exists and is writable.", AsConfigYaml);
            return;
        }
        WriteVerbose($"{action}: {target} (merge its keys into genconf/config.yaml)");
        if (action != FileAction.Skipped) WriteObject(new FileInfo(target));
    }
}
