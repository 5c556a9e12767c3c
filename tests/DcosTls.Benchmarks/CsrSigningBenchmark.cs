using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using DcosTls.Certificates;
using DcosTls.Requests;

namespace DcosTls.Benchmarks;

/// <summary>
/// Signing requests made elsewhere with a local intermediate CA: N existing ECDSA P-256 CSR files (with a
/// DNS and an IP name each, written before the clock starts) signed in-process the way
/// Import-DcosCertificateRequest | New-DcosCertificate -Issuer does it (read the file, check the request
/// and its signature, sign, check the answer, the PEM Export writes), against `openssl x509 -req` with the
/// same intermediate, one process per CSR, on the same files in the same run. Per-CSR times are medians.
/// </summary>
public sealed class CsrSigningBenchmark : IBenchmark
{
    public string Name => "csr";
    public string Description => "sign N existing ECDSA CSRs with a local intermediate in-process vs openssl x509 -req per CSR (args: N=1000 openssl=N)";

    public void Run(string[] args)
    {
        int count = args.Length > 0 ? int.Parse(args[0]) : 1000;
        int opensslCount = args.Length > 1 ? int.Parse(args[1]) : count;
        string tmp = Directory.CreateTempSubdirectory("dcostls-bench-csr-").FullName;
        try
        {
            var root = CertificateBuilder.CreateAuthority(CertificateSpec.Create("Bench Root", null, null, KeyAlgorithm.ECDSA, 256, forAuthority: true), 3650);
            var intermediate = CertificateBuilder.CreateIntermediate(
                CertificateSpec.Create("Bench Issuing", null, null, KeyAlgorithm.ECDSA, 256, forAuthority: true), 730, 0, root);
            string interPem = Path.Combine(tmp, "issuing.pem"), interKey = Path.Combine(tmp, "issuing-key.pem"), rootPem = Path.Combine(tmp, "root.pem");
            File.WriteAllText(interPem, intermediate.CertificatePem);
            File.WriteAllText(interKey, PrivateKeyReader.ExportPem(intermediate.PrivateKey!, ReadOnlySpan<char>.Empty, false));
            File.WriteAllText(rootPem, root.CertificatePem);
            string ext = Path.Combine(tmp, "leaf.cnf");
            File.WriteAllText(ext, "basicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\nextendedKeyUsage = serverAuth\n");

            Console.WriteLine($"writing {count} ECDSA P-256 CSRs ...");
            var files = new string[count];
            for (int i = 0; i < count; i++)
            {
                using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                var request = new CertificateRequest($"CN=svc{i}.example.test", key, HashAlgorithmName.SHA256);
                var names = new SubjectAlternativeNameBuilder();
                names.AddDnsName($"svc{i}.example.test");
                names.AddIpAddress(System.Net.IPAddress.Parse($"10.{i / 65536 % 256}.{i / 256 % 256}.{i % 256}"));
                request.CertificateExtensions.Add(names.Build());
                files[i] = Path.Combine(tmp, $"svc{i}.csr");
                File.WriteAllText(files[i], request.CreateSigningRequestPem() + "\n");
            }

            var issuer = new LocalCaIssuer(intermediate, 365);
            issuer.Validate();
            SignInProcess(issuer, files[0]);
            SignWithOpenssl(tmp, files[0], interPem, interKey, ext, 0);

            var ours = new double[count];
            var total = Stopwatch.StartNew();
            for (int i = 0; i < count; i++) ours[i] = Measure.Milliseconds(() => SignInProcess(issuer, files[i]));
            double oursTotal = total.Elapsed.TotalMilliseconds;

            var theirs = new double[opensslCount];
            total.Restart();
            for (int i = 0; i < opensslCount; i++) theirs[i] = SignWithOpenssl(tmp, files[i], interPem, interKey, ext, i);
            double theirsTotal = total.Elapsed.TotalMilliseconds;

            // Both sides made certificates that chain to the root through the intermediate.
            Measure.Process("openssl", "verify", "-CAfile", rootPem, "-untrusted", interPem, Path.Combine(tmp, "openssl-0.pem"));
            File.WriteAllText(Path.Combine(tmp, "ours-last.pem"), SignInProcess(issuer, files[count - 1]));
            Measure.Process("openssl", "verify", "-CAfile", rootPem, "-untrusted", interPem, Path.Combine(tmp, "ours-last.pem"));
            // openssl copied the request's names (-copy_extensions copy), as the in-process signing does.
            var (_, sans, _) = Run("openssl", "x509", "-in", Path.Combine(tmp, "openssl-0.pem"), "-noout", "-ext", "subjectAltName");
            if (!sans.Contains("DNS:svc0.example.test")) throw new InvalidOperationException("openssl did not copy the request's names: " + sans);

            double oursMedian = Measure.Median(ours), theirsMedian = Measure.Median(theirs);
            Console.WriteLine($"in-process        : {count} CSRs in {oursTotal / 1000:F2} s; per CSR median {oursMedian:F3} ms, mean {oursTotal / count:F3} ms, p95 {Percentile(ours, 0.95):F3} ms");
            Console.WriteLine($"openssl x509 -req : {opensslCount} CSRs in {theirsTotal / 1000:F2} s; per CSR median {theirsMedian:F3} ms, mean {theirsTotal / opensslCount:F3} ms, p95 {Percentile(theirs, 0.95):F3} ms");
            Console.WriteLine($"ratio (medians)   : in-process is {theirsMedian / oursMedian:F1}x faster per CSR; both verified against the root with the intermediate untrusted");
        }
        finally
        {
            Directory.Delete(tmp, true);
        }
    }

    /// <summary>What Import-DcosCertificateRequest | New-DcosCertificate -Issuer | Export-DcosCertificate computes, minus the write.</summary>
    private static string SignInProcess(LocalCaIssuer issuer, string file)
    {
        var request = CertificateRequestReader.Read(File.ReadAllBytes(file), file, file);
        var cert = issuer.Sign(request, CertificateUsage.Server);
        return cert.CertificatePem + cert.ChainPem;
    }

    private static double SignWithOpenssl(string dir, string csr, string caPem, string caKey, string ext, int i)
        => Measure.Process("openssl", "x509", "-req", "-in", csr, "-CA", caPem, "-CAkey", caKey, "-set_serial", (1000 + i).ToString(),
            "-days", "365", "-sha256", "-copy_extensions", "copy", "-extfile", ext, "-out", Path.Combine(dir, $"openssl-{i}.pem"));

    private static (int, string, string) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout, stderr);
    }

    private static double Percentile(double[] values, double p)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }
}
