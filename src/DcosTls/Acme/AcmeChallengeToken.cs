namespace DcosTls.Acme;

/// <summary>
/// The server's challenge token is hostile input that becomes a file name (-WebRoot), a URL path
/// (-HttpPort) and part of a TXT digest: RFC 8555 section 8.1 allows only base64url without padding, so
/// anything else (a '/', '..', a control character) is refused before it is used.
/// </summary>
internal static class AcmeChallengeToken
{
    // Let's Encrypt and pebble send 43 characters; the bound keeps a hostile token from being a payload.
    private const int MaxLength = 1024;

    internal static bool IsValid(string? token)
        => !string.IsNullOrEmpty(token) && token.Length <= MaxLength && token.All(IsBase64UrlChar);

    /// <summary>The token, or AcmeChallengeTokenInvalid naming it (printable, cut short).</summary>
    internal static string Require(string? token, string identifier)
        => IsValid(token) ? token! : throw new AcmeProblemException("AcmeChallengeTokenInvalid", ErrorCategory.InvalidResult,
            $"The ACME server's challenge token for '{identifier}' is not base64url ({Shown(token)}); nothing was published. " +
            "The server is broken or hostile: check -AcmeDirectory.", identifier: identifier);

    private static bool IsBase64UrlChar(char c) => c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_';

    private static string Shown(string? token)
    {
        if (token == null) return "none given";
        if (token.Length == 0) return "empty";
        string printable = new(token.Take(40).Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray());
        return $"'{printable}{(token.Length > 40 ? "..." : string.Empty)}'";
    }
}
