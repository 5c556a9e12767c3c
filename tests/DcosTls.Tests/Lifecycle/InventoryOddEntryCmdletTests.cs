using DcosTls.Tests.Infrastructure;
using Xunit;

namespace DcosTls.Tests.Lifecycle;

/// <summary>
/// Through the cmdlets: Get-DcosTlsCertificate and Export-DcosTlsMetric
/// on a root with odd entries in every folder they read list the rest, report each entry they did not
/// read as a non-terminating error with a stable id, and never hang (each run is given 30 s). The core
/// cases, folder by folder, are in the unit tier (InventoryOddEntryTests).
/// </summary>
public class InventoryOddEntryCmdletTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    /// <summary>One FIFO, one link to /dev/zero, one link out of the root per folder, beside a good CA.</summary>
    private static List<string> OddRoot(TempDir dir, Pwsh ps)
    {
        ps.Run(@"$ca = New-TlsCertificateAuthority -CommonName 'Good CA' -KeyAlgorithm ECDSA
                 $null = $ca | Export-DcosCertificate -Path good.crt -NoKey
                 $outside = New-TlsCertificateAuthority -CommonName 'Host CA outside the root' -KeyAlgorithm ECDSA
                 $null = $outside | Export-DcosCertificate -Path outside.crt -NoKey").ThrowOnError();
        var fifos = new List<string>();
        foreach (string folder in new[] { "etc/docker/certs.d/repo.example:5000", "etc/containers/certs.d/repo.example:5000", "usr/local/share/ca-certificates" })
        {
            Directory.CreateDirectory(dir["root/" + folder]);
            File.Copy(dir["good.crt"], dir[$"root/{folder}/good.crt"]);
            Assert.True(Tool.Run("mkfifo", dir[$"root/{folder}/fifo.crt"]).ExitCode == 0);
            fifos.Add(dir[$"root/{folder}/fifo.crt"]);
            File.CreateSymbolicLink(dir[$"root/{folder}/zero.crt"], "/dev/zero");
            File.CreateSymbolicLink(dir[$"root/{folder}/outside.crt"], dir["outside.crt"]);
        }
        File.WriteAllText(dir["root/etc/os-release"], "ID=debian\n");
        string mesos = dir["root/var/lib/dcos/pki/tls/certs"];
        Directory.CreateDirectory(mesos);
        File.Copy(dir["good.crt"], Path.Combine(mesos, "good.crt"));
        Assert.True(Tool.Run("mkfifo", Path.Combine(mesos, "fifo.crt")).ExitCode == 0);
        fifos.Add(Path.Combine(mesos, "fifo.crt"));
        File.CreateSymbolicLink(Path.Combine(mesos, "0123abcd.0"), Path.GetRelativePath(mesos, "/dev/zero"));
        File.CreateSymbolicLink(Path.Combine(mesos, "0123abcd.1"), Path.GetRelativePath(mesos, dir["outside.crt"]));
        Directory.CreateDirectory(dir["root/etc/docker/tls"]);
        File.Copy(dir["good.crt"], dir["root/etc/docker/tls/ca.pem"]);
        File.CreateSymbolicLink(dir["root/etc/docker/tls/server-cert.pem"], "/dev/zero");
        File.WriteAllText(dir["root/etc/docker/daemon.json"], "{\"tlscacert\": \"/etc/docker/tls/ca.pem\", \"tlscert\": \"/etc/docker/tls/server-cert.pem\"}");
        Directory.CreateDirectory(dir["client"]);
        File.Copy(dir["good.crt"], dir["client/ca.pem"]);
        Assert.True(Tool.Run("mkfifo", dir["client/cert.pem"]).ExitCode == 0);
        fifos.Add(dir["client/cert.pem"]);
        return fifos;
    }

    private static PwshResult RunWithin(Pwsh ps, string script, IEnumerable<string> fifos)
    {
        var run = Task.Run(() => ps.Run(script));
        if (!run.Wait(Limit))
        {
            // Let a reader stuck in open(2) on a FIFO go, so it does not outlive the test run. The
            // engine is not disposed: closing a runspace waits for its pipeline, stuck or not.
            foreach (string fifo in fifos) _ = Task.Run(() => { using var w = new FileStream(fifo, FileMode.Open, FileAccess.Write); });
            Assert.Fail($"'{script}' did not finish within {Limit.TotalSeconds} s: it hung on an odd entry.");
        }
        ps.Dispose();
        return run.Result;
    }

    [Fact]
    public void Get_DcosTlsCertificate_lists_the_good_certificates_and_reports_each_odd_entry()
    {
        using var dir = new TempDir();
        var ps = new Pwsh(dir.Path); // disposed by RunWithin once the run is over
        var fifos = OddRoot(dir, ps);

        var result = RunWithin(ps, "Get-DcosTlsCertificate -Root root -Path client", fifos);

        Assert.Null(result.Terminating);
        var rows = result.Output.Select(o => (Subject: o.Properties["Subject"].Value as string, Path: (string)o.Properties["Path"].Value, Health: (string)o.Properties["Health"].Value)).ToList();
        // certs.d x 2, the system anchors, Mesos, the daemon's CA, the client's CA.
        Assert.Equal(6, rows.Count(r => r.Subject == "CN=Good CA"));
        Assert.DoesNotContain(rows, r => r.Subject == "CN=Host CA outside the root");
        var ids = result.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]).OrderBy(i => i, StringComparer.Ordinal).ToList();
        // FIFOs: 3 certs.d/anchors folders, Mesos, the client folder. Links out of the root (/dev/zero
        // is outside a staging root): 3 folders x 2, Mesos x 2, the daemon's tlscert.
        Assert.Equal(Enumerable.Repeat("FileNotRegular", 5).Concat(Enumerable.Repeat("PathOutsideRoot", 9)), ids);
        Assert.Equal(new[] { "NotRegularFile" }, rows.Where(r => r.Path.EndsWith("fifo.crt") || r.Path.EndsWith("cert.pem") && r.Path.Contains("client")).Select(r => r.Health).Distinct());
        Assert.Equal(new[] { "OutsideRoot" }, rows.Where(r => r.Path.EndsWith("zero.crt") || r.Path.EndsWith("outside.crt")).Select(r => r.Health).Distinct());
    }

    [Fact]
    public void Export_DcosTlsMetric_writes_the_good_certificates_and_reports_the_run_as_incomplete()
    {
        using var dir = new TempDir();
        var ps = new Pwsh(dir.Path); // disposed by RunWithin once the run is over
        var fifos = OddRoot(dir, ps);
        Directory.CreateDirectory(dir["root/textfile"]);

        var result = RunWithin(ps, "Export-DcosTlsMetric -TextfileDirectory /textfile -Root root -Path client", fifos);

        Assert.Null(result.Terminating);
        Assert.Equal(14, result.Errors.Count);
        string text = File.ReadAllText(dir["root/textfile/dcostls.prom"]);
        Assert.Contains("subject=\"CN=Good CA\"", text);
        Assert.DoesNotContain("outside the root", text);
        Assert.Contains("\ndcostls_inventory_success 0\n", text);
    }
}
