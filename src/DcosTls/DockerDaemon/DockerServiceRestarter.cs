namespace DcosTls.DockerDaemon;

/// <summary>
/// systemctl daemon-reload (the drop-in is only read then) and systemctl restart docker (TLS
/// settings and hosts are not reloaded by SIGHUP). Only ever run on a real agent root.
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
    {
        foreach (var command in Commands)
        {
            log(string.Join(' ', command));
            var result = ProcessRunner.Run(command[0], command[1..]);
            if (!result.Started) return result.Describe() + "; is this a systemd host?";
            if (result.ExitCode != 0) return result.Describe();
        }
        return null;
    }
}
