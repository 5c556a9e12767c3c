using System.Security.Cryptography;

namespace DcosTls.Benchmarks;

/// <summary>RSA-4096 and ECDSA P-256 key generation, in-box crypto vs `openssl genpkey`.</summary>
public sealed class KeyGenerationBenchmark : IBenchmark
{
    public string Name => "keygen";
    public string Description => "RSA-4096 / P-256 key generation vs openssl genpkey (median ratio)";

    public void Run(string[] args)
    {
        int rounds = args.Length > 0 ? int.Parse(args[0]) : 15;
        string tmp = Directory.CreateTempSubdirectory("dcostls-bench-").FullName;
        try
        {
            // Warm up both sides once.
            using (RSA.Create(2048)) { }
            Measure.Process("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", Path.Combine(tmp, "w.key"));
            Report("RSA-4096", rounds,
                () => { using var k = RSA.Create(4096); k.ExportPkcs8PrivateKey(); },
                () => Measure.Process("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096", "-out", Path.Combine(tmp, "r.key")));
            Report("ECDSA P-256", rounds,
                () => { using var k = ECDsa.Create(ECCurve.NamedCurves.nistP256); k.ExportPkcs8PrivateKey(); },
                () => Measure.Process("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", Path.Combine(tmp, "e.key")));
        }
        finally
        {
            Directory.Delete(tmp, true);
        }
    }

    private static void Report(string what, int rounds, Action ours, Func<double> openssl)
    {
        var us = new List<double>();
        var them = new List<double>();
        for (int i = 0; i < rounds; i++)
        {
            us.Add(Measure.Milliseconds(ours));
            them.Add(openssl());
        }
        double a = Measure.Median(us), b = Measure.Median(them);
        Console.WriteLine($"{what,-12} in-box median {a,8:F1} ms   openssl genpkey median {b,8:F1} ms   ratio ours/openssl {a / b:F2}x   ({rounds} rounds each)");
    }
}
