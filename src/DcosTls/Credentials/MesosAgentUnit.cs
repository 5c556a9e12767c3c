using DcosTls.Common;

namespace DcosTls.Credentials;

/// <summary>
/// The agent's systemd unit: dcos-mesos-slave on private agents, dcos-mesos-slave-public on public
/// ones. The agent reads MESOS_DOCKER_CONFIG only when it starts, so a change needs a restart
/// (not a re-registration).
/// </summary>
internal static class MesosAgentUnit
{
    internal static readonly string[] Names = { "dcos-mesos-slave", "dcos-mesos-slave-public" };

    private static readonly string[] UnitDirectories =
        { "/etc/systemd/system/", "/etc/systemd/system/dcos.target.wants/", "/usr/lib/systemd/system/", "/lib/systemd/system/" };

    /// <summary>The installed unit, or null on a machine that is not a DC/OS agent.</summary>
    internal static string? Find() => Names.FirstOrDefault(unit => UnitDirectories.Any(dir => File.Exists(dir + unit + ".service")));

    /// <summary>systemctl restart; returns the exit code and what systemctl said on stderr.</summary>
    internal static (int ExitCode, string Error) Restart(string unit)
    {
        var result = ProcessRunner.Run("systemctl", "restart", unit);
        return (result.ExitCode, result.Error.Trim());
    }
}
