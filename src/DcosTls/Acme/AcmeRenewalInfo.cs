using DcosTls.Common;

namespace DcosTls.Acme;

// ACME Renewal Information (RFC 9773): when the CA suggests renewing a certificate it issued.
//
// The API the renewal uses (all internal, namespace DcosTls.Acme):
//   string AcmeRenewalInfo.CertificateId(X509Certificate2 certificate)
//       base64url(AKI keyIdentifier) "." base64url(DER serial content bytes), no padding.
//       A certificate without an Authority Key Identifier: AcmeRenewalInfoNoKeyId (InvalidArgument).
//   AcmeRenewalWindow? AcmeRenewalInfo.Fetch(Uri directory, X509Certificate2? trustedCa,
//           X509Certificate2 certificate, Action<string> log, CancellationToken cancel)
//   AcmeRenewalWindow? AcmeRenewalInfo.Fetch(AcmeClient client, X509Certificate2 certificate)
//       The unauthenticated GET <renewalInfo>/<certID>, TLS checked as every ACME call is
//       (trustedCa = AcmeSettings.TrustedCa, the -CaCertificatePath CA; null = system trust).
//       null when the directory has no "renewalInfo" (the caller uses its own rule).
//       Throws AcmeProblemException: AcmeRenewalInfoUnavailable (not 200: 404 ObjectNotFound, 5xx
//       ConnectionError, else InvalidResult; RetryAfter set when the server said), AcmeRenewalInfoInvalid
//       (malformed or hostile answer: not JSON, no window, end not after start, dates out of reason, a
//       window opening after the certificate expires, a body over 64 KiB), and the AcmeClient ids
//       (AcmeServerUnreachable, AcmeServerTimeout, AcmeDirectoryInvalid, AcmeDirectoryUnavailable).
//       RFC 9773 says to treat an invalid answer as no answer: a caller that wants that catches
//       AcmeProblemException in its domain class and falls back to its own rule, saying why.
//   AcmeRenewalWindow AcmeRenewalInfo.Parse(string certificateId, string body, TimeSpan? retryAfter,
//           string url, DateTimeOffset? notAfter = null, DateTimeOffset? now = null)
//   record AcmeRenewalWindow(string CertificateId, DateTimeOffset Start, DateTimeOffset End,
//           string? ExplanationUrl, TimeSpan RetryAfter)
//       DateTimeOffset ChooseTime(Random? random = null)   uniform in [Start, End)
//       bool IsDue(DateTimeOffset chosen, DateTimeOffset now) => chosen <= now   (past window = now)
//       RetryAfter: the server's Retry-After held to [1 minute, 1 day]; 6 hours when it gave none.
//       ExplanationUrl: an absolute http(s) URL or null (anything else the server put there is dropped).

/// <summary>The CA's suggested renewal window for one certificate and when to ask again.</summary>
internal sealed record AcmeRenewalWindow(string CertificateId, DateTimeOffset Start, DateTimeOffset End, string? ExplanationUrl, TimeSpan RetryAfter)
{
    /// <summary>
    /// A time drawn uniformly from [Start, End), as RFC 9773 asks, so the CA's clients do not all
    /// renew at the window's first second.
    /// </summary>
    internal DateTimeOffset ChooseTime(Random? random = null)
        => Start.AddTicks((random ?? Random.Shared).NextInt64(0, (End - Start).Ticks));

    /// <summary>A chosen time that has come (a window in the past included) means renew now.</summary>
    internal static bool IsDue(DateTimeOffset chosen, DateTimeOffset now) => chosen <= now;
}

/// <summary>
/// RFC 9773 client side: the certificate identifier, the renewalInfo GET and its answer, read without
/// trusting it: the window must be two RFC 3339 dates in a sane range with the end after the start, the
/// body is bounded, and the optional members are dropped when they are not what the RFC says.
/// </summary>
internal static partial class AcmeRenewalInfo
{
    /// <summary>A renewalInfo answer is a few hundred bytes; more is not an answer.</summary>
    internal const int MaxAnswerBytes = 64 * 1024;

    internal static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromHours(6);
    internal static readonly TimeSpan ShortestRetryAfter = TimeSpan.FromMinutes(1);
    internal static readonly TimeSpan LongestRetryAfter = TimeSpan.FromDays(1);

