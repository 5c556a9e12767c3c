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

    internal static void Run(Cmdlet cmdlet, CertificateSpec spec, string activity, Action work)
    {
        bool slow = spec.KeyAlgorithm == KeyAlgorithm.RSA && spec.KeySize >= 4096;
        var record = new ProgressRecord(KeyGeneration, activity, $"Generating {spec.KeyAlgorithm} {spec.KeySize}-bit key");
        if (slow) cmdlet.WriteProgress(record);
        try
        {
            work();
        }
        finally
        {
            if (slow)
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
