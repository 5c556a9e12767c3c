using System.Management.Automation;
using DcosTls.Tests.Infrastructure;
using Xunit;

namespace DcosTls.Tests.Progress;

/// <summary>What every batch's progress must look like, whichever cmdlet writes it.</summary>
internal static class ProgressAssert
{
    /// <summary>The records of one cmdlet's batch activity (not the key-generation bar).</summary>
    internal static List<ProgressRecord> Batch(PwshResult run, string activity)
        => run.Progress.Where(p => p.Activity.StartsWith(activity, StringComparison.Ordinal)).ToList();

    /// <summary>One activity id for the batch, and exactly one Completed record, the last.</summary>
    internal static void OneActivityCompletedOnce(List<ProgressRecord> records)
    {
        Assert.NotEmpty(records);
        Assert.Single(records.Select(p => p.ActivityId).Distinct());
        Assert.Single(records, p => p.RecordType == ProgressRecordType.Completed);
        Assert.Equal(ProgressRecordType.Completed, records[^1].RecordType);
    }
}
