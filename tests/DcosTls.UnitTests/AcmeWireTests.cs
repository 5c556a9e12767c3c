using System.Security;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DcosTls.Acme;
using DcosTls.Acme.Dns;
using DcosTls.Common;
using Xunit;

namespace DcosTls.UnitTests;

/// <summary>
/// The bytes ACME and DNS-01 put on the wire, against values computed by independent code: the JWK
/// thumbprint and the update messages were produced with Python's cryptography and dnspython (names
/// uncompressed, the same id and signing time), the answers are dnspython's responses.
/// </summary>
public class AcmeWireTests
{
    // A fixed P-256 key: d is SHA-256 of "DcosTls JWS unit test key"; x and y derived from it elsewhere.
    private const string D = "h32CGLDo9Dr9ihTa086MPkuK-B8Xaq52-PfRvYPuW9U";
    private const string X = "H7-acVtn6YNVZOQJv_t2s4PQu1M4UPRTFulyZt-nMdM";
    private const string Y = "LCBDHY2QDZq1MJdYOVAOfEz1OO-58lODOwx10DEOZoU";

    private static byte[] FromBase64Url(string text)
    {
        string s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s + new string('=', (4 - s.Length % 4) % 4));
    }

    private static ECDsa FixedKey() => ECDsa.Create(new ECParameters
    {
        Curve = ECCurve.NamedCurves.nistP256,
        D = FromBase64Url(D),
        Q = new ECPoint { X = FromBase64Url(X), Y = FromBase64Url(Y) },
    });

    [Fact]
    public void Jwk_thumbprint_is_the_rfc7638_hash_of_the_sorted_members()
    {
        using var key = FixedKey();
        var jws = new AcmeJws(key);
        Assert.Equal($"{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{X}\",\"y\":\"{Y}\"}}", jws.Jwk().ToJsonString());
        Assert.Equal("l9txA9Gli5n8D0usr9CWafxrCcsgrrC2HNJqPcQ7eHE", jws.Thumbprint());
        Assert.Equal("tok-123.l9txA9Gli5n8D0usr9CWafxrCcsgrrC2HNJqPcQ7eHE", jws.KeyAuthorization("tok-123"));
    }

    [Fact]
    public void First_request_names_the_key_and_is_signed_r_concatenated_with_s()
    {
        using var key = FixedKey();
        var body = JsonNode.Parse(new AcmeJws(key).Sign("https://ca.test/new-acct", "nonce-1", null, new JsonObject { ["termsOfServiceAgreed"] = true }))!;
        string protectedPart = body["protected"]!.GetValue<string>(), payloadPart = body["payload"]!.GetValue<string>();
        Assert.Equal(Base64Url.Encode(FromBase64Url(protectedPart)), protectedPart); // no padding, URL alphabet
        var header = JsonNode.Parse(FromBase64Url(protectedPart))!.AsObject();
        Assert.Equal(new[] { "alg", "nonce", "url", "jwk" }, header.Select(p => p.Key));
        Assert.Equal("ES256", header["alg"]!.GetValue<string>());
        Assert.Equal("nonce-1", header["nonce"]!.GetValue<string>());
        Assert.Equal("https://ca.test/new-acct", header["url"]!.GetValue<string>());
        Assert.Equal(X, header["jwk"]!["x"]!.GetValue<string>());
        Assert.Equal("{\"termsOfServiceAgreed\":true}", Encoding.UTF8.GetString(FromBase64Url(payloadPart)));

        byte[] signature = FromBase64Url(body["signature"]!.GetValue<string>());
        Assert.Equal(64, signature.Length);
        byte[] signedData = Encoding.ASCII.GetBytes(protectedPart + "." + payloadPart);
        Assert.True(key.VerifyData(signedData, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        // The same r and s written as the DER sequence other tools use verify too: the 64 bytes are r || s.
        byte[] der = DerSignature(signature[..32], signature[32..]);
        Assert.True(key.VerifyData(signedData, der, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
    }

    [Fact]
    public void Later_requests_name_the_account_and_a_post_as_get_has_an_empty_payload()
    {
        using var key = FixedKey();
        var body = JsonNode.Parse(new AcmeJws(key).Sign("https://ca.test/order/1", "n2", "https://ca.test/acct/7", null))!;
        var header = JsonNode.Parse(FromBase64Url(body["protected"]!.GetValue<string>()))!.AsObject();
        Assert.Equal("https://ca.test/acct/7", header["kid"]!.GetValue<string>());
        Assert.False(header.ContainsKey("jwk"));
        Assert.Equal(string.Empty, body["payload"]!.GetValue<string>());
    }

    [Fact]
    public void Account_key_must_be_p256()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Assert.Throws<ArgumentException>(() => new AcmeJws(key));
    }

    private static byte[] DerSignature(byte[] r, byte[] s)
    {
        static byte[] Integer(byte[] v)
        {
            int skip = 0;
            while (skip < v.Length - 1 && v[skip] == 0 && v[skip + 1] < 0x80) skip++;
            var body = v[skip..];
            if (body[0] >= 0x80) body = new byte[] { 0 }.Concat(body).ToArray();
            return new byte[] { 0x02, (byte)body.Length }.Concat(body).ToArray();
        }
        byte[] inner = Integer(r).Concat(Integer(s)).ToArray();
        return new byte[] { 0x30, (byte)inner.Length }.Concat(inner).ToArray();
    }

    private static TsigKey TestKey()
    {
        using var secret = new SecureString();
        foreach (char c in Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray())) secret.AppendChar(c);
        return TsigKey.FromSecret("acme-test-key", "hmac-sha256", secret);
    }

    [Theory]
    [InlineData(0x1234, DnsTypes.ClassIn, 60u,
        "1234280000010000000100010461636d65047465737400000600010f5f61636d652d6368616c6c656e6765037765620461636d65047465737400001000010000003c000c0b746f6b656e2d76616c75650d61636d652d746573742d6b65790000fa00ff00000000003d0b686d61632d7368613235360000006553f100012c0020176a32efa6169f80b73a17eac25cdf8f50419b356f52f536fb1473a4969b85a8123400000000")]
    [InlineData(0x4321, DnsTypes.ClassNone, 0u,
        "4321280000010000000100010461636d65047465737400000600010f5f61636d652d6368616c6c656e6765037765620461636d65047465737400001000fe00000000000c0b746f6b656e2d76616c75650d61636d652d746573742d6b65790000fa00ff00000000003d0b686d61632d7368613235360000006553f100012c0020c4ea4a3d299b8ccddef7b9250e6d83d7cd732e390af94b763d92fe6ef0ba47ca432100000000")]
    public void Signed_txt_update_matches_dnspython_byte_for_byte(int id, int @class, uint ttl, string expectedHex)
    {
        byte[] message = DnsUpdateMessage.Build(id, "acme.test.", "_acme-challenge.web.acme.test.", "token-value", @class, ttl);
        byte[] signed = DnsUpdateMessage.Sign(message, id, TestKey(), 1700000000, 300);
        Assert.Equal(expectedHex, Convert.ToHexString(signed).ToLowerInvariant());
    }

    [Fact]
    public void Txt_answer_with_compressed_names_is_read()
    {
        var answer = DnsMessage.Parse(Convert.FromHexString(
            "0102810000010001000100000f5f61636d652d6368616c6c656e6765037765620461636d6504746573740000100001c00c001000010000003c00120a66697273742070617274067365636f6e64c020000200010000003c0005026e73c020"));
        Assert.Equal(0x0102, answer.Id);
        Assert.Equal(0, answer.ResponseCode);
        var txt = Assert.Single(answer.Answers);
        Assert.Equal("_acme-challenge.web.acme.test.", txt.Name);
        Assert.Equal(DnsTypes.Txt, txt.Type);
        Assert.Equal("first partsecond", answer.Text(txt));
        var ns = Assert.Single(answer.Authority);
        Assert.Equal("acme.test.", ns.Name);
        Assert.Equal(0, answer.TsigError());
    }

    [Fact]
    public void Refused_update_carries_notauth_and_the_tsig_error_badsig()
    {
        var answer = DnsMessage.Parse(Convert.FromHexString(
            "1234a80900010000000000010461636d65047465737400000600010d61636d652d746573742d6b65790000fa00ff00000000003d0b686d61632d7368613235360000006553f100012c00202b9bda420ee66bd9c594819cbe228ceee881b9809df0d1d07e44b8b707ba71e5123400100000"));
        Assert.Equal(9, answer.ResponseCode);
        Assert.Equal(16, answer.TsigError());
    }
}
