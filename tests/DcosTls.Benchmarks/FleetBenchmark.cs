using System.Diagnostics;
using DcosTls.Tests.Infrastructure;

namespace DcosTls.Benchmarks;

/// <summary>
/// Invoke-DcosAgentProvisioning over real SSH remoting to simulated agents (one sshd per loopback
/// address): wall time for 1, 5, 10 and 20 agents at ThrottleLimit 1 and 32, from agents without
/// DcosTls and again when nothing changes, against a bare Invoke-Command { 1 } to the same agents.
/// The body is Fleet.ps1, run in the repository's pwsh (SSH remoting needs the real pwsh, not the
/// hosted engine). Arguments: sizes, throttle limits, a one-way network delay to every agent and a
/// longer one to the last agent, in ms, e.g. "1,10,20 1,32 100 400" (see Fleet.ps1).
/// </summary>
public sealed class FleetBenchmark : IBenchmark
{
    public string Name => "fleet";
    public string Description => "Invoke-DcosAgentProvisioning to 1-20 simulated SSH agents at ThrottleLimit 1 and 32, against Invoke-Command { 1 } (s)";

    public void Run(string[] args)
    {
        string script = Path.Combine(Repo.Root, "tests", "DcosTls.Benchmarks", "Fleet.ps1");
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = Repo.Root, UseShellExecute = false };
        foreach (var a in new[] { "pwsh", "-NoProfile", "-NonInteractive", "-File", script }) psi.ArgumentList.Add(a);
        if (args.Length > 0) { psi.ArgumentList.Add("-Size"); psi.ArgumentList.Add(args[0]); }
        if (args.Length > 1) { psi.ArgumentList.Add("-ThrottleLimit"); psi.ArgumentList.Add(args[1]); }
        if (args.Length > 2) { psi.ArgumentList.Add("-OneWayDelayMs"); psi.ArgumentList.Add(args[2]); }
        if (args.Length > 3) { psi.ArgumentList.Add("-SlowAgentDelayMs"); psi.ArgumentList.Add(args[3]); }
        Console.WriteLine($"{Environment.ProcessorCount} cores; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the start");
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"Fleet.ps1 exited {p.ExitCode}");
        Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the end");
    }
}
