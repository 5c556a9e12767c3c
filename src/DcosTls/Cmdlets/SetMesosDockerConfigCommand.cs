using DcosTls.Common;
using DcosTls.Credentials;
using DcosTls.Files;
using DcosTls.Marathon;
using DcosTls.Session;

namespace DcosTls.Cmdlets;

/// <summary>
/// Set-MesosDockerConfig: registry credentials for the Mesos agent (Docker and UCR). By default it
/// writes the agent's credentials file and points MESOS_DOCKER_CONFIG at it in
/// /var/lib/dcos/mesos-slave-common; -AsSecret stores the config in the DC/OS secret store for
/// docker.pullConfig instead; -AsConfigYaml writes the installer's config.yaml keys instead.
/// Silent unless -PassThru.
/// </summary>
[Cmdlet(VerbsCommon.Set, "MesosDockerConfig", SupportsShouldProcess = true, DefaultParameterSetName = ObjectSet)]
[OutputType(typeof(MesosDockerConfigResult), typeof(DcosPullSecret), typeof(WrittenFile))]
public sealed class SetMesosDockerConfigCommand : DcosSessionCmdlet
{
    // Three destinations (the agent's files, a DC/OS secret, the installer's config.yaml), each fed by
    // pipeline objects or by -Registry and -Credential: six sets, so that help and Tab completion
    // offer only what belongs together.
    private const string ObjectSet = "Object";
    private const string CredentialSet = "Credential";
    private const string ObjectSecretSet = "ObjectSecret";
    private const string CredentialSecretSet = "CredentialSecret";
    private const string ObjectConfigYamlSet = "ObjectConfigYaml";
    private const string CredentialConfigYamlSet = "CredentialConfigYaml";

