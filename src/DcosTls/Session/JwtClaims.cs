namespace DcosTls.Session;

/// <summary>Reads (never verifies: that is the cluster's job) the uid and exp claims of a DC/OS token.</summary>
internal static class JwtClaims
{
    /// <summary>
    /// Why a token is not a compact JWS this module can send and read (null when it is): three
    /// base64url parts, printable ASCII only (it goes into a header), a JSON object as header and
    /// payload, and an exp that is a date.
    /// </summary>
    internal static string? Problem(string token)
    {
        if (token.Any(c => c < 0x21 || c > 0x7e)) return "holds spaces, line breaks or non-ASCII characters";
        string[] parts = token.Split('.');
        if (parts.Length != 3 || parts[0].Length == 0 || parts[1].Length == 0) return "is not three dot-separated parts";
        if (parts.Any(p => p.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))))
            return "is not base64url-encoded";
        foreach (var (part, name) in new[] { (parts[0], "header"), (parts[1], "payload") })
        {
            try
            {
                using var doc = JsonDocument.Parse(Decode(part));
                if (doc.RootElement.ValueKind != JsonValueKind.Object) return $"has a {name} that is not a JSON object";
                if (name == "payload" && doc.RootElement.TryGetProperty("exp", out var exp))
                {
                    if (exp.ValueKind != JsonValueKind.Number || !exp.TryGetDouble(out double seconds) || seconds < 0 || seconds > 253402300799)
                        return "has an exp claim that is not a date";
                }
            }
            catch (Exception e) when (e is FormatException or JsonException or ArgumentException)
            {
                return $"has a {name} that is not base64url-encoded JSON";
            }
        }
        return null;
    }

    private static byte[] Decode(string part)
    {
        string text = part.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(text.PadRight(text.Length + (4 - text.Length % 4) % 4, '='));
    }

    internal static (string? Uid, DateTime? Expires) Read(ReadOnlySpan<char> token)
    {
        int first = token.IndexOf('.');
        if (first < 0) return (null, null);
        var rest = token[(first + 1)..];
        int second = rest.IndexOf('.');
        if (second < 0) return (null, null);
        string payload = rest[..second].ToString().Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=');
        try
        {
            using var doc = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(payload)));
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return (null, null);
            string? uid = doc.RootElement.TryGetProperty("uid", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
            DateTime? exp = doc.RootElement.TryGetProperty("exp", out var e) && e.ValueKind == JsonValueKind.Number
                && e.GetDouble() is >= 0 and <= 253402300799 ? DateTimeOffset.FromUnixTimeSeconds((long)e.GetDouble()).UtcDateTime : null;
            return (uid, exp);
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return (null, null);
        }
    }
}
