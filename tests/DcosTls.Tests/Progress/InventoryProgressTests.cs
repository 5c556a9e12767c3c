using System.Management.Automation;
using DcosTls.Tests.Infrastructure;
using Xunit;
using static DcosTls.Tests.Progress.ProgressAssert;

namespace DcosTls.Tests.Progress;

/// <summary>The inventory of a large agent moves a bar per store and folder, one activity per cmdlet.</summary>
public class InventoryProgressTests
{
    [Fact]
    public void The_inventory_reports_each_store_and_folder_under_one_activity()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["root"]);
        Directory.CreateDirectory(dir["client1"]);
        Directory.CreateDirectory(dir["client2"]);
        Directory.CreateDirectory(dir["root/metrics"]);
        using var ps = new Pwsh(dir.Path);
        var get = ps.Run("Get-DcosTlsCertificate -Root ./root -Path ./client1, ./client2").ThrowOnError();
        var records = Batch(get, "Get-DcosTlsCertificate");
        OneActivityCompletedOnce(records);
        var updates = records.Where(p => p.RecordType == ProgressRecordType.Processing).ToList();
        Assert.Contains(updates, p => p.StatusDescription.Contains("client1", StringComparison.Ordinal));
        Assert.Contains(updates, p => p.StatusDescription.Contains("client2", StringComparison.Ordinal));
        Assert.Contains(updates, p => p.StatusDescription.Contains("daemon.json", StringComparison.Ordinal));
        Assert.All(updates, p => Assert.InRange(p.PercentComplete, 0, 100));

        var export = ps.Run("Export-DcosTlsMetric -TextfileDirectory /metrics -Root ./root -Path ./client1").ThrowOnError();
        var metric = Batch(export, "Export-DcosTlsMetric");
        OneActivityCompletedOnce(metric);
        Assert.NotEqual(records[0].ActivityId, metric[0].ActivityId);
    }
}
