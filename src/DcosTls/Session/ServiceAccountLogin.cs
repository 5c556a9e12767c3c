using DcosTls.Common;

namespace DcosTls.Session;

/// <summary>
/// A service account's login: the client signs a short-lived RS256 JWT {uid, exp} with the
/// account's private key (a JWT with claim uid, RS256) and trades it for a token. The key stays in memory so
/// that an expired session can log in again by itself.
/// </summary>
internal sealed class ServiceAccountLogin : IDisposable
{
    private static readonly TimeSpan LoginTokenLifetime = TimeSpan.FromMinutes(5);
    private readonly RSA _key;

    internal ServiceAccountLogin(string uid, RSA key)
    {
        Uid = uid;
        _key = key;
    }

    internal string Uid { get; }

    internal string CreateLoginToken()
    {
        var header = new JsonObject { ["alg"] = "RS256", ["typ"] = "JWT" };
        var payload = new JsonObject { ["uid"] = Uid, ["exp"] = DateTimeOffset.UtcNow.Add(LoginTokenLifetime).ToUnixTimeSeconds() };
        string signingInput = Base64Url.Encode(header.ToJsonString()) + "." + Base64Url.Encode(payload.ToJsonString());
        byte[] signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url.Encode(signature);
    }


    public void Dispose() => _key.Dispose();
}
