using System.Diagnostics;
using DcosTls.Tests.Infrastructure;

namespace DcosTls.Benchmarks;

/// <summary>
/// A daily renewal run on an agent: 200 certificates, 5 due, renewed from pebble over http-01 by
/// Update-DcosCertificate (one pwsh process) and by certbot renew (one process), each timed whole.
/// The body is RenewalBenchmark.ps1, run in the repository's pwsh; it starts and stops pebble itself.
/// </summary>
public sealed class RenewalBenchmark : IBenchmark
{
    public string Name => "renewal";
    public string Description => "200 certificates, 5 due, from pebble: Update-DcosCertificate vs certbot renew (whole-process wall time)";

    public void Run(string[] args)
    {
        string script = Path.Combine(Repo.Root, "tests", "DcosTls.Benchmarks", "RenewalBenchmark.ps1");
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = Repo.Root };
        foreach (var a in new[] { "pwsh", "-NoProfile", "-NonInteractive", "-File", script }) psi.ArgumentList.Add(a);
        if (args.Length > 0) { psi.ArgumentList.Add("-Count"); psi.ArgumentList.Add(args[0]); }
        if (args.Length > 1) { psi.ArgumentList.Add("-Due"); psi.ArgumentList.Add(args[1]); }
        if (args.Length > 2) { psi.ArgumentList.Add("-Runs"); psi.ArgumentList.Add(args[2]); }
        psi.Environment["NO_COLOR"] = "1";
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"RenewalBenchmark.ps1 exited {p.ExitCode}");
    }
}
