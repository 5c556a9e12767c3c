using DcosTls.Certificates;
using DcosTls.Common;

namespace DcosTls.Cmdlets;

/// <summary>
/// A progress bar while a key slow to make is generated (RSA 4096 and up take seconds); other keys are
/// made without one. Here with the cmdlets, so Common knows nothing of keys.
/// </summary>
internal static class KeyGenerationProgress
{
    internal static void Run(Cmdlet cmdlet, CertificateSpec spec, string activity, Action work)
        => ProgressReporter.Around(cmdlet, ProgressReporter.KeyGeneration, activity, $"Generating {spec.KeyAlgorithm} {spec.KeySize}-bit key",
            show: spec.KeyAlgorithm == KeyAlgorithm.RSA && spec.KeySize >= 4096, work);
}
