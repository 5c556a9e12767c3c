using System.Diagnostics;
using DcosTls.Tests.Infrastructure;
using DcosTls.Tests.Peers;

namespace DcosTls.Benchmarks;

/// <summary>
/// Time per certificate for 100 ECDSA certificates, through PowerShell, (a) from the DC/OS
/// CA stand-in (Admin Router fixture over a real cfssl) and (b) from a local CA.
/// </summary>
public sealed class IssuanceThroughputBenchmark : IBenchmark
{
    public string Name => "issuance";
    public string Description => "100 ECDSA certificates via the cfssl fixture and via a local CA (ms per certificate)";

    public void Run(string[] args)
    {
        int count = args.Length > 0 ? int.Parse(args[0]) : 100;
        using var cluster = new AdminRouterFixture();
        cluster.AddUser("bench", "bench-pw");
        using var ps = new Pwsh()
            .Set("cred", Secrets.Credential("bench", "bench-pw")).Set("uri", cluster.Uri).Set("ca", cluster.CaPath).Set("n", count);
        ps.Run("$null = Connect-DcosCluster -Uri $uri -Credential $cred -CaCertificatePath $ca; $local = New-TlsCertificateAuthority -CommonName 'Bench CA' -KeyAlgorithm ECDSA").ThrowOnError();
        // Warm both paths once.
        ps.Run("$null = New-DcosCertificate -CommonName warm.example -KeyAlgorithm ECDSA; $null = New-DcosCertificate -Issuer $local -CommonName warm.example -KeyAlgorithm ECDSA").ThrowOnError();

        var sw = Stopwatch.StartNew();
        ps.Run("$null = 1..$n | ForEach-Object { [pscustomobject]@{ CommonName = \"node$_.example\"; DnsName = \"node$_.example\" } } | New-DcosCertificate -KeyAlgorithm ECDSA").ThrowOnError();
        double cfssl = sw.Elapsed.TotalMilliseconds;
        sw.Restart();
        ps.Run("$null = 1..$n | ForEach-Object { [pscustomobject]@{ CommonName = \"node$_.example\"; DnsName = \"node$_.example\" } } | New-DcosCertificate -Issuer $local -KeyAlgorithm ECDSA").ThrowOnError();
        double local = sw.Elapsed.TotalMilliseconds;
        Console.WriteLine($"{count} ECDSA P-256 certificates through PowerShell:");
        Console.WriteLine($"  DC/OS CA stand-in (local key + CSR -> Admin Router fixture -> cfssl sign): {cfssl,8:F0} ms total, {cfssl / count,6:F2} ms/certificate");
        Console.WriteLine($"  local CA (-Issuer):                                                      {local,8:F0} ms total, {local / count,6:F2} ms/certificate");
    }
}
