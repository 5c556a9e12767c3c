using System.Management.Automation;
using DcosTls.Tests.Infrastructure;
using Xunit;
using static DcosTls.Tests.Progress.ProgressAssert;

namespace DcosTls.Tests.Progress;

/// <summary>
/// New-DcosCertificate shows one progress activity per batch, updated per certificate and completed
/// once at the end, so pwsh draws a bar that moves (an activity completed as soon as it is written
/// is never drawn).
/// </summary>
public class BatchProgressTests
{
    [Fact]
    public void Rows_piped_into_New_DcosCertificate_share_one_activity_updated_per_row_and_completed_once()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        var run = ps.Run(@"
            $ca = New-TlsCertificateAuthority -CommonName 'Progress CA' -KeyAlgorithm ECDSA
            1..4 | ForEach-Object { [pscustomobject]@{ CommonName = ""host$_.example.com"" } } |
                New-DcosCertificate -Issuer $ca -KeyAlgorithm ECDSA").ThrowOnError();
        Assert.Equal(4, run.Output.Count);
        var records = Batch(run, "New-DcosCertificate");
        OneActivityCompletedOnce(records);
        var updates = records.Where(p => p.RecordType == ProgressRecordType.Processing).ToList();
        Assert.Equal(4, updates.Count);
        for (int i = 0; i < 4; i++)
        {
            Assert.StartsWith($"{i + 1}", updates[i].StatusDescription);
            Assert.Contains($"host{i + 1}.example.com", updates[i].StatusDescription);
            // Piped: the count is not known, so no percentage is made up.
            Assert.Equal(-1, updates[i].PercentComplete);
        }
    }

    [Fact]
    public void A_stopped_batch_still_completes_its_activity()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        // Select-Object comes from the pwsh tool's own Utility module: the hosted engine has none.
        ps.Set("utility", Path.Combine(Repo.PwshToolHome(), "Microsoft.PowerShell.Commands.Utility.dll"));
        var run = ps.Run(@"
            Import-Module $utility -ErrorAction Stop
            $ca = New-TlsCertificateAuthority -CommonName 'Progress CA' -KeyAlgorithm ECDSA
            'a.example.com', 'b.example.com', 'c.example.com' | New-DcosCertificate -Issuer $ca -KeyAlgorithm ECDSA | Select-Object -First 1").ThrowOnError();
        Assert.Single(run.Output);
        OneActivityCompletedOnce(Batch(run, "New-DcosCertificate"));
    }

    [Fact]
    public void A_single_certificate_by_parameter_has_a_known_count()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        var run = ps.Run(@"
            $ca = New-TlsCertificateAuthority -CommonName 'Progress CA' -KeyAlgorithm ECDSA
            New-DcosCertificate -Issuer $ca -CommonName one.example.com -KeyAlgorithm ECDSA").ThrowOnError();
        var records = Batch(run, "New-DcosCertificate");
        OneActivityCompletedOnce(records);
        var update = Assert.Single(records, p => p.RecordType == ProgressRecordType.Processing);
        Assert.Equal(100, update.PercentComplete);
        Assert.Contains("1 of 1", update.StatusDescription);
    }

    [Fact]
    public void WhatIf_issues_nothing_and_shows_no_progress()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        // Select-Object comes from the pwsh tool's own Utility module: the hosted engine has none.
        ps.Set("utility", Path.Combine(Repo.PwshToolHome(), "Microsoft.PowerShell.Commands.Utility.dll"));
        var run = ps.Run(@"
            Import-Module $utility -ErrorAction Stop
            $ca = New-TlsCertificateAuthority -CommonName 'Progress CA' -KeyAlgorithm ECDSA
            'a.example.com', 'b.example.com' | New-DcosCertificate -Issuer $ca -KeyAlgorithm ECDSA -WhatIf").ThrowOnError();
        Assert.Empty(run.Output);
        Assert.Empty(Batch(run, "New-DcosCertificate"));
    }
}
