using DcosTls.Common;
using DcosTls.Files;
using DcosTls.Lifecycle;

namespace DcosTls.Cmdlets;

/// <summary>
/// Install-DcosTlsRenewalTimer: a systemd service and timer on the agent that run the operator's
/// renewal script daily (randomized, persistent), then Export-DcosTlsMetric. The unit files are agent
/// files under -Root, written atomically; -Enable runs systemctl on the agent itself. Silent unless
/// -PassThru.
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "DcosTlsRenewalTimer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(WrittenFile))]
public sealed class InstallDcosTlsRenewalTimerCommand : DcosCmdlet
{
    private static readonly TimeSpan LongestDelay = TimeSpan.FromDays(7);

    /// <summary>The renewal script (.ps1) the service runs, an agent path under -Root.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string ScriptPath { get; set; } = string.Empty;

    /// <summary>pwsh on the agent; found in the usual places (and on PATH on the agent itself) when omitted.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? PwshPath { get; set; }

    /// <summary>When the timer fires (systemd.time calendar expression).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string OnCalendar { get; set; } = "daily";

    /// <summary>A random delay up to this long after each OnCalendar time (RandomizedDelaySec).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public TimeSpan RandomizedDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>node_exporter's textfile-collector folder the metrics export writes to (an agent path).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string TextfileDirectory { get; set; } = "/var/lib/prometheus/node-exporter";

    /// <summary>The metrics file's name in that folder (.prom).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string MetricsName { get; set; } = "dcostls.prom";

    /// <summary>What the metrics export imports: the module's name (found in PSModulePath) or its manifest's path on the agent.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string ModulePath { get; set; } = "DcosTls";

    /// <summary>The units' name: &lt;Name&gt;.service and &lt;Name&gt;.timer.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string Name { get; set; } = RenewalTimerUnits.DefaultName;

    /// <summary>The user the service runs as (root when omitted).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? User { get; set; }

    /// <summary>Staging root standing in for the agent's / (default /).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string Root { get; set; } = "/";

    /// <summary>On the agent itself: systemctl daemon-reload and enable --now the timer.</summary>
    [Parameter]
    public SwitchParameter Enable { get; set; }

    /// <summary>Emits the unit files written or kept.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private bool _writing;

    protected override DcosTlsException? Meaning(Exception e) => _writing && e is IOException or UnauthorizedAccessException
        ? new DcosTlsException("RenewalTimerWriteFailed", ErrorCategory.WriteError,
            $"Writing the unit files under '{RenewalTimerUnits.UnitDirectory}' failed ({e.GetType().Name}). Run as root, or give a writable -Root.", Root)
        : null;

