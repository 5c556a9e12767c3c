namespace DcosTls.Common;

/// <summary>A progress bar for key generation that takes long enough to wonder about (RSA ≥ 4096).</summary>
internal static class ProgressReporter
{
    internal static void Run(Cmdlet cmdlet, CertificateSpec spec, string activity, Action work)
    {
        bool slow = spec.KeyAlgorithm == KeyAlgorithm.RSA && spec.KeySize >= 4096;
        var record = new ProgressRecord(0x0DC05, activity, $"Generating {spec.KeyAlgorithm} {spec.KeySize}-bit key");
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
}
