using System.Diagnostics;
using System.Reflection;

namespace DcosTls.Benchmarks;

/// <summary>One benchmark: a name to run it by and a body that prints its own figures.</summary>
public interface IBenchmark
{
    string Name { get; }
    string Description { get; }
    void Run(string[] args);
}

public static class Program
{
    public static int Main(string[] args)
    {
        var all = typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && !t.IsAbstract && !t.IsInterface)
            .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
            .OrderBy(b => b.Name).ToList();
        if (args.Length == 0 || !all.Any(b => b.Name == args[0]))
        {
            Console.WriteLine("usage: dotnet run -c Release --project tests/DcosTls.Benchmarks -- <name> [args]");
            foreach (var b in all) Console.WriteLine($"  {b.Name,-24} {b.Description}");
            return args.Length == 0 ? 0 : 2;
        }
        all.Single(b => b.Name == args[0]).Run(args.Skip(1).ToArray());
        return 0;
    }
}

/// <summary>Timing helpers shared by the benchmarks.</summary>
public static class Measure
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static double Milliseconds(Action action)
    {
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed.TotalMilliseconds;
    }

    /// <summary>Runs a process to completion and returns its wall time in ms.</summary>
    public static double Process(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var sw = Stopwatch.StartNew();
        using var p = System.Diagnostics.Process.Start(psi)!;
        p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} exited {p.ExitCode}");
        return sw.Elapsed.TotalMilliseconds;
    }
}