    /// <summary>Only the secret store is on the cluster: the agent files and the YAML are written here.</summary>
    [Parameter(ParameterSetName = ObjectSecretSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = CredentialSecretSet, ValueFromPipelineByPropertyName = true)]
    public override DcosSession? Session { get; set; }
    private readonly CredentialBatch _batch = new();

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ObjectSet)]
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ObjectSecretSet)]
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ObjectConfigYamlSet)]
    public DockerRegistryCredential[] InputObject { get; set; } = Array.Empty<DockerRegistryCredential>();

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = CredentialSet)]
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = CredentialSecretSet)]
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = CredentialConfigYamlSet)]
    [ArgumentCompleter(typeof(RegistryCompleter))]
    public string[] Registry { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = CredentialSet)]
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = CredentialSecretSet)]
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = CredentialConfigYamlSet)]
    [Credential]
    public PSCredential Credential { get; set; } = null!;

    /// <summary>Staging root standing in for the agent's / (default /; relative to the pwsh location).</summary>
    [Parameter(ParameterSetName = ObjectSet)]
    [Parameter(ParameterSetName = CredentialSet)]
    public string Root { get; set; } = "/";

    /// <summary>The agent's credentials file. /var/lib/dcos survives DC/OS upgrades; /opt/mesosphere does not.</summary>
    [Parameter(Position = 0, ParameterSetName = ObjectSet)]
    [Parameter(Position = 0, ParameterSetName = CredentialSet)]
    public string Path { get; set; } = MesosAgentDockerConfig.DefaultCredentialsPath;

    /// <summary>Writes only the given credentials, dropping the registries already in the file.</summary>
    [Parameter(ParameterSetName = ObjectSet)]
    [Parameter(ParameterSetName = CredentialSet)]
    public SwitchParameter Replace { get; set; }

    /// <summary>Restarts dcos-mesos-slave or dcos-mesos-slave-public afterwards (only with -Root /).</summary>
    [Parameter(ParameterSetName = ObjectSet)]
    [Parameter(ParameterSetName = CredentialSet)]
    public SwitchParameter Restart { get; set; }

    /// <summary>Stores the config as this DC/OS secret (e.g. mesos-docker/pullConfig) instead of writing agent files.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ObjectSecretSet)]
    [Parameter(Mandatory = true, ParameterSetName = CredentialSecretSet)]
    [AllowEmptyString] // refused below with a message that says what a secret path looks like
    public string? AsSecret { get; set; }

    /// <summary>With -AsSecret: the Marathon app id, to check that it may read the secret (spaces rule).</summary>
    [Parameter(ParameterSetName = ObjectSecretSet)]
    [Parameter(ParameterSetName = CredentialSecretSet)]
    public string? AppId { get; set; }

    /// <summary>Writes the installer's config.yaml keys (cluster_docker_batch.Items...) to this file (0600) instead of agent files.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ObjectConfigYamlSet)]
    [Parameter(Mandatory = true, ParameterSetName = CredentialConfigYamlSet)]
    public string? AsConfigYaml { get; set; }

    /// <summary>Emits what was done: the agent result, the stored secret, or the config.yaml file.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Begin()
    {
        bool agentMode = ParameterSetName is ObjectSet or CredentialSet;
        if (AsSecret != null) AsSecret = SecretPath.Normalize(AsSecret);
        if (agentMode) CheckAgentPath();
    }

    protected override void Process()
    {
        _taking = true;
        _batch.Take(ParameterSetName is ObjectSet or ObjectSecretSet or ObjectConfigYamlSet, InputObject, Registry, Credential, WriteWarning);
        _taking = false;
    }

    private bool _taking;

    // A login given here names its registry (never the credential); the secret store's answer names the secret.
    protected override object? TargetOf(DcosTlsException error) => error switch
    {
        CredentialInputException when _taking => RegistryName.Redact(Registry),
        DcosApiException => AsSecret,
        _ => null,
    };

    protected override void End()
    {
        _batch.Complete(WriteWarning);
        if (AsSecret != null) StoreSecret();
        else if (AsConfigYaml != null) WriteConfigYaml();
        else ConfigureAgent();
    }

    private void CheckAgentPath()
    {
        var warnings = new List<string>();
        MesosAgentDockerConfig.CheckCredentialsPath(Path, warnings);
        warnings.ForEach(WriteWarning);
    }

    private void ConfigureAgent()
    {
        var writer = CreateWriter(Root);
        string root = writer.Root;
        var agent = new MesosAgentDockerConfig(writer, Path, Replace);
        var result = agent.Apply(_batch.Items, WriteVerbose);
        agent.Warnings.ForEach(WriteWarning);
        if (Restart)
        {
            var (unit, restarted) = RestartAgent(root);
            result = result.WithRestart(unit, restarted);
        }
        if (PassThru) WriteResult(result);
    }

    private (string Unit, bool Restarted) RestartAgent(string root)
    {
        string? installed = MesosAgentUnit.Find();
        string unit = installed ?? MesosAgentUnit.Names[0];
        if (root != "/")
        {
            WriteWarning($"Not restarting {unit}: -Root '{root}' is a staging root, not this agent. Restart the agent after copying the files.");
            return (unit, false);
        }
        if (!ShouldProcess(unit, "Restart (systemctl restart), so the agent reads MESOS_DOCKER_CONFIG")) return (unit, false);
        if (installed == null)
        {
            Report("MesosAgentUnitNotFound", ErrorCategory.ObjectNotFound,
                $"Neither {string.Join(" nor ", MesosAgentUnit.Names)} is installed here. Run Set-MesosDockerConfig -Restart on a DC/OS agent, or restart the agent yourself.", unit);
            return (unit, false);
        }
        var (exitCode, error) = MesosAgentUnit.Restart(unit);
        if (exitCode != 0)
        {
            Report("MesosAgentRestartFailed", ErrorCategory.InvalidOperation,
                $"systemctl restart {unit} failed ({exitCode}): {error} See journalctl -u {unit}.", unit);
            return (unit, false);
        }
        return (unit, true);
    }

    private void StoreSecret()
    {
        var session = RequireSession();
        var document = DockerConfigDocument.From(_batch.Items);
        var registries = document.Registries.ToArray();
        string appId = AppId ?? "/" + string.Join('/', AsSecret!.Split('/')[..^1].DefaultIfEmpty("private-app"));
        if (AppId != null && !SecretPath.Readable(AsSecret!, AppId))
            WriteWarning($"The app '{AppId}' cannot read the secret '{AsSecret}': an app reads only secrets whose folder is a prefix of its id. " +
                $"Store it under the app's group, e.g. '{AppId.Trim('/').Split('/')[0]}/{AsSecret!.Split('/')[^1]}'.");
        string app = MarathonSnippets.PullConfigApp(appId, AsSecret!, MarathonSnippets.ExampleImage(registries));
        string cluster = session.ClusterUri.ToString();
        if (!ShouldProcess($"secret default/{AsSecret} on {cluster}", "Store Docker pull config")) return;
        string action = DcosSecretStore.Upsert(session, AsSecret!, document.ToJson(), Log, Cancel);
        WriteVerbose($"{action}: secret default/{AsSecret} on {cluster}");
        if (PassThru) WriteObject(new DcosPullSecret
        {
            SecretPath = AsSecret!,
            Action = action,
            Registries = new ValueList<string>(registries),
            Cluster = cluster,
            MarathonApp = app,
        });
    }

    private void WriteConfigYaml()
    {
        string target = ResolvePath(AsConfigYaml!);
        if (Directory.Exists(target))
            Fail("TargetIsDirectory", ErrorCategory.WriteError, $"'{target}' is a directory. Give the fragment's file name, e.g. {System.IO.Path.Combine(AsConfigYaml!, "docker-credentials.yaml")}.", AsConfigYaml);
        string yaml = ConfigYamlFragment.Build(DockerConfigDocument.From(_batch.Items));
        var writer = CreateWriter("/");
        var action = WriteFileOrFail(writer, target, new System.Text.UTF8Encoding(false).GetBytes(yaml), StagedFileWriter.PrivateFile, errorId: "ConfigYamlWriteFailed", AsConfigYaml);
        WriteVerbose($"{action}: {target} (merge its keys into genconf/config.yaml)");
        if (PassThru) WriteResult(new WrittenFile("ConfigYaml", target, action, StagedFileWriter.PrivateFile));
    }
}
