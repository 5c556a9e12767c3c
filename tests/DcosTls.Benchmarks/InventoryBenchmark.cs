using System.Diagnostics;
using DcosTls.Tests.Infrastructure;

namespace DcosTls.Benchmarks;

/// <summary>
/// The inventory of a busy agent: N trusted registry CAs (default 1,000), each installed for one of
/// 20 registries into certs.d, the Mesos hashed folder and the OS anchors, plus the daemon's files.
/// Times Get-DcosTlsCertificate and Export-DcosTlsMetric (the metrics file written from it) in the
/// hosted engine, against the shell loop an operator would write over the same files in the same
/// run: for f in ...; do openssl x509 -enddate -noout -in "$f"; done. Medians of interleaved rounds.
/// </summary>
public sealed class InventoryBenchmark : IBenchmark
{
    public string Name => "inventory";
    public string Description => "Get-DcosTlsCertificate / Export-DcosTlsMetric over N trusted CAs (default 1000) vs an openssl shell loop";

    public void Run(string[] args)
    {
        int count = args.Length > 0 ? int.Parse(args[0]) : 1_000;
        int rounds = args.Length > 1 ? int.Parse(args[1]) : 3;
        string tmp = Directory.CreateTempSubdirectory("dcostls-bench-inventory-").FullName;
        try
        {
            string root = Path.Combine(tmp, "agent");
            // The textfile folder is an agent path under -Root, like every agent file.
            string textfile = Directory.CreateDirectory(Path.Combine(root, "textfile")).FullName;
            Directory.CreateDirectory(Path.Combine(root, "etc"));
            File.WriteAllText(Path.Combine(root, "etc", "os-release"), "ID=debian\n");
            using var ps = new Pwsh(tmp).Set("root", root).Set("textfile", textfile).Set("n", count);
            var setup = Stopwatch.StartNew();
            ps.Run(@"
                $ca = New-TlsCertificateAuthority -CommonName 'Bench Daemon CA' -KeyAlgorithm ECDSA
                Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate (New-DcosCertificate -Issuer $ca -CommonName agent1.internal -DnsName agent1.internal -KeyAlgorithm ECDSA)
                for ($i = 0; $i -lt $n; $i++) {
                    $registry = 'registry{0:D2}.internal:5000' -f ($i % 20)
                    $null = New-TlsCertificateAuthority -CommonName ('Bench Registry CA {0:D5}' -f $i) -KeyAlgorithm ECDSA |
                        Install-DockerRegistryTrust -Registry $registry -Target Docker, Mesos, System -Root $root
                }").ThrowOnError();
            Console.WriteLine($"setup: {count} CAs installed (certs.d, Mesos, OS anchors) and the daemon files in {setup.Elapsed.TotalSeconds:F1} s");

            // The files the inventory reads, for the shell loop.
            var rows = ps.Run("Get-DcosTlsCertificate -Root $root").ThrowOnError().Output;
            var paths = rows.Select(r => (string)r.Properties["Path"].Value).Distinct().ToList();
            string list = Path.Combine(tmp, "files.txt");
            File.WriteAllLines(list, paths);
            Console.WriteLine($"inventory: {rows.Count} rows from {paths.Count} files");

            // Warm-up (JIT, format data); it reads every file, so the shell loop finds them in the page cache too.
            ps.Run("$null = Get-DcosTlsCertificate -Root $root; Export-DcosTlsMetric -Root $root -TextfileDirectory /textfile").ThrowOnError();

            var get = new List<double>();
            var export = new List<double>();
            var shell = new List<double>();
            for (int r = 0; r < rounds; r++)
            {
                get.Add(Measure.Milliseconds(() => ps.Run("$null = Get-DcosTlsCertificate -Root $root").ThrowOnError()));
                export.Add(Measure.Milliseconds(() => ps.Run("Export-DcosTlsMetric -Root $root -TextfileDirectory /textfile").ThrowOnError()));
                shell.Add(Measure.Process("sh", "-c", "while read -r f; do openssl x509 -enddate -noout -in \"$f\"; done < \"$1\" >/dev/null", "sh", list));
            }
            var prom = new FileInfo(Path.Combine(textfile, "dcostls.prom"));
            int series = File.ReadLines(prom.FullName).Count(l => l.StartsWith("dcostls_certificate_expiry_timestamp_seconds{", StringComparison.Ordinal));
            Console.WriteLine($"{rounds} interleaved rounds, median wall time:");
            Console.WriteLine($"  Get-DcosTlsCertificate -Root (rows to the pipeline):      {Measure.Median(get),9:F1} ms");
            Console.WriteLine($"  Export-DcosTlsMetric (inventory + atomic .prom write):     {Measure.Median(export),9:F1} ms");
            Console.WriteLine($"  sh loop of openssl x509 -enddate -noout over the files:   {Measure.Median(shell),9:F1} ms");
            Console.WriteLine($"  metrics file: {prom.Length:N0} bytes, {series} expiry series");
            Console.WriteLine($"  runs (ms): get [{string.Join(", ", get.Select(v => v.ToString("F0")))}] export [{string.Join(", ", export.Select(v => v.ToString("F0")))}] shell [{string.Join(", ", shell.Select(v => v.ToString("F0")))}]");
        }
        finally
        {
            Directory.Delete(tmp, recursive: true);
        }
    }
}
