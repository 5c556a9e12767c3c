using DcosTls.Common;

namespace DcosTls.Acme;

/// <summary>
/// Flattened JWS (RFC 7515) signed with the account's P-256 key (ES256), as every ACME POST is sent.
/// The first request names the key (jwk); later ones name the account URL (kid).
/// </summary>
internal sealed class AcmeJws
{
    private readonly ECDsa _key;

    internal AcmeJws(ECDsa key)
    {
        if (key.KeySize != 256) throw new ArgumentException("The ACME account key must be ECDSA P-256.", nameof(key));
        _key = key;
    }

    /// <summary>The public key as a JWK with its members in the order RFC 7638 hashes them.</summary>
    internal JsonObject Jwk()
    {
        var p = _key.ExportParameters(false);
        return new JsonObject
        {
            ["crv"] = "P-256",
            ["kty"] = "EC",
            ["x"] = Base64Url.Encode(p.Q.X),
            ["y"] = Base64Url.Encode(p.Q.Y),
        };
    }

    /// <summary>RFC 7638 thumbprint: the second half of every key authorization.</summary>
    internal string Thumbprint()
        => Base64Url.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(Jwk().ToJsonString())));

    internal string KeyAuthorization(string token) => token + "." + Thumbprint();

    /// <summary>A JWS body; a null payload is a POST-as-GET (empty payload).</summary>
    internal string Sign(string url, string nonce, string? kid, JsonNode? payload)
    {
        var header = new JsonObject { ["alg"] = "ES256", ["nonce"] = nonce, ["url"] = url };
        if (kid != null) header["kid"] = kid; else header["jwk"] = Jwk();
        string protectedPart = Base64Url.Encode(header.ToJsonString());
        string payloadPart = payload == null ? string.Empty : Base64Url.Encode(payload.ToJsonString());
        // .NET's ECDsa signs in IEEE P1363 form (r || s), which is what JWS's ES256 wants.
        byte[] signature = _key.SignData(Encoding.ASCII.GetBytes(protectedPart + "." + payloadPart), HashAlgorithmName.SHA256);
        return new JsonObject
        {
            ["protected"] = protectedPart,
            ["payload"] = payloadPart,
            ["signature"] = Base64Url.Encode(signature),
        }.ToJsonString();
    }
}
