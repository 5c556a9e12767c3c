using DcosTls.Common;
using DcosTls.Files;

namespace DcosTls.Lifecycle;

/// <summary>What the renewal timer runs and when; every path is an agent path.</summary>
internal sealed record RenewalTimerSettings(
    string Name,
    string ScriptPath,
    string PwshPath,
    string OnCalendar,
    TimeSpan RandomizedDelay,
    string TextfileDirectory,
    string MetricsFileName,
    string ModulePath,
    string? User);

/// <summary>
/// The text of the renewal service and timer. The service is a oneshot that runs the operator's
/// renewal script with pwsh; the metrics export runs after it as ExecStopPost, which systemd runs
/// whether the script succeeded or failed, so the expiry metrics are fresh after every run and a
/// failed renewal still leaves the unit failed for systemctl --failed and the journal. The timer is
/// daily by default, spread by RandomizedDelaySec so a fleet does not renew in one minute, and
/// Persistent so a run missed while the agent was down happens at the next boot.
/// </summary>
internal static partial class RenewalTimerUnits
{
    /// <summary>The first line of every unit file we write; the only files Uninstall removes.</summary>
    internal const string Marker = "# Written by DcosTls Install-DcosTlsRenewalTimer; Uninstall-DcosTlsRenewalTimer removes it.";

    internal const string UnitDirectory = "/etc/systemd/system";
    internal const string DefaultName = "dcostls-renewal";

    /// <summary>Where pwsh is on a Linux agent, in the order a package or the tarball puts it.</summary>
    internal static readonly string[] PwshCandidates =
    {
        "/usr/bin/pwsh",
        "/usr/local/bin/pwsh",
        "/opt/microsoft/powershell/7/pwsh",
        "/snap/bin/pwsh",
    };

    internal static string ServicePath(string name) => $"{UnitDirectory}/{name}.service";

    internal static string TimerPath(string name) => $"{UnitDirectory}/{name}.timer";

    internal static string Service(RenewalTimerSettings s)
    {
        string renew = string.Join(' ', new[] { s.PwshPath, "-NoProfile", "-NonInteractive", "-File", s.ScriptPath }.Select(Quote));
        string export = $"Import-Module {PsQuote(s.ModulePath)}; Export-DcosTlsMetric -TextfileDirectory {PsQuote(s.TextfileDirectory)} -Name {PsQuote(s.MetricsFileName)}";
        string metrics = string.Join(' ', new[] { s.PwshPath, "-NoProfile", "-NonInteractive", "-Command", export }.Select(Quote));
        var sb = new StringBuilder();
        sb.Append(Marker).Append('\n');
        sb.Append("[Unit]\n");
        sb.Append("Description=DcosTls certificate renewal (").Append(Escape(s.ScriptPath)).Append(")\n");
        // ACME and the cluster CA are reached over the network.
        sb.Append("Wants=network-online.target\n");
        sb.Append("After=network-online.target\n");
        sb.Append('\n');
        sb.Append("[Service]\n");
        sb.Append("Type=oneshot\n");
        // Named even for root: systemd sets HOME (where pwsh finds the user's modules) only with User=.
        sb.Append("User=").Append(s.User ?? "root").Append('\n');
        sb.Append("ExecStart=").Append(renew).Append('\n');
        sb.Append("ExecStopPost=").Append(metrics).Append('\n');
        // A oneshot has no start timeout by default: an ACME wait that never ends would hold every later run.
        sb.Append("TimeoutStartSec=1h\n");
        // Hardening that leaves /etc, /var and /run writable (certificates, daemon.json, trust stores,
        // the metrics folder) and systemctl reachable (a renewal may restart docker).
        sb.Append("NoNewPrivileges=yes\n");
        sb.Append("PrivateTmp=yes\n");
        sb.Append("ProtectSystem=true\n");
        sb.Append("ProtectKernelTunables=yes\n");
        sb.Append("ProtectKernelModules=yes\n");
        sb.Append("ProtectControlGroups=yes\n");
        sb.Append("RestrictSUIDSGID=yes\n");
        sb.Append("RestrictRealtime=yes\n");
        sb.Append("LockPersonality=yes\n");
        return sb.ToString();
    }

