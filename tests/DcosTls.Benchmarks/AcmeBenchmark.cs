using System.Diagnostics;
using DcosTls.Tests.Infrastructure;

namespace DcosTls.Benchmarks;

/// <summary>
/// ACME DNS-01 issuance against pebble and bind9 on 127.0.0.1: DcosTls (New-DcosCertificate in one
/// pwsh, module loaded once) against certbot with the rfc2136 plugin (a process per certificate). The
/// body is AcmeBenchmark.ps1, run in the repository's pwsh; it starts and stops the servers itself.
/// </summary>
public sealed class AcmeBenchmark : IBenchmark
{
    public string Name => "acme";
    public string Description => "20 DNS-01 certificates from pebble + bind9: DcosTls vs certbot --dns-rfc2136 (median ms, median ratio)";

    public void Run(string[] args)
    {
        int count = args.Length > 0 ? int.Parse(args[0]) : 20;
        string script = Path.Combine(Repo.Root, "tests", "DcosTls.Benchmarks", "AcmeBenchmark.ps1");
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = Repo.Root };
        foreach (var a in new[] { "pwsh", "-NoProfile", "-NonInteractive", "-File", script, "-Count", count.ToString() }) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"AcmeBenchmark.ps1 exited {p.ExitCode}");
    }
}
