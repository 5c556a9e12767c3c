using DcosTls.Common;
using DcosTls.Files;
using DcosTls.Lifecycle;

namespace DcosTls.Cmdlets;

/// <summary>
/// Export-DcosTlsMetric: the agent's certificate inventory as Prometheus metrics in
/// node_exporter's textfile-collector folder, written whole and atomically. Silent unless -PassThru.
/// The folder is an agent path, under -Root like every other agent file. Rows piped in from
/// Get-DcosTlsCertificate are exported as they are, in one file, instead of a fresh inventory.
/// </summary>
[Cmdlet(VerbsData.Export, "DcosTlsMetric", SupportsShouldProcess = true, DefaultParameterSetName = InventorySet)]
[OutputType(typeof(FileInfo))]
public sealed class ExportDcosTlsMetricCommand : DcosCmdlet
{
    private const string InventorySet = "Inventory";
    private const string RowsSet = "Rows";

    /// <summary>node_exporter's --collector.textfile.directory (Debian's default shown), an agent path under -Root.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Directory")]
    public string TextfileDirectory { get; set; } = "/var/lib/prometheus/node-exporter";

    /// <summary>The file's name in that folder; must end in .prom, which is what the collector reads.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string Name { get; set; } = "dcostls.prom";

    /// <summary>Staging root standing in for the agent's / (default /; relative to the pwsh location).</summary>
    [Parameter(ParameterSetName = InventorySet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = RowsSet)]
    public string Root { get; set; } = "/";

    /// <summary>Client folders to include (as for Get-DcosTlsCertificate -Path).</summary>
    [Parameter(ParameterSetName = InventorySet, ValueFromPipelineByPropertyName = true)]
    [Alias("DockerCertPath")]
    public string[]? Path { get; set; }

    /// <summary>
    /// Rows of Get-DcosTlsCertificate: all rows of the pipeline go into one file, written at its end.
    /// A row's own properties (its Path is a certificate file) never rebind -Root or -Path.
    /// </summary>
    [Parameter(ParameterSetName = RowsSet, Mandatory = true, ValueFromPipeline = true)]
    public AgentCertificate[] InputObject { get; set; } = Array.Empty<AgentCertificate>();

    /// <summary>Emits the written file.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private readonly List<AgentCertificate> _rows = new();

    protected override void Process()
    {
        if (ParameterSetName == RowsSet)
        {
            _rows.AddRange(InputObject.Where(r => r != null));
            return;
        }
        string file = TargetFile();
        var inventory = InventoryRun.Read(this, CreateWriter(Root), ProgressReporter.MetricExport, ResolvePath, Root, Path);
        foreach (var problem in inventory.Problems) Report(problem.ErrorId, problem.Category, problem.Message, problem.Target);
        Write(file, inventory.Certificates, inventory.Problems.Count == 0, inventory.ReadAt);
    }

    protected override void End()
    {
        if (ParameterSetName != RowsSet) return;
        // The rows' own reader reported what it could not read; here they are complete as given.
        Write(TargetFile(), _rows, success: true, DateTime.UtcNow);
    }

    /// <summary>-TextfileDirectory under -Root, checked, and the file's full path in it.</summary>
    private string TargetFile()
    {
        var root = ResolveRoot(Root);
        string directory;
        if (root.IsAgentItself)
            directory = ResolvePath(TextfileDirectory); // on the agent itself a relative folder is from the pwsh location
        else
        {
            if (!TextfileDirectory.StartsWith('/'))
                Fail("AgentPathNotAbsolute", ErrorCategory.InvalidArgument,
                    $"With a staging -Root, -TextfileDirectory is an agent path and must be absolute (e.g. /var/lib/prometheus/node-exporter), not '{TextfileDirectory}'.", TextfileDirectory);
            ErrorTarget = TextfileDirectory;
            directory = root.Map(TextfileDirectory);
            ErrorTarget = null;
        }
        if (File.Exists(directory))
            Fail("TextfileDirectoryNotDirectory", ErrorCategory.InvalidArgument,
                $"-TextfileDirectory '{directory}' is a file, not a folder. Give node_exporter's --collector.textfile.directory.", directory);
        if (!Directory.Exists(directory))
            Fail("TextfileDirectoryNotFound", ErrorCategory.ObjectNotFound,
                $"-TextfileDirectory '{directory}' does not exist. Give node_exporter's --collector.textfile.directory (it is not created here, so that a typo cannot hide the metrics).", directory);
        if (PrometheusTextfile.FileNameProblem(Name) is { } badName)
            Fail("InvalidMetricsFileName", ErrorCategory.InvalidArgument, badName, Name);
        return System.IO.Path.Combine(directory, Name);
    }

    /// <summary>The metrics file being written (what an I/O error then means).</summary>
    private string? _writing;

    protected override DcosTlsException? Meaning(Exception e) => _writing != null && e is IOException or UnauthorizedAccessException
        ? new DcosTlsException("MetricsWriteFailed", ErrorCategory.WriteError,
            $"Writing '{_writing}' failed ({e.GetType().Name}). Run as a user that may write -TextfileDirectory, or choose another folder.", _writing)
        : null;

    private void Write(string file, IEnumerable<AgentCertificate> rows, bool success, DateTime readAt)
    {
        var list = rows.ToList();
        string text = PrometheusTextfile.Render(list, success, readAt);
        if (!ShouldProcess(file, "Write certificate expiry metrics")) return;
        // node_exporter may read the folder at any moment: it must see the old file or the new one.
        _writing = file;
        StagedFileWriter.WriteAtomically(file, new UTF8Encoding(false).GetBytes(text), StagedFileWriter.PublicFile);
        _writing = null;
        WriteVerbose($"Wrote {list.Count(r => r.NotAfter != null)} certificate series to {file}");
        // Through the provider, so the FileInfo carries PSPath and friends and shows as Get-Item's would.
        if (PassThru && !IsWhatIf())
            foreach (var item in InvokeProvider.Item.Get(new[] { file }, force: true, literalPath: true)) WriteObject(item);
    }
}