    protected override void Process()
    {
        if (RenewalTimerUnits.NameProblem(Name) is { } badName) throw Fail("InvalidTimerName", ErrorCategory.InvalidArgument, badName, Name);
        if (RenewalTimerUnits.CalendarProblem(OnCalendar) is { } badCalendar) throw Fail("InvalidOnCalendar", ErrorCategory.InvalidArgument, badCalendar, OnCalendar);
        if (User != null && RenewalTimerUnits.UserProblem(User) is { } badUser) throw Fail("InvalidServiceUser", ErrorCategory.InvalidArgument, badUser, User);
        if (RandomizedDelay < TimeSpan.Zero || RandomizedDelay > LongestDelay)
            throw Fail("InvalidRandomizedDelay", ErrorCategory.InvalidArgument,
                $"-RandomizedDelay {RandomizedDelay} is outside 0 to 7 days. Give a spread such as (New-TimeSpan -Hours 1).", RandomizedDelay);
        if (PrometheusTextfile.FileNameProblem(MetricsName) is { } badMetrics)
            throw Fail("InvalidMetricsFileName", ErrorCategory.InvalidArgument, badMetrics.StartsWith("-Name", StringComparison.Ordinal) ? "-MetricsName" + badMetrics[5..] : badMetrics, MetricsName);
        if (ModulePath.Length == 0 || ModulePath.Any(char.IsControl))
            throw Fail("InvalidModulePath", ErrorCategory.InvalidArgument,
                $"-ModulePath '{RenewalTimerUnits.Printable(ModulePath)}' is not a module name or path. Give 'DcosTls' or the agent path of DcosTls.psd1.", ModulePath);

        var root = ResolveRoot(Root);
        if (Enable && !root.IsAgentItself)
            throw Fail("TimerSystemctlNeedsAgentRoot", ErrorCategory.InvalidArgument,
                $"-Enable runs systemctl on this machine, but -Root '{root.Root}' is a staging folder. Leave out -Enable (enable the timer where the files are deployed), or use -Root /.", Root);

        string script = AgentPath(root, ScriptPath, "ScriptPath");
        if (!script.EndsWith(".ps1", StringComparison.OrdinalIgnoreCase))
            throw Fail("InvalidRenewalScript", ErrorCategory.InvalidArgument,
                $"-ScriptPath '{script}' is not a PowerShell script (.ps1). Give the renewal script the timer runs.", ScriptPath);
        if (!File.Exists(root.MapForRead(script)))
            throw Fail("RenewalScriptNotFound", ErrorCategory.ObjectNotFound,
                $"The renewal script '{root.Map(script)}' does not exist. Put the script there first (a timer that runs nothing fails every day), or give its path.", ScriptPath);

        string pwsh;
        if (PwshPath != null)
        {
            pwsh = AgentPath(root, PwshPath, "PwshPath");
            if (!RenewalTimerInstaller.IsExecutableFile(root.MapForRead(pwsh)))
                throw Fail("PwshNotFound", ErrorCategory.ObjectNotFound,
                    $"-PwshPath '{root.Map(pwsh)}' is not an executable file. Give the path of pwsh on the agent.", PwshPath);
        }
        else
        {
            pwsh = RenewalTimerInstaller.FindPwsh(root) ?? throw Fail("PwshNotFound", ErrorCategory.ObjectNotFound,
                $"pwsh was not found under '{root.Root}' ({string.Join(", ", RenewalTimerUnits.PwshCandidates)}{(root.IsAgentItself ? " or PATH" : string.Empty)}). Give -PwshPath.", Root);
        }

        string textfile = AgentPath(root, TextfileDirectory, "TextfileDirectory");
        if (!Directory.Exists(root.Map(textfile)))
            throw Fail("TextfileDirectoryNotFound", ErrorCategory.ObjectNotFound,
                $"-TextfileDirectory '{root.Map(textfile)}' does not exist. Give node_exporter's --collector.textfile.directory (it is not created here, so that a typo cannot hide the metrics).", TextfileDirectory);

        var settings = new RenewalTimerSettings(Name, script, pwsh, OnCalendar.Trim(), TimeSpan.FromSeconds(Math.Floor(RandomizedDelay.TotalSeconds)),
            textfile, MetricsName, ModulePath, User);
        var installer = new RenewalTimerInstaller(CreateWriter(Root));
        _writing = true;
        var written = installer.Install(settings);
        _writing = false;
        foreach (var file in written)
        {
            WriteVerbose($"{file.Action}: {file.Path}");
            if (PassThru) WriteResult(file);
        }

        if (Enable && !IsWhatIf() && written.All(f => f.Action != FileAction.Skipped)
            && ShouldProcess($"{Name}.timer", "systemctl daemon-reload; systemctl enable --now")
            && RenewalTimerSystemd.Enable(Name, WriteVerbose) is { } failed)
            throw Fail("TimerSystemctlFailed", ErrorCategory.InvalidOperation,
                $"The unit files are written, but enabling the timer failed: {failed.Describe()}. Run 'systemctl enable --now {Name}.timer' after fixing that.", $"{Name}.timer");
    }

    /// <summary>
    /// A path on the agent: on the agent itself a relative path is from the pwsh location; under a
    /// staging root it must be absolute. No control characters (it goes onto one line of a unit file).
    /// </summary>
    private string AgentPath(AgentRoot root, string path, string parameter)
    {
        if (path.Length == 0 || path.Any(char.IsControl))
            throw Fail("InvalidAgentPath", ErrorCategory.InvalidArgument,
                $"-{parameter} '{RenewalTimerUnits.Printable(path)}' is not a usable path (empty, or holds a line break or control character).", path);
        if (root.IsAgentItself) return ResolvePath(path);
        if (!path.StartsWith('/'))
            throw Fail("AgentPathNotAbsolute", ErrorCategory.InvalidArgument,
                $"With a staging -Root, -{parameter} is an agent path and must be absolute (e.g. /usr/local/sbin/renew-certificates.ps1), not '{path}'.", path);
        ErrorTarget = path;
        root.Map(path);
        ErrorTarget = null;
        return System.IO.Path.GetFullPath(path);
    }
}
