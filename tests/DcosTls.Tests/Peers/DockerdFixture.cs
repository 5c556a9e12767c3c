using System.Diagnostics;
using System.Text.Json.Nodes;
using DcosTls.Tests.Infrastructure;

namespace DcosTls.Tests.Peers;

/// <summary>
/// A real dockerd (Debian's docker.io) started with --config-file pointing at the daemon.json that
/// Set-DockerDaemonTls wrote in a staging root, and stopped by its PID. Everything it keeps
/// (data-root, exec-root, pidfile, unix socket) is in a temp folder; "bridge":"none" and
/// "iptables":false keep the host network untouched. daemon.json names its TLS files by agent
/// path (/etc/docker/tls/...), so dockerd runs in a private mount namespace where the staging
/// root's etc/docker is bind-mounted on /etc/docker: the real /etc/docker is never written, and
/// the key.json dockerd creates lands in the staging root too. No -H flag: "hosts" is in
/// daemon.json, and giving both makes dockerd refuse to start.
/// </summary>
public sealed class DockerdFixture : IDisposable
{
    private readonly Process _process;

    private DockerdFixture(Process process, string logFile)
    {
        _process = process;
        LogFile = logFile;
    }

    public int Pid => _process.Id;
    public string LogFile { get; }
    public string Log => File.Exists(LogFile) ? File.ReadAllText(LogFile) : string.Empty;

    public static bool Available => Tool.Exists("dockerd") && Tool.Exists("unshare");

    /// <summary>The keys dockerd needs to run in a temp folder; the cmdlet must keep them.</summary>
    public static JsonObject RuntimeConfig(string stateDirectory) => new()
    {
        ["data-root"] = Path.Combine(stateDirectory, "data"),
        ["exec-root"] = Path.Combine(stateDirectory, "exec"),
        ["pidfile"] = Path.Combine(stateDirectory, "docker.pid"),
        ["bridge"] = "none",
        ["iptables"] = false,
        ["ip6tables"] = false,
        ["ip-forward"] = false,
        ["ip-masq"] = false,
        ["log-level"] = "info",
    };

    /// <summary>Starts dockerd on the staged config and waits until ready() (a real request) says it serves.</summary>
    public static DockerdFixture Start(string stagingRoot, string stateDirectory, int tcpPort, Func<bool> ready)
    {
        string etcDocker = Path.Combine(stagingRoot, "etc", "docker");
        string config = Path.Combine(etcDocker, "daemon.json");
        string logFile = Path.Combine(stateDirectory, "dockerd.log");
        Directory.CreateDirectory(stateDirectory);
        // unshare and sh both exec, so the PID we get is dockerd's own.
        var psi = new ProcessStartInfo("unshare")
        {
            UseShellExecute = false,
            RedirectStandardOutput = false,
            RedirectStandardError = false,
        };
        foreach (string a in new[] { "-m", "--propagation", "private", "sh", "-c",
                     "mount --bind \"$1\" /etc/docker && exec dockerd --config-file \"$2\" >\"$3\" 2>&1",
                     "sh", etcDocker, config, logFile })
            psi.ArgumentList.Add(a);
        foreach (var v in Tool.TrustVariables) psi.Environment.Remove(v);
        var process = Process.Start(psi)!;
        var fixture = new DockerdFixture(process, logFile);
        try
        {
            FreePort.WaitUntilReady(ready, process, () => fixture.Log, $"dockerd on 127.0.0.1:{tcpPort}", TimeSpan.FromSeconds(30));
            return fixture;
        }
        catch
        {
            fixture.Dispose();
            throw;
        }
    }

    /// <summary>SIGTERM to our PID (dockerd stops its containerd), SIGKILL if it hangs.</summary>
    public void Dispose()
    {
        if (_process.HasExited)
        {
            _process.Dispose();
            return;
        }
        Tool.Run("kill", "-TERM", _process.Id.ToString());
        if (!_process.WaitForExit(20_000))
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5_000);
        }
        _process.Dispose();
    }
}
