namespace DcosTls.DockerDaemon;

/// <summary>
/// The docker.service drop-in that lets daemon.json carry "hosts": systemd's unit starts dockerd
/// with -H fd://, and a key given both as a flag and in daemon.json stops dockerd from starting
/// (Docker's documented fix for hosts in both places). An empty ExecStart= clears the unit's command; the new one is the
/// unit's own command without its -H/--host (and --tls*) options, so distribution flags such as
/// --containerd and $DOCKER_OPTS are kept.
/// </summary>
internal static class SystemdDropIn
{
    internal const string Directory = "/etc/systemd/system/docker.service.d";

    /// <summary>The usual dockerd command when no docker.service unit is found under the root.</summary>
    internal const string FallbackCommand = "/usr/bin/dockerd";

    private static readonly string[] UnitLocations =
    {
        "/etc/systemd/system/docker.service",
        "/lib/systemd/system/docker.service",
        "/usr/lib/systemd/system/docker.service",
    };

    internal static string PathFor(string name) => Directory + "/" + name + ".conf";

    /// <summary>The drop-in text, given a function that reads an agent file (null when absent).</summary>
    internal static string Build(Func<string, string?> readAgentFile)
    {
        string command = FindUnitCommand(readAgentFile) ?? FallbackCommand;
        var sb = new StringBuilder();
        sb.Append("# Written by DcosTls Set-DockerDaemonTls. /etc/docker/daemon.json sets \"hosts\", which must not\n");
        sb.Append("# also be given as -H on the command line, or dockerd refuses to start.\n");
        sb.Append("[Service]\n");
        sb.Append("ExecStart=\n");
        sb.Append("ExecStart=").Append(command).Append('\n');
        return sb.ToString();
    }

    private static string? FindUnitCommand(Func<string, string?> readAgentFile)
    {
        foreach (string unit in UnitLocations)
        {
            string? text = readAgentFile(unit);
            if (text == null) continue;
            string? exec = text.Split('\n').Select(l => l.Trim())
                .Where(l => l.StartsWith("ExecStart=", StringComparison.Ordinal))
                .Select(l => l["ExecStart=".Length..].Trim())
                .LastOrDefault(l => l.Length > 0);
            if (exec != null) return WithoutHostOptions(exec);
        }
        return null;
    }

    /// <summary>Options daemon.json now sets: given again as flags, dockerd would refuse to start.</summary>
    private static readonly string[] ValueOptions = { "-H", "--host", "--tlscacert", "--tlscert", "--tlskey" };
    private static readonly string[] SwitchOptions = { "--tls", "--tlsverify" };

    /// <summary>Drops -H/--host and the --tls* options (in every spelling) from a dockerd command line.</summary>
    internal static string WithoutHostOptions(string command)
    {
        var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var kept = new List<string>();
        for (int i = 0; i < words.Length; i++)
        {
            string w = words[i];
            if (ValueOptions.Contains(w)) { i++; continue; }
            string name = w.Split('=', 2)[0];
            if (w.Contains('=') && (ValueOptions.Contains(name) || SwitchOptions.Contains(name))) continue;
            if (SwitchOptions.Contains(w) || (w.StartsWith("-H", StringComparison.Ordinal) && w.Length > 2)) continue;
            kept.Add(w);
        }
        // systemd's "-" / "@" / "+" prefixes on the executable stay as they were.
        return string.Join(' ', kept);
    }
}
