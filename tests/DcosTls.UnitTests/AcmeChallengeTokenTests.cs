using DcosTls.Acme;
using Xunit;

namespace DcosTls.UnitTests;

/// <summary>
/// A challenge token is the server's text and becomes a file name under -WebRoot: anything but
/// base64url (RFC 8555 section 8.1) is refused before the disk is touched, so no token reaches outside
/// &lt;web root&gt;/.well-known/acme-challenge.
/// </summary>
public sealed class AcmeChallengeTokenTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dcostls-token-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> HostileTokens() => new()
    {
        "../../victim", "../victim", "ABSOLUTE", "..", ".", "a/b", "a\\b", "tok=", "tok en",
        "tok\nen", "tok\0en", "", "évil", new string('a', 1025),
    };

    [Theory]
    [MemberData(nameof(HostileTokens))]
    public void A_token_that_is_not_base64url_is_refused_and_nothing_is_written(string token)
    {
        string webRoot = Path.Combine(_dir, "www", "site");
        Directory.CreateDirectory(webRoot);
        string victim = Path.Combine(_dir, "www", "victim");
        File.WriteAllText(victim, "keep me");
        using var solver = new WebRootSolver(webRoot);
        var e = Assert.Throws<AcmeProblemException>(() => solver.Publish("a.test", token == "ABSOLUTE" ? victim : token, "x.y"));
        Assert.Equal("AcmeChallengeTokenInvalid", e.ErrorId);
        Assert.Equal("keep me", File.ReadAllText(victim));
        Assert.Empty(Directory.EnumerateFileSystemEntries(webRoot));
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain('\0', e.Message);
    }

    [Theory]
    [InlineData("LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0")]
    [InlineData("a-b_c")]
    public void A_base64url_token_is_published_inside_the_web_root_and_removed(string token)
    {
        using var solver = new WebRootSolver(_dir);
        string file = Path.Combine(_dir, ".well-known", "acme-challenge", token);
        using (solver.Publish("a.test", token, token + ".thumb"))
            Assert.Equal(token + ".thumb", File.ReadAllText(file));
        Assert.False(File.Exists(file));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Theory]
    [InlineData("LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0", true)]
    [InlineData("../x", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Token_check(string? token, bool valid) => Assert.Equal(valid, AcmeChallengeToken.IsValid(token));
}
