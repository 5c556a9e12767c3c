namespace DcosTls.Lifecycle;

/// <summary>
/// -RenewBefore as given: a number of days before expiry ("30", "30d"), or a share of the lifetime
/// left ("1/3", "33%", "0.33").
/// </summary>
internal sealed record RenewBefore(double? Days, double? Share)
{
    /// <summary>The value read, or null with <paramref name="problem"/> saying what is wrong.</summary>
    internal static RenewBefore? Parse(string text, out string? problem)
    {
        problem = null;
        string t = (text ?? string.Empty).Trim();
        var invariant = CultureInfo.InvariantCulture;
        double share;
        if (t.EndsWith('%') && double.TryParse(t[..^1], NumberStyles.Float, invariant, out double percent)) share = percent / 100;
        else if (t.Split('/') is [var n, var d] && double.TryParse(n, NumberStyles.Float, invariant, out double num)
                 && double.TryParse(d, NumberStyles.Float, invariant, out double den) && den != 0) share = num / den;
        else if (t.StartsWith("0.", StringComparison.Ordinal) && double.TryParse(t, NumberStyles.Float, invariant, out double fraction)) share = fraction;
        else
        {
            string days = t.EndsWith('d') ? t[..^1] : t;
            if (double.TryParse(days, NumberStyles.Float, invariant, out double d2) && d2 >= 0 && d2 <= 36500) return new RenewBefore(d2, null);
            problem = $"-RenewBefore '{text}' is neither days (e.g. 30) nor a share of the lifetime left (e.g. '1/3' or '33%').";
            return null;
        }
        if (share <= 0 || share >= 1 || double.IsNaN(share))
        {
            problem = $"-RenewBefore '{text}' is a share of the lifetime of {share.ToString("0.###", invariant)}; give one between 0 and 1 (e.g. '1/3' or '33%').";
            return null;
        }
        return new RenewBefore(null, share);
    }

    public override string ToString() => Days is double d ? $"{d.ToString("0.##", CultureInfo.InvariantCulture)} days" : $"{(Share ?? 0) * 100:0.#}% of the lifetime";
}

/// <summary>Whether a certificate is due, the rule that said so, and when it is (or was) due.</summary>
internal sealed record RenewalDecision(bool Due, string Rule, DateTime RenewAt);

/// <summary>
/// When a certificate is renewed. Default (rule TwoThirds): once two thirds of its lifetime have passed,
/// less a stable jitter of up to <see cref="JitterShare"/> of the lifetime, so that a fleet of certificates
/// issued in the same minute is not renewed in the same minute. The jitter is a fraction from a hash of the
/// certificate's thumbprint and the host name: the same certificate on the same host always gets the same
/// time, so daily runs agree with each other. -RenewBefore days (rule Days) or a share (rule Share) replace
/// the default and are exact. An ACME server's renewal window (RFC 9773; rule RenewalInfo) is used when it is
/// earlier than the rule's time: a point in the window chosen by the same fraction (<paramref name="suggested"/>, chosen where the window was read). -Force (rule Force) is due
/// always. Pure: everything comes in as arguments.
/// </summary>
internal static class RenewalRule
{
    internal const string TwoThirds = "TwoThirds";
    internal const string Days = "Days";
    internal const string Share = "Share";
    internal const string RenewalInfo = "RenewalInfo";
    internal const string Force = "Force";

    /// <summary>The most the default renews earlier than two thirds of the lifetime: 5% of the lifetime.</summary>
    internal const double JitterShare = 0.05;

    /// <summary>A fraction in [0, 1) that stays the same for this certificate on this host.</summary>
    internal static double JitterFraction(string thumbprint, string host)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(thumbprint.ToUpperInvariant() + "\n" + host.ToLowerInvariant()));
        return BitConverter.ToUInt64(hash, 0) / (ulong.MaxValue + 1.0);
    }

    internal static RenewalDecision Decide(DateTime notBefore, DateTime notAfter, DateTime now, RenewBefore? window, double jitter, bool force,
        DateTime? suggested = null)
    {
        if (force) return new RenewalDecision(true, Force, now);
        var lifetime = notAfter - notBefore;
        (string rule, DateTime at) = window switch
        {
            { Days: double days } => (Days, notAfter.AddDays(-days)),
            { Share: double share } => (Share, notAfter - lifetime * share),
            _ => (TwoThirds, notBefore + lifetime * (2.0 / 3 - JitterShare * jitter)),
        };
        if (suggested is { } point && point < at) (rule, at) = (RenewalInfo, point);
        return new RenewalDecision(now >= at, rule, at);
    }

    /// <summary>
    /// A window of days as long as the lifetime or longer: a renewed certificate of the same lifetime
    /// would be due again at once, so every run would renew it.
    /// </summary>
    internal static bool WindowExceedsLifetime(DateTime notBefore, DateTime notAfter, RenewBefore? window)
        => window is { Days: double days } && days >= (notAfter - notBefore).TotalDays;
}
