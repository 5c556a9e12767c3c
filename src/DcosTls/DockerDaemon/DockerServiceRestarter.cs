using System.Diagnostics;

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
            var psi = new ProcessStartInfo(command[0]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (string a in command.Skip(1)) psi.ArgumentList.Add(a);
            try
            {
                using var p = Process.Start(psi)!;
                var err = p.StandardError.ReadToEndAsync();
                p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                if (p.ExitCode != 0) return $"'{string.Join(' ', command)}' exited with {p.ExitCode}: {err.Result.Trim()}";
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                return $"'{command[0]}' could not be started ({e.Message}); is this a systemd host?";
            }
        }
        return null;
    }
}
