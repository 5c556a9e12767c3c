using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DcosTls.Certificates;
using DcosTls.Common;
using DcosTls.Files;
using DcosTls.Trust;

namespace DcosTls.Benchmarks;

/// <summary>
/// (1) subject hashes of N certificates in-process vs `openssl rehash` on
/// the same folder (goal: ratio ≤ 1.0); (2) Install of one CA into a Mesos folder that already
/// holds N certificates with their links (it must not re-read them all).
/// </summary>
public sealed class SubjectHashBenchmark : IBenchmark
{
    public string Name => "subjecthash";
    public string Description => "hash N certs vs openssl rehash; Install one CA into a Mesos dir of N certs (default N=10000)";

    public void Run(string[] args)
    {
        int count = args.Length > 0 ? int.Parse(args[0]) : 10_000;
        string tmp = Directory.CreateTempSubdirectory("dcostls-bench-hash-").FullName;
        try
        {
            string mesos = Path.Combine(tmp, "root", "var/lib/dcos/pki/tls/certs");
            Directory.CreateDirectory(mesos);
            var sw = Stopwatch.StartNew();
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            for (int i = 0; i < count; i++)
            {
                // Distinct subjects of realistic shape, some with mixed case and spacing to exercise canonicalisation.
                var name = new X500DistinguishedName($"CN=Bench  CA {i:D5}, OU=Team {i % 97}, O=DcosTls Bench, C=US");
                using var cert = new CertificateRequest(name, key, HashAlgorithmName.SHA256)
                    .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
                File.WriteAllText(Path.Combine(mesos, $"bench-{i:D5}.crt"), cert.ExportCertificatePem() + "\n");
            }
            Console.WriteLine($"setup: {count} certificates written in {sw.Elapsed.TotalSeconds:F1} s");
            var files = Directory.GetFiles(mesos, "*.crt");

            // Warm-up (JIT, page cache) on a slice.
            foreach (string f in files.Take(200)) HashFile(f);
            foreach (string f in files.Take(200)) SubjectHash.Compute(X509Certificate2.CreateFromPem(File.ReadAllText(f)));

            var ours = new List<double>();
            var viaX509 = new List<double>();
            var hashOnly = new List<double>();
            var parsed = files.Select(f => X509Certificate2.CreateFromPem(File.ReadAllText(f))).ToArray();
            for (int round = 0; round < 3; round++)
            {
                // What rehash does per file: read, decode PEM, find the subject, hash it.
                ours.Add(Measure.Milliseconds(() =>
                {
                    foreach (string f in files) HashFile(f);
                }));
                viaX509.Add(Measure.Milliseconds(() =>
                {
                    foreach (string f in files) SubjectHash.Compute(X509Certificate2.CreateFromPem(File.ReadAllText(f)));
                }));
                hashOnly.Add(Measure.Milliseconds(() =>
                {
                    foreach (var c in parsed) SubjectHash.Compute(c);
                }));
            }
            double first = Measure.Process("openssl", "rehash", mesos);     // creates N links
            var rerun = new List<double>();
            for (int round = 0; round < 3; round++) rerun.Add(Measure.Process("openssl", "rehash", mesos));
            double a = Measure.Median(ours), h = Measure.Median(hashOnly), r = Measure.Median(rerun);
            Console.WriteLine($"in-process read+PEM+hash of {count}: median {a,8:F0} ms   (through X509Certificate2: {Measure.Median(viaX509):F0} ms; hash only, parsed certs: {h:F0} ms)");
            Console.WriteLine($"openssl rehash on the same folder:   first run {first,6:F0} ms, re-run median {r:F0} ms");
            Console.WriteLine($"ratio ours/openssl rehash: {a / first:F2}x vs first run, {a / r:F2}x vs re-run (goal <= 1.0)");

            // Install of one new CA into the folder of N certificates plus N links.
            var writer = new StagedFileWriter(Path.Combine(tmp, "root"), (_, _) => true);
            var store = new MesosHashedStore(writer, _ => { });
            var installs = new List<double>();
            var unchanged = new List<double>();
            for (int round = 0; round < 7; round++)
            {
                using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                var request = new CertificateRequest($"CN=New Registry CA {round}, O=DcosTls Bench", caKey, HashAlgorithmName.SHA256);
                request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
                using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
                var trust = new TrustCertificate(X509CertificateLoader.LoadCertificate(ca.RawData));
                installs.Add(Measure.Milliseconds(() => store.Install(null, trust).ToList()));
                unchanged.Add(Measure.Milliseconds(() => store.Install(null, trust).ToList()));
            }
            Console.WriteLine($"Install one CA into a Mesos folder of {count} certs + {count} links: median {Measure.Median(installs):F1} ms " +
                $"(min {installs.Min():F1}, max {installs.Max():F1}); repeat (Unchanged) median {Measure.Median(unchanged):F1} ms");
            Console.WriteLine($"  for comparison, reading and parsing every certificate in the folder takes ~{Measure.Median(viaX509):F0} ms");
            var (code, _) = Verify(Path.Combine(tmp, "root"), mesos);
            Console.WriteLine($"  openssl rehash afterwards: {(code ? "no link added" : "ADDED LINKS")}");
        }
        finally
        {
            Directory.Delete(tmp, true);
        }
    }

    private static string HashFile(string file)
    {
        string text = File.ReadAllText(file);
        var pem = PemEncoding.Find(text);
        return SubjectHash.ComputeFromCertificate(Convert.FromBase64String(text[pem.Base64Data]));
    }

    private static (bool Same, int Entries) Verify(string root, string mesos)
    {
        int before = Directory.GetFileSystemEntries(mesos).Length;
        Measure.Process("openssl", "rehash", mesos);
        int after = Directory.GetFileSystemEntries(mesos).Length;
        return (before == after, after);
    }
}
