namespace DcosTls.Common;

/// <summary>Base64 without padding, URL alphabet, as JWS uses it: ACME requests and the service-account login token.</summary>
internal static class Base64Url
{
    internal static string Encode(ReadOnlySpan<byte> data)
        => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    internal static string Encode(string text) => Encode(System.Text.Encoding.UTF8.GetBytes(text));
}
