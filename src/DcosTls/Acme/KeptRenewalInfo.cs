using System.Text.Json;
using DcosTls.Common;
using DcosTls.Files;

namespace DcosTls.Acme;

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