    // ACME was not deployed before 2015; a window years ahead is no suggestion anyone can act on.
    private static readonly DateTimeOffset EarliestSane = new(2015, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan LatestSaneAhead = TimeSpan.FromDays(3660);

    private const string AuthorityKeyIdentifierOid = "2.5.29.35";

    /// <summary>The RFC 9773 certificate identifier: base64url(AKI keyIdentifier) "." base64url(serial).</summary>
    internal static string CertificateId(X509Certificate2 certificate)
    {
        byte[]? keyId = null;
        var extension = certificate.Extensions[AuthorityKeyIdentifierOid];
        if (extension != null)
        {
            try
            {
                keyId = new X509AuthorityKeyIdentifierExtension(extension.RawData, extension.Critical).KeyIdentifier?.ToArray();
            }
            catch (CryptographicException) { }
        }
        if (keyId == null || keyId.Length == 0)
            throw new AcmeProblemException("AcmeRenewalInfoNoKeyId", ErrorCategory.InvalidArgument,
                $"The certificate '{certificate.Subject}' (serial {certificate.SerialNumber}) has no Authority Key Identifier, so the ACME server cannot be asked for its renewal information. Renew it by its own dates instead.",
                identifier: certificate.Subject);
        // SerialNumberBytes is the DER INTEGER's content as written: big-endian, with the leading 0x00
        // a serial whose top bit is set carries, which the identifier keeps.
        return CertificateId(keyId, certificate.SerialNumberBytes.Span);
    }

    internal static string CertificateId(ReadOnlySpan<byte> keyIdentifier, ReadOnlySpan<byte> serialNumber)
        => Base64Url.Encode(keyIdentifier) + "." + Base64Url.Encode(serialNumber);

    /// <summary>Fetches the window with a client of its own, trusting the directory's TLS as every ACME call does.</summary>
    internal static AcmeRenewalWindow? Fetch(Uri directory, X509Certificate2? trustedCa, X509Certificate2 certificate, Action<string> log, CancellationToken cancel)
    {
        using var client = new AcmeClient(directory, trustedCa, log, cancel);
        return Fetch(client, certificate);
    }

    /// <summary>
    /// GET renewalInfo/certID (unauthenticated, RFC 9773 section 4.2); null when the directory offers no
    /// renewalInfo.
    /// </summary>
    internal static AcmeRenewalWindow? Fetch(AcmeClient client, X509Certificate2 certificate)
    {
        string certificateId = CertificateId(certificate);
        var directory = client.Directory();
        if (directory["renewalInfo"] is null) return null;
        string baseUrl = AcmeJson.Text(directory, "renewalInfo") is { } text
            && Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment)
                ? text
                : throw Invalid(client.DirectoryUrl.ToString(), "directory's 'renewalInfo' is not an absolute http(s) URL");
        string url = baseUrl.TrimEnd('/') + "/" + certificateId;
        var (status, retryAfter, body) = client.GetBounded(url, MaxAnswerBytes);
        if (status != HttpStatusCode.OK)
        {
            var (category, what) = (int)status switch
            {
                404 => (ErrorCategory.ObjectNotFound, "does not know this certificate"),
                >= 500 => (ErrorCategory.ConnectionError, "is failing"),
                _ => (ErrorCategory.InvalidResult, "refused the request"),
            };
            throw new AcmeProblemException("AcmeRenewalInfoUnavailable", category,
                $"The ACME server's renewal information {ShortUrl(url)} answered HTTP {(int)status}: it {what}. Renew '{certificate.Subject}' by its own dates, or try again later.",
                identifier: certificate.Subject, retryAfter: retryAfter);
        }
        if (body == null) throw Invalid(url, $"answer is longer than {MaxAnswerBytes} bytes");
        return Parse(certificateId, body, retryAfter, url, certificate.NotAfter.ToUniversalTime());
    }

