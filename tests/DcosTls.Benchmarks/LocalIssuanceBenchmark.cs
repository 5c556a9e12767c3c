using System.Diagnostics;
using DcosTls.Certificates;

namespace DcosTls.Benchmarks;

/// <summary>
/// ECDSA server certificates from a local CA, in-process (CertificateBuilder, what
/// New-DcosCertificate -Issuer runs) against the operator's openssl sequence per certificate:
/// genpkey (key), req -new (CSR), x509 -req -CA (sign with an extfile for SAN and serverAuth).
/// The openssl side runs on a sample and is extrapolated per certificate (three processes each).
/// </summary>
public sealed class LocalIssuanceBenchmark : IBenchmark
{
    public string Name => "local-issuance";
    public string Description => "N ECDSA server certs from a local CA in-process vs openssl genpkey+req+x509 (args: N=1000 sample=50)";

    public void Run(string[] args)
    {
        int count = args.Length > 0 ? int.Parse(args[0]) : 1000;
        int sample = args.Length > 1 ? int.Parse(args[1]) : 50;
        string tmp = Directory.CreateTempSubdirectory("dcostls-bench-").FullName;
        try
        {
            var caSpec = CertificateSpec.Create("Benchmark CA", null, null, KeyAlgorithm.ECDSA, 256, forAuthority: true);
            var ca = CertificateBuilder.CreateAuthority(caSpec, 30);
            File.WriteAllText(Path.Combine(tmp, "ca.pem"), ca.CertificatePem);
            File.WriteAllText(Path.Combine(tmp, "ca-key.pem"), PrivateKeyReader.ExportPem(ca.PrivateKey!, ReadOnlySpan<char>.Empty, false));

            // Warm up both sides.
            IssueInProcess(ca, 0);
            IssueWithOpenssl(tmp, 0);

            var sw = Stopwatch.StartNew();
            for (int i = 0; i < count; i++) IssueInProcess(ca, i);
            double inProcessMs = sw.Elapsed.TotalMilliseconds;

            sw.Restart();
            for (int i = 0; i < sample; i++) IssueWithOpenssl(tmp, i);
            double opensslSampleMs = sw.Elapsed.TotalMilliseconds;

            double oursPer = inProcessMs / count;
            double theirsPer = opensslSampleMs / sample;
            Console.WriteLine($"in-process : {count} certificates in {inProcessMs / 1000:F2} s = {oursPer:F2} ms each");
            Console.WriteLine($"openssl    : {sample} certificates (genpkey + req + x509 -req) in {opensslSampleMs / 1000:F2} s = {theirsPer:F2} ms each; " +
                $"extrapolated to {count}: {theirsPer * count / 1000:F1} s");
            Console.WriteLine($"ratio      : in-process is {theirsPer / oursPer:F1}x faster per certificate (goal >= 20x)");
        }
        finally
        {
            Directory.Delete(tmp, true);
        }
    }

    private static void IssueInProcess(DcosCertificate ca, int i)
    {
        var spec = CertificateSpec.Create($"node{i}.example", new[] { $"node{i}.example" }, new[] { "10.0.0.5", "127.0.0.1" },
            KeyAlgorithm.ECDSA, 256, forAuthority: false);
        var cert = CertificateBuilder.IssueLocally(spec, CertificateUsage.Server, 365, ca);
        // What an export would do: the PEM of the certificate and the key.
        _ = cert.CertificatePem.Length + PrivateKeyReader.ExportPem(cert.PrivateKey!, ReadOnlySpan<char>.Empty, false).Length;
    }

    private static void IssueWithOpenssl(string dir, int i)
    {
        string key = Path.Combine(dir, "server-key.pem");
        string csr = Path.Combine(dir, "server.csr");
        string ext = Path.Combine(dir, "extfile.cnf");
        File.WriteAllText(ext, $"subjectAltName = DNS:node{i}.example,IP:10.0.0.5,IP:127.0.0.1\nextendedKeyUsage = serverAuth\n");
        Measure.Process("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key);
        Measure.Process("openssl", "req", "-subj", $"/CN=node{i}.example", "-sha256", "-new", "-key", key, "-out", csr);
        Measure.Process("openssl", "x509", "-req", "-days", "365", "-sha256", "-in", csr, "-CA", Path.Combine(dir, "ca.pem"),
            "-CAkey", Path.Combine(dir, "ca-key.pem"), "-CAcreateserial", "-out", Path.Combine(dir, "server-cert.pem"), "-extfile", ext);
    }
}