    internal static string Timer(RenewalTimerSettings s)
    {
        var sb = new StringBuilder();
        sb.Append(Marker).Append('\n');
        sb.Append("[Unit]\n");
        sb.Append("Description=DcosTls certificate renewal, ").Append(Escape(s.OnCalendar)).Append('\n');
        sb.Append('\n');
        sb.Append("[Timer]\n");
        sb.Append("OnCalendar=").Append(s.OnCalendar).Append('\n');
        sb.Append("RandomizedDelaySec=").Append((long)s.RandomizedDelay.TotalSeconds).Append('\n');
        sb.Append("Persistent=true\n");
        sb.Append("Unit=").Append(s.Name).Append(".service\n");
        sb.Append('\n');
        sb.Append("[Install]\n");
        sb.Append("WantedBy=timers.target\n");
        return sb.ToString();
    }

    /// <summary>True when the unit file's text is one we wrote.</summary>
    internal static bool IsOurs(string text) => text.StartsWith(Marker + "\n", StringComparison.Ordinal);

    /// <summary>A unit name stem: systemd's characters, no template '@', no path.</summary>
    internal static string? NameProblem(string name)
        => UnitName().IsMatch(name) && !name.StartsWith('.') && !name.StartsWith('-')
            && !name.EndsWith(".service", StringComparison.Ordinal) && !name.EndsWith(".timer", StringComparison.Ordinal)
            ? null
            : $"-Name '{Printable(name)}' is not a systemd unit name: use letters, digits and '-', '_', '.', ':' (e.g. '{DefaultName}'), without '.service' or '.timer'.";

    /// <summary>
    /// OnCalendar is checked by systemd itself (systemd-analyze calendar); here only what would break the
    /// unit file: an empty value or one that runs onto another line.
    /// </summary>
    internal static string? CalendarProblem(string onCalendar)
        => onCalendar.Trim().Length == 0 || onCalendar.Any(char.IsControl) || onCalendar.Length > 256
            ? $"-OnCalendar '{Printable(onCalendar)}' is not a calendar expression: give one line such as 'daily', '*-*-* 03:00:00' or 'Mon..Fri 04:30' (see systemd.time)."
            : null;

    internal static string? UserProblem(string user)
        => UserName().IsMatch(user) ? null
            : $"-User '{Printable(user)}' is not a user name systemd accepts: letters, digits, '_', '-', starting with a letter or '_'.";

    /// <summary>
    /// One argument of an Exec line: bare when it is plain, else in double quotes with systemd's C-style
    /// escapes. '%' starts a specifier and '$' a variable in Exec lines, so both are doubled.
    /// </summary>
    internal static string Quote(string argument)
    {
        string escaped = argument.Replace("%", "%%", StringComparison.Ordinal).Replace("$", "$$", StringComparison.Ordinal);
        if (argument.Length > 0 && PlainArgument().IsMatch(argument)) return escaped;
        return "\"" + escaped.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>A PowerShell single-quoted string.</summary>
    internal static string PsQuote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>'%' doubled for a Description= value, which systemd expands specifiers in.</summary>
    private static string Escape(string text) => text.Replace("%", "%%", StringComparison.Ordinal);

    internal static string Printable(string text) => new(text.Select(c => char.IsControl(c) ? '?' : c).Take(120).ToArray());

    [GeneratedRegex(@"^[A-Za-z0-9:_.\-]{1,200}$", RegexOptions.CultureInvariant)]
    private static partial Regex UnitName();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_\-]{0,31}$", RegexOptions.CultureInvariant)]
    private static partial Regex UserName();

