using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using DcosTls.Tests.Infrastructure;

namespace DcosTls.Benchmarks;

/// <summary>
/// Import-Module DcosTls in the hosted engine, over an empty runspace's baseline. Each
/// sample is a fresh process, so assembly loading (the real cost) is counted every time.
/// </summary>
public sealed class ImportModuleBenchmark : IBenchmark
{
    public string Name => "import";
    public string Description => "Import-Module time in a fresh hosted runspace over the empty-runspace baseline (median ms)";

    public void Run(string[] args)
    {
        if (args.Length > 0 && args[0] == "--child")
        {
            Child(args[1]);
            return;
        }
        int rounds = args.Length > 0 ? int.Parse(args[0]) : 11;
        string self = Environment.ProcessPath!;
        string dll = typeof(Program).Assembly.Location;
        var baseline = new List<double>();
        var import = new List<double>();
        var empty = new List<double>();
        var warm = new List<double>();
        for (int i = 0; i < rounds; i++)
        {
            baseline.Add(RunChild(self, dll, "baseline"));
            empty.Add(RunChild(self, dll, "empty"));
            import.Add(RunChild(self, dll, "import"));
            warm.Add(RunChild(self, dll, "warm"));
        }
        double b = Measure.Median(baseline), m = Measure.Median(import), e = Measure.Median(empty), w = Measure.Median(warm);
        Console.WriteLine($"hosted engine, fresh process per sample, {rounds} samples each:");
        Console.WriteLine($"  baseline (open runspace, run '$null')    median {b,7:F1} ms");
        Console.WriteLine($"  Import-Module DcosTls.psd1 + first cmdlet  median {m,7:F1} ms");
        Console.WriteLine($"  cost of the import                         {m - b,7:F1} ms");
        Console.WriteLine($"  for scale: Import-Module of an empty psd1  median {e,7:F1} ms (the engine's own first-import cost)");
        Console.WriteLine($"  DcosTls after the engine imported another module first: median {w,7:F1} ms (our own share)");
    }

    private static double RunChild(string self, string dll, string mode)
    {
        var psi = new ProcessStartInfo(self) { RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(dll);
        foreach (var a in new[] { "import", "--child", mode }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return double.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    // Times only the work after the runspace is open: the same for both modes except the import.
    private static void Child(string mode)
    {
        string emptyManifest = Path.Combine(Path.GetTempPath(), "dcostls-empty-bench.psd1");
        if (mode == "empty") File.WriteAllText(emptyManifest, "@{ ModuleVersion = '1.0.0' }");
        using var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        runspace.Open();
        using (var warm = PowerShell.Create())
        {
            warm.Runspace = runspace;
            // "warm": the engine's module-loading code is already compiled by an earlier import.
            if (mode == "warm") { File.WriteAllText(emptyManifest, "@{ ModuleVersion = '1.0.0' }"); warm.AddScript($"Import-Module '{emptyManifest}'"); }
            else warm.AddScript("$null");
            warm.Invoke();
        }
        var sw = Stopwatch.StartNew();
        using var ps = PowerShell.Create();
        ps.Runspace = runspace;
        ps.AddScript(mode switch
        {
            // DCOSTLS_BENCH_MANIFEST: measure another manifest (e.g. one without format files) the same way.
            "import" or "warm" => $"Import-Module '{Environment.GetEnvironmentVariable("DCOSTLS_BENCH_MANIFEST") ?? Repo.Manifest}'; $null = Get-Command New-DcosCertificate",
            "empty" => $"Import-Module '{emptyManifest}'",
            _ => "$null",
        });
        ps.Invoke();
        Console.WriteLine(sw.Elapsed.TotalMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
