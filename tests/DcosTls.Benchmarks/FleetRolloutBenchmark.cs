using System.Diagnostics;
using DcosTls.Tests.Infrastructure;

namespace DcosTls.Benchmarks;

/// <summary>
/// Invoke-DcosAgentProvisioning -Restart over real SSH remoting to agents with a real systemd
/// (systemd-nspawn containers from the tests' cached Debian root; needs root): wall time of a rollout
/// that drains, restarts docker and the Mesos agent and puts every agent back, at -MaxUnavailable 1
/// and 3, and the cost per agent over a bare Invoke-Command { 1 }. The body is FleetRollout.ps1.
/// Arguments: the number of agents and the -MaxUnavailable values, e.g. "10 1,3".
/// </summary>
public sealed class FleetRolloutBenchmark : IBenchmark
{
    public string Name => "fleet-rollout";
    public string Description => "Invoke-DcosAgentProvisioning -Restart to 10 nspawn agents at -MaxUnavailable 1 and 3, against Invoke-Command { 1 } (s)";

    public void Run(string[] args)
    {
        string script = Path.Combine(Repo.Root, "tests", "DcosTls.Benchmarks", "FleetRollout.ps1");
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = Repo.Root, UseShellExecute = false };
        foreach (var a in new[] { "pwsh", "-NoProfile", "-NonInteractive", "-File", script }) psi.ArgumentList.Add(a);
        if (args.Length > 0) { psi.ArgumentList.Add("-Count"); psi.ArgumentList.Add(args[0]); }
        if (args.Length > 1) { psi.ArgumentList.Add("-MaxUnavailable"); psi.ArgumentList.Add(args[1]); }
        Console.WriteLine($"{Environment.ProcessorCount} cores; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the start");
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"FleetRollout.ps1 exited {p.ExitCode}");
        Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the end");
    }
}
