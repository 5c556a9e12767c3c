using System.Text;
using DcosTls.Common;
using DcosTls.Session;
using Xunit;

namespace DcosTls.UnitTests;

public class ServerTextAndJsonTests
{
    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
    private static string B64Url(string s) => B64(s).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [Theory]
    [InlineData("invalid request body: {\"auths\":{\"repo:5000\":{\"auth\":\"cHVsbGVyOnMzY3JldA==\"}}}", "cHVsbGVyOnMzY3JldA")]
    [InlineData("invalid request body: {\\\"value\\\":\\\"{\\\\\\\"auths\\\\\\\":{\\\\\\\"repo\\\\\\\":{\\\\\\\"auth\\\\\\\":\\\\\\\"cHVsbGVyOnMzY3JldA==\\\\\\\"}}}\\\"}", "cHVsbGVyOnMzY3JldA")]
    [InlineData("bad login {\"uid\":\"bob\",\"password\":\"hunter2hunter2\"}", "hunter2hunter2")]
    [InlineData("header Authorization: token=abcdefghijkl was refused", "abcdefghijkl")]
    [InlineData("got eyJhbGciOiJIUzI1NiJ9.eyJ1aWQiOiJib2IifQ.c2lnbmF0dXJl back", "eyJhbGciOiJIUzI1NiJ9")]
    [InlineData("login cHVsbGVyOnMzY3JldA refused", "cHVsbGVyOnMzY3JldA")]
    public void Server_text_loses_anything_shaped_like_a_credential(string text, string secret)
    {
        string quoted = ServerText.Quote(text);
        Assert.DoesNotContain(secret, quoted);
        Assert.Contains(ServerText.Redacted, quoted);
    }

    [Fact]
    public void Server_text_loses_the_caller_secrets_plain_base64_and_escaped()
    {
        const string password = "p\"w:ord with spaces";
        string text = $"echo: {password} / {B64(password)} / {System.Text.Json.JsonEncodedText.Encode(password)}";
        string quoted = ServerText.Quote(text, password);
        Assert.DoesNotContain("ord with spaces", quoted);
        Assert.DoesNotContain(B64(password), quoted);
    }

    [Fact]
    public void Server_text_keeps_ordinary_messages_and_cuts_long_ones()
    {
        Assert.Equal("Secret default/foo already exists", ServerText.Quote("Secret default/foo already exists"));
        Assert.Equal("line one line two", ServerText.Quote("line one\nline two"));
        Assert.True(ServerText.Quote(new string('x', 2000)).Length <= 301);
    }

    [Theory]
    [InlineData("{\"a\":1,\"a\":2}", "a")]
    [InlineData("{\"auths\":{\"repo:5000\":{},\"repo:5000\":{}}}", "auths.repo:5000")]
    [InlineData("{\"x\":[{\"k\":1,\"k\":1}]}", "x.k")]
    [InlineData("{\"a\":{\"b\":1},\"c\":{\"b\":1}}", null)]
    [InlineData("[{\"a\":1},{\"a\":1}]", null)]
    public void Duplicate_json_keys_are_found_with_their_path(string json, string? expected)
        => Assert.Equal(expected, JsonDuplicateKeys.Find(Encoding.UTF8.GetBytes(json)));

    public static TheoryData<string, string?> Tokens()
    {
        string header = B64Url("{\"alg\":\"RS256\",\"typ\":\"JWT\"}");
        return new TheoryData<string, string?>
        {
            { $"{header}.{B64Url("{\"uid\":\"bob\",\"exp\":1900000000}")}.c2ln", null },
            { $"{header}.{B64Url("{\"uid\":\"bob\",\"exp\":1e300}")}.c2ln", "exp" },
            { $"{header}.{B64Url("{\"uid\":\"bob\",\"exp\":-5}")}.c2ln", "exp" },
            { $"{header}.{B64Url("{\"uid\":\"bob\",\"exp\":\"soon\"}")}.c2ln", "exp" },
            { $"{header}.{B64Url("[1,2]")}.c2ln", "payload" },
            { $"{header}.{B64Url("\"text\"")}.c2ln", "payload" },
            { $"{header}.bm90IGpzb24.c2ln", "payload" },
            { "abc.def", "three" },
            { "a.b.c.d", "three" },
            { $"{header}.{B64Url("{}")}.c2ln\r\nX-Injected: 1", "line breaks" },
            { $"{header}.{B64Url("{}")}.sïg", "non-ASCII" },
            { $"{header}.{B64Url("{}")}.c2ln+/", "base64url" },
        };
    }

    [Theory]
    [MemberData(nameof(Tokens))]
    public void Login_tokens_that_are_not_compact_jws_are_named(string token, string? expectedWord)
    {
        string? problem = JwtClaims.Problem(token);
        if (expectedWord == null) Assert.Null(problem);
        else Assert.Contains(expectedWord, problem);
    }

    [Fact]
    public void Reading_claims_never_throws_for_odd_payloads()
    {
        string header = B64Url("{\"alg\":\"none\"}");
        foreach (string payload in new[] { "{\"exp\":1e300}", "[1]", "\"x\"", "{\"exp\":-1e20}" })
        {
            var (_, expires) = JwtClaims.Read($"{header}.{B64Url(payload)}.x");
            Assert.Null(expires);
        }
    }
}
