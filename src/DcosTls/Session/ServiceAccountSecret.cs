using DcosTls.Certificates;
using DcosTls.Common;

namespace DcosTls.Session;

/// <summary>
/// The service-account secret as `dcos security secrets create-sa-secret` and New-DcosServiceAccount
/// store it: {"scheme":"RS256","uid":...,"private_key":"&lt;PEM&gt;","login_endpoint":...}. Read here into a
/// ServiceAccountLogin; no message ever quotes the document (it holds the key).
/// </summary>
internal static class ServiceAccountSecret
{
    internal static string Build(string uid, string privateKeyPem, string loginEndpoint)
        => new JsonObject
        {
            ["scheme"] = "RS256",
            ["uid"] = uid,
            ["private_key"] = privateKeyPem,
            ["login_endpoint"] = loginEndpoint,
        }.ToJsonString();

    /// <summary>True when the text looks like the JSON document rather than a PEM key.</summary>
    internal static bool IsDocument(ReadOnlySpan<char> text) => text.TrimStart().StartsWith("{");

    /// <summary>The uid and key of the document; errors name what is missing, never a value.</summary>
    internal static ServiceAccountLogin Read(ReadOnlySpan<char> text, string source)
    {
        string? uid, scheme, pem;
        try
        {
            using var doc = JsonDocument.Parse(text.ToString());
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Invalid(source, "is not a JSON object");
            string? Field(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            uid = Field("uid");
            scheme = Field("scheme");
            pem = Field("private_key");
        }
        catch (JsonException)
        {
            throw Invalid(source, "is not JSON");
        }
        if (string.IsNullOrEmpty(uid)) throw Invalid(source, "has no \"uid\"");
        if (string.IsNullOrEmpty(pem)) throw Invalid(source, "has no \"private_key\"");
        if (scheme != null && scheme != "RS256") throw Invalid(source, $"has the scheme '{ServerTextSafe(scheme)}'; service accounts log in with RS256");
        AsymmetricAlgorithm? key = null;
        try
        {
            var block = PemBlock.ReadAll(pem).FirstOrDefault(PrivateKeyReader.IsKey);
            if (block != null) key = PrivateKeyReader.Read(block, ReadOnlySpan<char>.Empty, hasPassword: false);
        }
        catch (Exception e) when (e is CryptographicException or KeyPasswordException) { key = null; }
        if (key is not RSA rsa)
        {
            key?.Dispose();
            throw Invalid(source, "holds no unencrypted RSA private key under \"private_key\"");
        }
        return new ServiceAccountLogin(uid, rsa);
    }

    private static string ServerTextSafe(string text) => new(text.Take(20).Where(c => !char.IsControl(c)).ToArray());

    private static DcosTlsException Invalid(string source, string why)
        => new("ServiceAccountSecretInvalid", ErrorCategory.InvalidData,
            $"The service-account secret {source} {why}. Give the JSON New-DcosServiceAccount or 'dcos security secrets create-sa-secret' stored (scheme, uid, private_key, login_endpoint).", source);
}
