using DcosTls.Files;
using DcosTls.Lifecycle;

namespace DcosTls.Cmdlets;

/// <summary>
/// Uninstall-DcosTlsRenewalTimer: removes the service and timer Install-DcosTlsRenewalTimer wrote, and
/// nothing else (a unit file by that name that is not ours is refused). -Disable stops and disables
/// the timer first, on the agent itself. Silent unless -PassThru.
/// </summary>
[Cmdlet(VerbsLifecycle.Uninstall, "DcosTlsRenewalTimer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(WrittenFile))]
public sealed class UninstallDcosTlsRenewalTimerCommand : DcosCmdlet
{
    /// <summary>The units' name, as given to Install-DcosTlsRenewalTimer.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string Name { get; set; } = RenewalTimerUnits.DefaultName;

    /// <summary>Staging root standing in for the agent's / (default /).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string Root { get; set; } = "/";

    /// <summary>On the agent itself: systemctl disable --now the timer first, daemon-reload after.</summary>
    [Parameter]
    public SwitchParameter Disable { get; set; }

    /// <summary>Emits the unit files removed (or already absent).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        if (RenewalTimerUnits.NameProblem(Name) is { } badName) throw Fail("InvalidTimerName", ErrorCategory.InvalidArgument, badName, Name);
        var root = ResolveRoot(Root);
        if (Disable && !root.IsAgentItself)
            throw Fail("TimerSystemctlNeedsAgentRoot", ErrorCategory.InvalidArgument,
                $"-Disable runs systemctl on this machine, but -Root '{root.Root}' is a staging folder. Leave out -Disable, or use -Root /.", Root);
        var installer = new RenewalTimerInstaller(CreateWriter(Root));
        installer.CheckUninstall(Name);
        bool present = installer.Exists(RenewalTimerUnits.TimerPath(Name));
        if (Disable && present && !IsWhatIf() && ShouldProcess($"{Name}.timer", "systemctl disable --now")
            && RenewalTimerSystemd.Disable(Name, WriteVerbose) is { } failed)
            throw Fail("TimerSystemctlFailed", ErrorCategory.InvalidOperation,
                $"Disabling the timer failed: {failed.Describe()}; nothing was removed. Fix that, or leave out -Disable.", $"{Name}.timer");
        var removed = installer.Uninstall(Name);
        foreach (var file in removed)
        {
            WriteVerbose($"{file.Action}: {file.Path}");
            if (PassThru) WriteResult(file);
        }
        if (Disable && removed.Any(f => f.Action == FileAction.Removed) && RenewalTimerSystemd.Reload(WriteVerbose) is { } reload)
            WriteWarning($"The unit files are removed, but {reload.Describe()}; run 'systemctl daemon-reload'.");
    }
}
