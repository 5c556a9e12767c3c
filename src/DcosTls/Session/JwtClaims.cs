using System.Text;
using System.Text.Json;

namespace DcosTls.Session;

/// <summary>Reads (never verifies: that is the cluster's job) the uid and exp claims of a DC/OS token.</summary>
internal static class JwtClaims
{
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
            string? uid = doc.RootElement.TryGetProperty("uid", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
            DateTime? exp = doc.RootElement.TryGetProperty("exp", out var e) && e.ValueKind == JsonValueKind.Number
                ? DateTimeOffset.FromUnixTimeSeconds((long)e.GetDouble()).UtcDateTime : null;
            return (uid, exp);
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return (null, null);
        }
    }
}