    /// <summary>Reads a renewalInfo answer; anything but a sane window is AcmeRenewalInfoInvalid.</summary>
    /// <param name="notAfter">The certificate's expiry: a window that opens after it is refused.</param>
    /// <param name="now">The clock the range check uses (tests set it).</param>
    internal static AcmeRenewalWindow Parse(string certificateId, string body, TimeSpan? retryAfter, string url,
        DateTimeOffset? notAfter = null, DateTimeOffset? now = null)
    {
        if (Encoding.UTF8.GetByteCount(body) > MaxAnswerBytes)
            throw Invalid(url, $"answer is longer than {MaxAnswerBytes} bytes");
        JsonObject? json = null;
        try
        {
            json = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException) { }
        if (json == null) throw Invalid(url, "answer is not a JSON object");
        // Readers disagree on a member given twice (first or last wins); a server that sends two windows sent none.
        if (JsonDuplicateKeys.Find(Encoding.UTF8.GetBytes(body)) is { } twice)
            throw Invalid(url, $"answer gives '{ServerText.Quote(twice)}' twice");
        var window = json["suggestedWindow"] as JsonObject ?? throw Invalid(url, "answer has no 'suggestedWindow' object");
        DateTimeOffset start = Date(window, "start", url), end = Date(window, "end", url);
        if (end <= start)
            throw Invalid(url, $"window ends ({Show(end)}) no later than it starts ({Show(start)})");
        var clock = now ?? DateTimeOffset.UtcNow;
        foreach (var (name, value) in new[] { ("start", start), ("end", end) })
        {
            if (value < EarliestSane || value > clock + LatestSaneAhead)
                throw Invalid(url, $"window {name} {Show(value)} is not a date anyone could renew by");
        }
        if (notAfter is { } expiry && start >= expiry)
            throw Invalid(url, $"window opens ({Show(start)}) after the certificate expires ({Show(expiry)})");

        string? explanation = AcmeJson.Text(json, "explanationURL") is { Length: <= 2048 } e
            && Uri.TryCreate(e, UriKind.Absolute, out var eu) && (eu.Scheme == Uri.UriSchemeHttps || eu.Scheme == Uri.UriSchemeHttp)
            ? eu.AbsoluteUri : null;
        TimeSpan again = retryAfter is { } r ? Clamp(r) : DefaultRetryAfter;
        return new AcmeRenewalWindow(certificateId, start.ToUniversalTime(), end.ToUniversalTime(), explanation, again);
    }

    /// <summary>
    /// A server's Retry-After held to [1 minute, 1 day], the limits RFC 9773 gives as reasonable: a
    /// daily timer does not ask more often anyway, and a server asking for a week is asked again tomorrow.
    /// </summary>
    internal static TimeSpan Clamp(TimeSpan retryAfter)
        => retryAfter < ShortestRetryAfter ? ShortestRetryAfter : retryAfter > LongestRetryAfter ? LongestRetryAfter : retryAfter;

    /// <summary>An RFC 3339 date-time with its offset; Go writes up to nine fraction digits, .NET reads seven.</summary>
    private static DateTimeOffset Date(JsonObject window, string member, string url)
    {
        string? text = AcmeJson.Text(window, member);
        var match = text == null || text.Length > 64 ? null : Rfc3339().Match(text);
        if (match == null || !match.Success)
            throw Invalid(url, $"window has no RFC 3339 '{member}'" + (text == null ? string.Empty : $" ('{ServerText.Quote(text)}')"));
        string fraction = match.Groups["fraction"].Value;
        if (fraction.Length > 8) fraction = fraction[..8];
        string zone = match.Groups["zone"].Value is "Z" or "z" ? "+00:00" : match.Groups["zone"].Value;
        string normal = $"{match.Groups["date"].Value}T{match.Groups["time"].Value}{fraction}{zone}";
        if (!DateTimeOffset.TryParse(normal, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value))
            throw Invalid(url, $"window '{member}' ('{ServerText.Quote(text)}') is not a real date");
        return value;
    }

    [GeneratedRegex(@"^(?<date>\d{4}-\d{2}-\d{2})[Tt](?<time>\d{2}:\d{2}:\d{2})(?<fraction>\.\d{1,9})?(?<zone>[Zz]|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();

    private static string Show(DateTimeOffset value) => value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static AcmeProblemException Invalid(string url, string what)
        => new("AcmeRenewalInfoInvalid", ErrorCategory.InvalidResult,
            $"The ACME server's renewal information {ShortUrl(url)} is not usable: its {what}. Renew by the certificate's own dates; report it to the CA if it persists.");

    private static string ShortUrl(string url) => Uri.TryCreate(url, UriKind.Absolute, out var u) ? u.GetLeftPart(UriPartial.Path) : "(not a URL)";
}
