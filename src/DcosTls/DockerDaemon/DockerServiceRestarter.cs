using DcosTls.Common;

namespace DcosTls.DockerDaemon;

/// <summary>
/// systemctl daemon-reload (the drop-in is only read then) and systemctl restart docker (TLS
/// settings and hosts are not reloaded by SIGHUP). Only ever run on a real agent root. The one place
/// DcosTls restarts Docker: after daemon TLS changes (with the reload) and after registry trust (restart only).
/// </summary>
internal static class DockerServiceRestarter
{
    internal static readonly string[][] Commands =
    {
        new[] { "systemctl", "daemon-reload" },
        new[] { "systemctl", "restart", "docker" },
    };

    /// <summary>Runs the commands in order; returns the first failure's description, or null.</summary>
    internal static string? Run(Action<string> log)
        => Restart(log, reload: true) is { } failed ? failed.Describe() + (failed.Started ? string.Empty : "; is this a systemd host?") : null;

    /// <summary>
    /// Restarts docker, after a daemon-reload when <paramref name="reload"/> (a changed drop-in is read only
    /// then); returns the command that did not start or failed, or null.
    /// </summary>
    internal static ProcessResult? Restart(Action<string> log, bool reload)
    {
        foreach (var command in reload ? Commands : Commands[1..])
        {
            log(string.Join(' ', command));
            var result = ProcessRunner.Run(command[0], command[1..]);
            if (!result.Started || result.ExitCode != 0) return result;
        }
        return null;
    }
}