    [GeneratedRegex(@"^[A-Za-z0-9/._:+=,@\-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex PlainArgument();
}

/// <summary>A unit file at our path that we did not write: neither replaced nor removed.</summary>
internal sealed class RenewalTimerUnitNotOursException : DcosTlsException
{
    internal RenewalTimerUnitNotOursException(string path, string doing)
        : base("RenewalTimerUnitNotOurs", ErrorCategory.InvalidOperation,
            $"'{path}' was not written by Install-DcosTlsRenewalTimer (its first line is not DcosTls's), so it is not {doing}. Choose another -Name, or move that unit away yourself.", path)
    {
    }
}

/// <summary>
/// Writes and removes the renewal service and timer under the agent root, through the writer (atomic,
/// 0644, ShouldProcess per file). Only unit files that carry <see cref="RenewalTimerUnits.Marker"/> are
/// replaced or removed.
/// </summary>
internal sealed class RenewalTimerInstaller
{
    private readonly StagedFileWriter _writer;

    internal RenewalTimerInstaller(StagedFileWriter writer) => _writer = writer;

    /// <summary>Both files are checked before either is written, so a refusal leaves both as they were.</summary>
    internal IReadOnlyList<WrittenFile> Install(RenewalTimerSettings settings)
    {
        var files = new[]
        {
            ("SystemdService", RenewalTimerUnits.ServicePath(settings.Name), RenewalTimerUnits.Service(settings)),
            ("SystemdTimer", RenewalTimerUnits.TimerPath(settings.Name), RenewalTimerUnits.Timer(settings)),
        };
        foreach (var (_, path, _) in files) RefuseForeign(path, "replaced");
        var written = new List<WrittenFile>();
        using (AgentFileLock.Acquire(_writer))
        using (var change = _writer.BeginChange())
        {
            if (!_writer.DryRun) change.Check(files.Select(f => f.Item2));
            try
            {
                // The service first: a timer must never be there without the unit it starts, so a
                // service the user declined (-Confirm) takes its timer with it.
                foreach (var (role, path, text) in files)
                {
                    var action = written.Count > 0 && _writer.Declined(written[0].Action, files[0].Item2)
                        ? FileAction.Skipped
                        : _writer.WriteText(path, text, StagedFileWriter.PublicFile);
                    written.Add(new WrittenFile(role, _writer.Map(path), action, StagedFileWriter.PublicFile));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw change.Fail(e);
            }
        }
        return written;
    }

    /// <summary>Refuses, before anything is done, unit files by that name that we did not write.</summary>
    internal void CheckUninstall(string name)
    {
        RefuseForeign(RenewalTimerUnits.TimerPath(name), "removed");
        RefuseForeign(RenewalTimerUnits.ServicePath(name), "removed");
    }

    /// <summary>Removes the timer, then the service; files that are not there are Unchanged.</summary>
    internal IReadOnlyList<WrittenFile> Uninstall(string name)
    {
        var paths = new[] { ("SystemdTimer", RenewalTimerUnits.TimerPath(name)), ("SystemdService", RenewalTimerUnits.ServicePath(name)) };
        CheckUninstall(name);
        var removed = new List<WrittenFile>();
        using (AgentFileLock.Acquire(_writer))
        {
            foreach (var (role, path) in paths)
                removed.Add(new WrittenFile(role, _writer.Map(path), _writer.Delete(path), StagedFileWriter.PublicFile));
        }
        return removed;
    }

    /// <summary>True when the unit file is there (ours or not).</summary>
    internal bool Exists(string agentPath) => new FileInfo(_writer.Map(agentPath)) is var f && (f.Exists || f.LinkTarget != null);

    private void RefuseForeign(string agentPath, string doing)
    {
        string full = _writer.Map(agentPath);
        var info = new FileInfo(full);
        if (!info.Exists && info.LinkTarget == null) return;
        // A link (e.g. to /dev/null, a masked unit) or anything that is not our text is someone else's.
        if (info.LinkTarget != null || !RenewalTimerUnits.IsOurs(Encoding.UTF8.GetString(InstalledFile.Read(full, _writer.Paths))))
            throw new RenewalTimerUnitNotOursException(full, doing);
    }

    /// <summary>
    /// pwsh on the agent: the first of the usual places that exists under the root, else (on the agent
    /// itself) the first pwsh on PATH. Null when there is none.
    /// </summary>
    internal static string? FindPwsh(AgentRoot root)
    {
        foreach (string candidate in RenewalTimerUnits.PwshCandidates)
            if (IsExecutableFile(root.Map(candidate))) return candidate;
        if (!root.IsAgentItself) return null;
        foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!folder.StartsWith('/')) continue;
            string candidate = Path.Join(folder, "pwsh");
            if (IsExecutableFile(candidate)) return candidate;
        }
        return null;
    }

    internal static bool IsExecutableFile(string full)
        => File.Exists(full) && (File.GetUnixFileMode(full) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}

/// <summary>systemctl for the renewal timer, only ever on the agent itself (-Root /).</summary>
internal static class RenewalTimerSystemd
{
    /// <summary>daemon-reload, then enable --now the timer; returns the failed command, or null.</summary>
    internal static ProcessResult? Enable(string name, Action<string> log)
        => Run(log, new[] { "daemon-reload" }, new[] { "enable", "--now", name + ".timer" });

    /// <summary>disable --now the timer (before its files go).</summary>
    internal static ProcessResult? Disable(string name, Action<string> log)
        => Run(log, new[] { "disable", "--now", name + ".timer" });

    /// <summary>daemon-reload (after the files went, so systemd forgets the units).</summary>
    internal static ProcessResult? Reload(Action<string> log) => Run(log, new[] { "daemon-reload" });

    private static ProcessResult? Run(Action<string> log, params string[][] commands)
    {
        foreach (var arguments in commands)
        {
            log("systemctl " + string.Join(' ', arguments));
            var result = ProcessRunner.Run("systemctl", arguments);
            if (!result.Succeeded) return result;
        }
        return null;
    }
}
