namespace DcosTls.Cmdlets;

/// <summary>
/// Export-DcosTlsMetric: the agent's certificate inventory as Prometheus metrics in
/// node_exporter's textfile-collector folder, written whole and atomically. Silent unless -PassThru.
/// </summary>
[Cmdlet(VerbsData.Export, "DcosTlsMetric", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportDcosTlsMetricCommand : DcosCmdlet
{
    /// <summary>node_exporter's --collector.textfile.directory (Debian's default shown).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Directory")]
    public string TextfileDirectory { get; set; } = "/var/lib/prometheus/node-exporter";

    /// <summary>The file's name in that folder; must end in .prom, which is what the collector reads.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string Name { get; set; } = "dcostls.prom";

    /// <summary>Staging root standing in for the agent's / (default /; relative to the pwsh location).</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string Root { get; set; } = "/";

    /// <summary>Client folders to include (as for Get-DcosTlsCertificate -Path).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("DockerCertPath")]
    public string[]? Path { get; set; }

    /// <summary>Emits the written file.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        string directory = ResolvePath(TextfileDirectory);
        if (File.Exists(directory))
            Fail("TextfileDirectoryNotDirectory", ErrorCategory.InvalidArgument,
                $"-TextfileDirectory '{directory}' is a file, not a folder. Give node_exporter's --collector.textfile.directory.", TextfileDirectory);
        if (!Directory.Exists(directory))
            Fail("TextfileDirectoryNotFound", ErrorCategory.ObjectNotFound,
                $"-TextfileDirectory '{directory}' does not exist. Give node_exporter's --collector.textfile.directory (it is not created here, so that a typo cannot hide the metrics).", TextfileDirectory);
        if (PrometheusTextfile.FileNameProblem(Name) is { } badName)
            Fail("InvalidMetricsFileName", ErrorCategory.InvalidArgument, badName, Name);

        var inventory = InventoryRun.Read(this, ProgressReporter.MetricExport, ResolvePath, Root, Path);
        foreach (var problem in inventory.Problems) Report(problem.ErrorId, problem.Category, problem.Message, problem.Target);
        string text = PrometheusTextfile.Render(inventory.Certificates, inventory.Problems.Count == 0, inventory.ReadAt);

        string file = System.IO.Path.Combine(directory, Name);
        if (!ShouldProcess(file, "Write certificate expiry metrics")) return;
        try
        {
            // node_exporter may read the folder at any moment: it must see the old file or the new one.
            StagedFileWriter.WriteAtomically(file, new UTF8Encoding(false).GetBytes(text), StagedFileWriter.PublicFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail("MetricsWriteFailed", ErrorCategory.WriteError,
                $"Writing '{file}' failed ({e.GetType().Name}). Run as a user that may write -TextfileDirectory, or choose another folder.", file);
        }
        WriteVerbose($"Wrote {inventory.Certificates.Count(r => r.NotAfter != null)} certificate series to {file}");
        // Through the provider, so the FileInfo carries PSPath and friends and shows as Get-Item's would.
        if (PassThru && !IsWhatIf())
            foreach (var item in InvokeProvider.Item.Get(new[] { file }, force: true, literalPath: true)) WriteObject(item);
    }
}
