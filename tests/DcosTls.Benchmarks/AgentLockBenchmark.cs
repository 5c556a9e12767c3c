using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DcosTls.Files;
using DcosTls.Trust;

namespace DcosTls.Benchmarks;

/// <summary>
/// What the agent lock and the all-or-nothing journal cost: N sequential installs of distinct CAs
/// into the Mesos hashed folder, (a) the store alone, (b) under the root's flock, (c) the way the
/// cmdlet runs them (flock and the rollback journal). Median per install of each.
/// </summary>
public sealed class AgentLockBenchmark : IBenchmark
{
    public string Name => "agentlock";
    public string Description => "N sequential trust installs with and without the agent lock (default N=1000), median per install";

    public void Run(string[] args)
    {
        int count = args.Length > 0 ? int.Parse(args[0]) : 1_000;
        string tmp = Directory.CreateTempSubdirectory("dcostls-bench-lock-").FullName;
        try
        {
            var cas = new List<TrustCertificate>();
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            for (int i = 0; i < count; i++)
            {
                var request = new CertificateRequest($"CN=Lock Bench CA {i:D5}, O=DcosTls Bench", key, HashAlgorithmName.SHA256);
                request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
                using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
                cas.Add(new TrustCertificate(X509CertificateLoader.LoadCertificate(ca.RawData)));
            }

            var variants = new (string Name, Func<StagedFileWriter, TrustCertificate, int> Install)[]
            {
                ("bare", (w, ca) => new MesosHashedStore(w, _ => { }).Install(null, ca).Count()),
                ("locked", (w, ca) =>
                {
                    using var held = AgentFileLock.Acquire(w);
                    return new MesosHashedStore(w, _ => { }).Install(null, ca).Count();
                }),
                ("cmdlet", (w, ca) =>
                {
                    var requests = new[] { new TrustRequest(null, ca, TrustTarget.Mesos) };
                    return new RegistryTrustInstaller(w, requests, _ => { }, _ => { }, (_, _) => true).Install(requests, null).Count;
                }),
            };
            var writers = variants.Select(v => new StagedFileWriter(Path.Combine(tmp, v.Name), (_, _) => true)).ToArray();
            var times = variants.Select(_ => new List<double>()).ToArray();
            // Warm-up on roots of their own (JIT, first folder creation).
            for (int v = 0; v < variants.Length; v++)
            {
                var warm = new StagedFileWriter(Path.Combine(tmp, variants[v].Name + "-warm"), (_, _) => true);
                foreach (var ca in cas.Take(20)) variants[v].Install(warm, ca);
            }
            // Interleaved, so that drift of the shared disk and CPU falls on every variant alike.
            foreach (var ca in cas)
                for (int v = 0; v < variants.Length; v++)
                    times[v].Add(Measure.Milliseconds(() => variants[v].Install(writers[v], ca)));
            var (bare, locked, cmdlet) = (times[0], times[1], times[2]);
            double b = Measure.Median(bare), l = Measure.Median(locked), c = Measure.Median(cmdlet);
            Console.WriteLine($"{count} sequential installs of distinct CAs into the Mesos hashed folder, median per install:");
            Console.WriteLine($"  without the lock:                 {b,7:F3} ms");
            Console.WriteLine($"  under the root's flock:           {l,7:F3} ms  (+{l - b:F3} ms)");
            Console.WriteLine($"  flock and the rollback journal:   {c,7:F3} ms  (+{c - b:F3} ms)");
        }
        finally
        {
            Directory.Delete(tmp, recursive: true);
        }
    }
}
