
namespace DcosTls.Common;

/// <summary>
/// Progress for work long enough to wonder about: a bar for key generation (RSA ≥ 4096), and one
/// <see cref="BatchProgress"/> activity per batch for the cmdlets that go through many items.
/// </summary>
internal static class ProgressReporter
{
    // One stable id per cmdlet: a host keeps one bar per id, so two cmdlets in one pipeline do not
    // overwrite each other's bar, and a script reading the progress stream can tell them apart.
    internal const int KeyGeneration = 0x0DC05;
    internal const int NewCertificate = 0x0DC06;
    internal const int AgentProvisioning = 0x0DC07;
    internal const int CertificateInventory = 0x0DC08;
    internal const int MetricExport = 0x0DC09;
    internal const int AcmeRenewal = 0x0DC0A;

    /// <summary>
    /// One bar around <paramref name="work"/> when <paramref name="show"/> (a step slow enough to wonder
    /// about, such as generating an RSA 4096 key: see the cmdlets' KeyGenerationProgress), completed when it ends.
    /// </summary>
    internal static void Around(Cmdlet cmdlet, int activityId, string activity, string status, bool show, Action work)
    {
        var record = new ProgressRecord(activityId, activity, status);
        if (show) cmdlet.WriteProgress(record);
        try
        {
            work();
        }
        finally
        {
            if (show)
            {
                record.RecordType = ProgressRecordType.Completed;
                cmdlet.WriteProgress(record);
            }
        }
    }

    /// <summary>One activity for a whole batch; <paramref name="total"/> when the count is known up front.</summary>
    internal static BatchProgress Batch(Cmdlet cmdlet, int activityId, string activity, int? total = null)
        => new(cmdlet, activityId, activity, total);
}
