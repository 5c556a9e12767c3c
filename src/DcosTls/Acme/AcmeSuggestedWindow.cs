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

/// <summary>
/// The last renewal-information answer for one certificate, kept beside its renewal description as
/// "&lt;certificate file&gt;.renewal-info.json": the suggested window, the time chosen in it, the
/// explanation URL, when it was asked and when the server may be asked again; or that the server
/// offers none, or that its answer was not usable (the error id only). It holds nothing secret. It
/// is read again only for the same certificate (thumbprint) and directory, and only before its retry
/// time; a retry time further ahead than the longest this module keeps (the clock went back, or the
/// file was edited) is not believed.
/// </summary>
internal sealed class KeptRenewalInfo
{
    internal const string Suffix = ".renewal-info.json";
    internal const string Window = "Window";
    internal const string NoRenewalInfo = "NoRenewalInfo";
    internal const string Failed = "Failed";

    /// <summary>A kept answer is a few hundred bytes.</summary>
    private const int MaxBytes = 16 * 1024;

    public int Version { get; set; } = 1;
    public string Thumbprint { get; set; } = string.Empty;
    public string? CertificateId { get; set; }
    public string Directory { get; set; } = string.Empty;

    /// <summary>Window, NoRenewalInfo or Failed.</summary>
    public string Answer { get; set; } = string.Empty;
    public DateTime? WindowStart { get; set; }
    public DateTime? WindowEnd { get; set; }

    /// <summary>The time in the window the renewal is due (the rule's stable fraction of it).</summary>
    public DateTime? ChosenAt { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("explanationURL")]
    public string? ExplanationUrl { get; set; }
    public string? ErrorId { get; set; }
    public DateTime AskedAt { get; set; }

    /// <summary>The server's Retry-After as held to [1 minute, 1 day] (or this module's own wait when it gave none).</summary>
    public long? RetryAfterSeconds { get; set; }
    public DateTime RetryAt { get; set; }

    /// <summary>The path of the kept answer beside a certificate file.</summary>
    internal static string PathFor(string certificateFile) => certificateFile + Suffix;

    internal string Describe() => Answer switch
    {
        Window => $"renew between {AcmeSuggestedWindow.Show(WindowStart!.Value)} and {AcmeSuggestedWindow.Show(WindowEnd!.Value)} (chosen: {AcmeSuggestedWindow.Show(ChosenAt!.Value)})"
            + (ExplanationUrl == null ? "." : $"; the CA explains why at {ExplanationUrl}."),
        NoRenewalInfo => "the server offers no renewal information; the certificate's own dates decide.",
        _ => $"its answer was not usable ({ErrorId}); the certificate's own dates decide.",
    };

    internal byte[] ToBytes()
        => new UTF8Encoding(false).GetBytes(JsonSerializer.Serialize(this, Options) + "\n");

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    /// <summary>
    /// The kept answer that still decides for this certificate, or null: none kept, another
    /// certificate's or directory's, its retry time come, or unreadable (then <paramref name="unusable"/> says why).
    /// </summary>
    internal static KeptRenewalInfo? Read(string full, AgentRoot root, string thumbprint, string directory, DateTime now, out string? unusable)
    {
        unusable = null;
        if (StagedFileWriter.Entry(full) == null) return null;
        KeptRenewalInfo? kept;
        try
        {
            byte[] content = InstalledFile.Read(full, root);
            if (content.Length > MaxBytes) throw new InvalidDataException($"it is longer than {MaxBytes} bytes");
            if (JsonDuplicateKeys.Find(content) is { } twice) throw new InvalidDataException($"'{twice}' appears twice");
            kept = JsonSerializer.Deserialize<KeptRenewalInfo>(content, Options);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or IOException or UnauthorizedAccessException or DcosTlsException)
        {
            unusable = $"it cannot be read: {e.Message.TrimEnd('.')}";
            return null;
        }
        if (kept == null || kept.Version != 1 || kept.Answer is not (Window or NoRenewalInfo or Failed)
            || (kept.Answer == Window && (kept.WindowStart is not { } s || kept.WindowEnd is not { } e2 || e2 <= s || kept.ChosenAt is not { } c || c < s || c > e2)))
        {
            unusable = "it is not a kept answer of this module";
            return null;
        }
        if (!kept.Thumbprint.Equals(thumbprint, StringComparison.OrdinalIgnoreCase) || kept.Directory != directory) return null;
        kept.AskedAt = kept.AskedAt.ToUniversalTime();
        kept.RetryAt = kept.RetryAt.ToUniversalTime();
        if (kept.RetryAt <= now) return null;
        if (kept.RetryAt > now + AcmeRenewalInfo.LongestRetryAfter || kept.AskedAt > now + TimeSpan.FromMinutes(5))
        {
            unusable = $"its retry time {AcmeSuggestedWindow.Show(kept.RetryAt)} is further ahead than a day";
            return null;
        }
        kept.WindowStart = kept.WindowStart?.ToUniversalTime();
        kept.WindowEnd = kept.WindowEnd?.ToUniversalTime();
        kept.ChosenAt = kept.ChosenAt?.ToUniversalTime();
        return kept;
    }
}
