using DcosTls.Common;
using DcosTls.Credentials;
using DcosTls.Files;
using DcosTls.Marathon;

namespace DcosTls.Cmdlets;

/// <summary>
/// New-DockerAuthArchive: the docker.tar.gz that Marathon apps on the Docker containerizer fetch
/// for registry credentials (the hand-run `tar -czf docker.tar.gz .docker`, with the layout, modes
/// and auth strings right). Credentials come from the pipeline or from -Registry/-Credential.
/// An existing archive is merged: its other registries are kept, as Set-MesosDockerConfig keeps
/// those in the agent's file; -Replace writes only the given credentials.
/// </summary>
[Cmdlet(VerbsCommon.New, "DockerAuthArchive", SupportsShouldProcess = true, DefaultParameterSetName = ObjectSet)]
[OutputType(typeof(DockerAuthArchive))]
public sealed class NewDockerAuthArchiveCommand : DcosCmdlet
{
    private const string ObjectSet = "Object";
    private const string CredentialSet = "Credential";
    private readonly CredentialBatch _batch = new();

    /// <summary>The archive to write. With -Root, an agent path (e.g. /etc/docker.tar.gz) under the staging root.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    public string Path { get; set; } = string.Empty;

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ObjectSet)]
    public DockerRegistryCredential[] InputObject { get; set; } = Array.Empty<DockerRegistryCredential>();

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = CredentialSet)]
    [ArgumentCompleter(typeof(RegistryCompleter))]
    public string[] Registry { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = CredentialSet)]
    [Credential]
    public PSCredential Credential { get; set; } = null!;

    /// <summary>Staging root standing in for the agent's /; -Path is then an agent path.</summary>
    [Parameter]
    public string? Root { get; set; }

    /// <summary>Where agents fetch the archive from (http:// or https://); file://&lt;Path&gt; when omitted.</summary>
    [Parameter]
    public Uri? Uri { get; set; }

    /// <summary>The image of the example Marathon app.</summary>
    [Parameter]
    public string? Image { get; set; }

    /// <summary>Writes only the given credentials, dropping the registries already in the archive.</summary>
    [Parameter]
    public SwitchParameter Replace { get; set; }

    protected override void Begin()
    {
        if (Uri != null && (!Uri.IsAbsoluteUri || (Uri.Scheme != "http" && Uri.Scheme != "https" && Uri.Scheme != "file")))
            Fail("InvalidFetchUri", ErrorCategory.InvalidArgument, $"-Uri '{Uri}' is not an http://, https:// or file:// address. Give the URL agents download the archive from.", Uri);
        if (Root != null && !Path.StartsWith('/'))
            Fail("AgentPathNotAbsolute", ErrorCategory.InvalidArgument, $"With -Root, -Path is an agent path and must be absolute (e.g. /etc/docker.tar.gz), not '{Path}'.", Path);
        if (!Path.EndsWith(".tar.gz", StringComparison.Ordinal) && !Path.EndsWith(".tgz", StringComparison.Ordinal))
            WriteWarning($"'{Path}' does not end in .tar.gz or .tgz: the Mesos fetcher extracts archives by their extension, so give the fetch entry a destPath ending in .tar.gz.");
    }

    // A login given here names its registry (never the credential); a file that cannot be merged names the archive.
    protected override object? TargetOf(DcosTlsException error) => error switch
    {
        CredentialInputException when _taking => RegistryName.Redact(Registry),
        DockerConfigException { TargetObject: null } => Path,
        _ => null,
    };

    private bool _taking;

    /// <summary>True while -Path is mapped under -Root.</summary>
    private bool _mapping;

    // A -Path that leaves the root (or is no path at all) is refused naming -Path as given.
    protected override DcosTlsException? Meaning(Exception e) => _mapping && e is ArgumentException or Files.PathOutsideRootException
        ? new DcosTlsException(Files.PathOutsideRootException.ErrorId, ErrorCategory.InvalidArgument, e.Message, Path)
        : null;

    protected override void Process()
    {
        _taking = true;
        _batch.Take(ParameterSetName == ObjectSet, InputObject, Registry, Credential, WriteWarning);
        _taking = false;
    }

    protected override void End()
    {
        _batch.Complete(WriteWarning);

        var writer = CreateWriter(Root);
        string agentPath = Root == null ? ResolvePath(Path) : Path;
        _mapping = true;
        string localPath = writer.Map(agentPath);
        _mapping = false;
        if (Directory.Exists(localPath))
            Fail("ArchivePathIsDirectory", ErrorCategory.InvalidArgument, $"'{localPath}' is a directory. Give the archive's file name, e.g. {System.IO.Path.Combine(Path, "docker.tar.gz")}.", Path);

        var document = Merge(localPath);
        byte[] archive = DockerAuthArchiveBuilder.Build(document.ToBytes());

        var action = WriteFileOrFail(writer, agentPath, archive, StagedFileWriter.PrivateFile, errorId: "ArchiveWriteFailed", Path);
        WriteVerbose($"{action}: {localPath}");

        string fetchUri = Uri?.AbsoluteUri ?? new System.Uri("file://" + agentPath).AbsoluteUri;
        var registries = document.Registries.ToArray();
        string image = Image ?? MarathonSnippets.ExampleImage(registries);
        WriteResult(new DockerAuthArchive
        {
            Path = localPath,
            AgentPath = agentPath,
            Sha256 = Convert.ToHexString(SHA256.HashData(archive)).ToLowerInvariant(),
            Action = action,
            Registries = new ValueList<string>(registries),
            FetchUri = fetchUri,
            FetchEntry = MarathonSnippets.FetchEntry(fetchUri),
            MarathonApp = MarathonSnippets.DockerApp(fetchUri, image),
        });
    }

    /// <summary>The given credentials over those already in the archive (none with -Replace); checked before anything is written.</summary>
    private DockerConfigDocument Merge(string localPath)
    {
        var document = Replace || !File.Exists(localPath) ? DockerConfigDocument.Empty() : DockerAuthArchiveReader.Read(localPath, localPath);
        document.RewriteUsableEntries(localPath);
        foreach (var credential in _batch.Items) document.Set(credential);
        var problems = document.Problems(localPath).ToList();
        if (problems.Count > 0)
            throw new DockerConfigException(problems[0].ErrorId!, ErrorCategory.InvalidData,
                string.Join(" ", problems.Select(p => p.Message)) + " Use -Replace to drop the registries already in the archive. Nothing was written.") { TargetObject = Path };
        return document;
    }
}
