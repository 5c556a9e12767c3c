namespace DcosTls.Acme;

/// <summary>
/// Reads members of the ACME server's JSON without trusting their types: a member that is missing or
/// is not what RFC 8555 says it is reads as null, and the caller names what it needed
/// (AcmeResponseInvalid) instead of a raw InvalidOperationException reaching the user.
/// </summary>
internal static class AcmeJson
{
    /// <summary>The member's string value, or null when it is missing or not a JSON string.</summary>
    internal static string? Text(JsonNode? node, string member)
        => node is JsonObject json && json[member] is JsonValue value && value.TryGetValue(out string? text) ? text : null;

    /// <summary>The node's own string value (an array element), or null.</summary>
    internal static string? Text(JsonNode? node)
        => node is JsonValue value && value.TryGetValue(out string? text) ? text : null;

    /// <summary>The body as a JSON object; anything else is AcmeResponseInvalid naming the URL.</summary>
    internal static JsonObject Object(string body, string url)
    {
        if (body.Length == 0) return new JsonObject();
        try
        {
            if (JsonNode.Parse(body) is JsonObject json) return json;
        }
        catch (System.Text.Json.JsonException) { }
        throw Invalid($"answer from {ShortUrl(url)} is not a JSON object");
    }

    /// <summary>An absolute http(s) URL the server gave under <paramref name="member"/>, or AcmeResponseInvalid.</summary>
    internal static string Url(JsonNode? node, string member, string what)
    {
        string? text = Text(node, member);
        if (text != null && Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
            return text;
        throw Invalid($"{what} has no usable '{member}' URL");
    }

    internal static AcmeProblemException Invalid(string what)
        => new("AcmeResponseInvalid", ErrorCategory.ProtocolError, $"The ACME server's {what}. The server is broken or not an ACME server: check -AcmeDirectory.");

    private static string ShortUrl(string url) => Uri.TryCreate(url, UriKind.Absolute, out var u) ? u.GetLeftPart(UriPartial.Path) : "the server";
}
