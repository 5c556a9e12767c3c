namespace DcosTls.Common;

/// <summary>
/// Text a server sent, made fit to quote in an error or a log line. A server may echo what it was
/// sent (a request body with a registry login, a password, a token), so before quoting: the caller's
/// own secrets are cut out, and so is anything shaped like a credential (an "auth", "password",
/// "token" or "secret" value, an Authorization header, a JWT, base64 of user:password). Control
/// characters go, and long text is cut short.
/// </summary>
internal static partial class ServerText
{
    internal const string Redacted = "(redacted)";
    private const int MaxLength = 300;

    internal static string Quote(string? text, params string?[] secrets)
    {
        if (string.IsNullOrEmpty(text)) return string.Empty;
        string result = text;
        foreach (string secret in secrets.Where(s => !string.IsNullOrEmpty(s) && s.Length >= 3).Cast<string>().OrderByDescending(s => s.Length))
        {
            result = result.Replace(secret, Redacted, StringComparison.Ordinal);
            result = result.Replace(Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)), Redacted, StringComparison.Ordinal);
            string escaped = System.Text.Json.JsonEncodedText.Encode(secret).ToString();
            if (escaped != secret) result = result.Replace(escaped, Redacted, StringComparison.Ordinal);
        }
        result = SecretField().Replace(result, m => m.Groups["head"].Value + Redacted);
        result = AuthorizationHeader().Replace(result, m => m.Groups["head"].Value + Redacted);
        result = Jwt().Replace(result, Redacted);
        result = Base64Word().Replace(result, m => LooksLikeLogin(m.Value) ? Redacted : m.Value);
        result = new string(result.Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Trim();
        return result.Length > MaxLength ? result[..MaxLength] + "…" : result;
    }

    /// <summary>Base64 whose text is printable and holds a ':' — the shape of Docker's "auth" (user:password).</summary>
    private static bool LooksLikeLogin(string word)
    {
        try
        {
            string padded = word.PadRight(word.Length + (4 - word.Length % 4) % 4, '=');
            string decoded = new UTF8Encoding(false, true).GetString(Convert.FromBase64String(padded));
            return decoded.Contains(':') && decoded.All(c => !char.IsControl(c));
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            return false;
        }
    }

    // "auth": "...", \"password\":\"...\", token=..., secret: ... (quoted JSON, escaped JSON or key=value)
    [GeneratedRegex(@"(?<head>\\?""?(?:auth|password|passwd|token|secret|identitytoken|registrytoken|private_key)\\?""?\s*[:=]\s*\\?""?)(?:[^""\\\s,}&]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretField();

    [GeneratedRegex(@"(?<head>(?:Authorization|Proxy-Authorization)\s*[:=]\s*\\?""?(?:token=|Bearer |Basic )?)[^""\\\s,}]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AuthorizationHeader();

    [GeneratedRegex(@"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*", RegexOptions.CultureInvariant)]
    private static partial Regex Jwt();

    [GeneratedRegex(@"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{8,}={0,2}(?![A-Za-z0-9+/=])", RegexOptions.CultureInvariant)]
    private static partial Regex Base64Word();
}
