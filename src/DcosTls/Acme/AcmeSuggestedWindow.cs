using System.Text.Json;
using DcosTls.Common;
using DcosTls.Files;

namespace DcosTls.Acme;

/// <summary>
/// The renewal time an ACME server suggests for a certificate it issued (RFC 9773), for the due rule
/// of a renewal, asked at most once per Retry-After: the answer is kept beside the certificate's
/// renewal description (<see cref="KeptRenewalInfo"/>), and a run before its retry time decides from
/// it and contacts nothing. Null when the server offers no renewal information, and also when its
/// answer cannot be used (the RFC asks a client to treat an unusable answer as none); both are kept
/// too, so a server without it is not asked on every run. <paramref name="log"/> says where the
/// decision came from (the kept answer and until when, or the server just asked) and why the
/// certificate's own dates decide when they do.
/// </summary>
internal static class AcmeSuggestedWindow
{
    /// <summary>How long a directory without "renewalInfo" is believed: a CA rarely starts offering it, and a day is the longest Retry-After kept.</summary>
    internal static readonly TimeSpan NoRenewalInfoKept = AcmeRenewalInfo.LongestRetryAfter;

    /// <summary>How long an error without Retry-After is kept before the server is asked again (RFC 9773 asks for backing off; a run a day keeps it gentle anyway).</summary>
    internal static readonly TimeSpan FailureKept = TimeSpan.FromHours(1);

    /// <param name="writer">Writes the kept answer (atomically, under -Root; nothing under -WhatIf).</param>
    /// <param name="keptPath">Agent path of the kept answer ("&lt;certificate file&gt;.renewal-info.json").</param>
    /// <param name="trustedCa">Read only when the server is asked.</param>
    /// <param name="fraction">Where in the window to renew, in [0, 1): the renewal rule's stable jitter, so daily runs agree and a fleet spreads over the window.</param>
    /// <returns>The time chosen in the server's window, or null when the certificate's own dates decide.</returns>
    internal static DateTime? Ask(StagedFileWriter writer, string keptPath, Uri directory, Func<X509Certificate2?> trustedCa, X509Certificate2 certificate,
        double fraction, Action<string> log, CancellationToken cancel, DateTime? clock = null)
    {
        var now = clock ?? DateTime.UtcNow;
        string full = writer.Map(keptPath);
        string thumbprint = certificate.Thumbprint;
        var kept = KeptRenewalInfo.Read(full, writer.Paths, thumbprint, directory.ToString(), now, out string? unusable);
        if (kept != null)
        {
            log($"'{certificate.Subject}': the renewal information kept in '{full}' (asked {Show(kept.AskedAt)}) decides until {Show(kept.RetryAt)}; {directory} is not asked before then. {kept.Describe()}");
            return kept.ChosenAt;
        }
        if (unusable != null) log($"The kept renewal information '{full}' is not used ({unusable}); {directory} is asked again.");

        var answer = new KeptRenewalInfo { Thumbprint = thumbprint, Directory = directory.ToString(), AskedAt = now };
        try
        {
            var window = AcmeRenewalInfo.Fetch(directory, trustedCa(), certificate, log, cancel);
            if (window == null)
            {
                answer.Answer = KeptRenewalInfo.NoRenewalInfo;
                answer.RetryAt = now + NoRenewalInfoKept;
            }
            else
            {
                answer.Answer = KeptRenewalInfo.Window;
                answer.CertificateId = window.CertificateId;
                answer.WindowStart = window.Start.UtcDateTime;
                answer.WindowEnd = window.End.UtcDateTime;
                answer.ChosenAt = answer.WindowStart + (answer.WindowEnd - answer.WindowStart) * Math.Clamp(fraction, 0, 1);
                answer.ExplanationUrl = window.ExplanationUrl;
                answer.RetryAfterSeconds = (long)window.RetryAfter.TotalSeconds;
                answer.RetryAt = now + window.RetryAfter;
            }
        }
        catch (AcmeProblemException e)
        {
            log($"The renewal information for '{certificate.Subject}' was not used ({e.ErrorId}): {e.Message}");
            var again = e.RetryAfter is { } r ? AcmeRenewalInfo.Clamp(r) : FailureKept;
            answer.Answer = KeptRenewalInfo.Failed;
            answer.ErrorId = e.ErrorId;
            answer.RetryAfterSeconds = (long)again.TotalSeconds;
            answer.RetryAt = now + again;
        }
        answer.RetryAfterSeconds ??= (long)(answer.RetryAt - now).TotalSeconds;
        log($"Asked {directory} for the renewal information of '{certificate.Subject}': {answer.Describe()} Kept in '{full}' until {Show(answer.RetryAt)}.");
        if (!writer.DryRun) writer.WriteBytes(keptPath, answer.ToBytes(), StagedFileWriter.PublicFile);
        return answer.ChosenAt;
    }

    internal static string Show(DateTime time) => time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";
}
