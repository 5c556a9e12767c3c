using System.Management.Automation;
using System.Text;
using System.Text.Json.Nodes;
using DcosTls.Tests.Infrastructure;
using DcosTls.Tests.Peers;
using Xunit;

namespace DcosTls.Tests.Cluster;

/// <summary>
/// A master that answers wrongly: a login token that is not a compact JWS, an /info answer with
/// fields of the wrong type, a secrets service that echoes the request in its error. Each must
/// become an error with a stable id and a category other than NotSpecified, and no secret.
/// </summary>
[Collection(ClusterCollection.Name)]
public class ServerAnswerTests
{
    private readonly AdminRouterFixture _cluster;

    public ServerAnswerTests(AdminRouterFixture cluster) => _cluster = cluster;

    private static string B64Url(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Token(string payload) => $"{B64Url("{\"alg\":\"RS256\",\"typ\":\"JWT\"}")}.{B64Url(payload)}.c2ln";

    public static TheoryData<string, string, string> LoginAnswers => new()
    {
        { "number", "{\"token\":12}", "LoginResponseInvalid" },
        { "object", "{\"token\":{\"a\":1}}", "LoginResponseInvalid" },
        { "array", "[\"x\"]", "LoginResponseInvalid" },
        { "exp", "{\"token\":\"" + Token("{\"uid\":\"x\",\"exp\":1e300}") + "\"}", "LoginTokenInvalid" },
        { "payload", "{\"token\":\"" + Token("[1,2]") + "\"}", "LoginTokenInvalid" },
        { "parts", "{\"token\":\"abc.def\"}", "LoginTokenInvalid" },
        { "crlf", "{\"token\":\"" + Token("{}") + "\\r\\nX-Evil: 1\"}", "LoginTokenInvalid" },
    };

    [Theory]
    [MemberData(nameof(LoginAnswers))]
    public void A_login_answer_without_a_usable_token_is_refused_with_a_stable_id(string name, string answer, string errorId)
    {
        string user = "token-" + name;
        _cluster.AddUser(user, user + "-pw");
        _cluster.LoginAnswerRewrite[user] = _ => answer;
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path).Set("cred", Secrets.Credential(user, user + "-pw")).Set("uri", _cluster.Uri).Set("ca", _cluster.CaPath);
        var r = ps.Run("Connect-DcosCluster -Uri $uri -Credential $cred -CaCertificatePath $ca; 'after'");
        var error = Assert.Single(r.AllErrors);
        Assert.Equal(errorId + ",DcosTls.Cmdlets.ConnectDcosClusterCommand", error.FullyQualifiedErrorId);
        Assert.NotEqual(ErrorCategory.NotSpecified, error.CategoryInfo.Category);
        Secrets.AssertNotIn(error.ToString(), new[] { user + "-pw" });
    }

    public static TheoryData<string, string> InfoAnswers => new()
    {
        { "certificate-number", "{\"success\":true,\"result\":{\"certificate\":12},\"errors\":[],\"messages\":[]}" },
        { "result-array", "{\"success\":true,\"result\":[1],\"errors\":[],\"messages\":[]}" },
        { "success-string", "{\"success\":\"yes\",\"result\":{},\"errors\":[],\"messages\":[]}" },
        { "errors-strings", "{\"success\":false,\"result\":null,\"errors\":[\"x\"],\"messages\":[]}" },
    };

    public static TheoryData<string, string, string> SignAnswers => new()
    {
        { "sign-certificate-number", "sign", "{\"success\":true,\"result\":{\"certificate\":12},\"errors\":[],\"messages\":[]}" },
        { "newkey-key-object", "newkey", "{\"success\":true,\"result\":{\"private_key\":{\"a\":1},\"certificate_request\":\"x\"},\"errors\":[],\"messages\":[]}" },
        { "newkey-csr-array", "newkey", "{\"success\":true,\"result\":{\"private_key\":\"x\",\"certificate_request\":[1]},\"errors\":[],\"messages\":[]}" },
    };

    /// <summary>The CA's sign and newkey answers are hostile input too: a field of another type is CaResponseInvalid, and the batch goes on.</summary>
    [Theory]
    [MemberData(nameof(SignAnswers))]
    public void A_sign_answer_with_wrong_types_is_CaResponseInvalid(string name, string endpoint, string answer)
    {
        string user = "sign-" + name;
        _cluster.AddUser(user, user + "-pw");
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path).Set("cred", Secrets.Credential(user, user + "-pw")).Set("uri", _cluster.Uri).Set("ca", _cluster.CaPath);
        ps.Run("$s = Connect-DcosCluster -Uri $uri -Credential $cred -CaCertificatePath $ca").ThrowOnError();
        _cluster.CfsslAnswerRewrite[endpoint] = (_, _) => answer;
        try
        {
            string extra = endpoint == "newkey" ? " -ServerGeneratedKey" : string.Empty;
            var r = ps.Run($"'a.example', 'b.example' | New-DcosCertificate{extra}; 'after'");
            Assert.Equal(2, r.AllErrors.Count());
            Assert.All(r.AllErrors, e => Assert.Equal("CaResponseInvalid,DcosTls.Cmdlets.NewDcosCertificateCommand", e.FullyQualifiedErrorId));
        }
        finally
        {
            _cluster.CfsslAnswerRewrite.TryRemove(endpoint, out _);
        }
    }

    [Theory]
    [MemberData(nameof(InfoAnswers))]
    public void An_info_answer_with_wrong_types_is_an_error_with_a_stable_id(string name, string answer)
    {
        string user = "info-" + name;
        _cluster.AddUser(user, user + "-pw");
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path).Set("cred", Secrets.Credential(user, user + "-pw")).Set("uri", _cluster.Uri).Set("ca", _cluster.CaPath);
        ps.Run("$s = Connect-DcosCluster -Uri $uri -Credential $cred -CaCertificatePath $ca").ThrowOnError();
        _cluster.CfsslAnswerRewrite["info"] = (_, _) => answer;
        try
        {
            var r = ps.Run("Get-DcosCaCertificate; 'after'");
            var error = Assert.Single(r.AllErrors);
            Assert.Matches("^(CaResponseInvalid|CaRequestRefused),DcosTls\\.Cmdlets\\.GetDcosCaCertificateCommand$", error.FullyQualifiedErrorId);
            Assert.NotEqual(ErrorCategory.NotSpecified, error.CategoryInfo.Category);
        }
        finally
        {
            _cluster.CfsslAnswerRewrite.TryRemove("info", out _);
        }
    }

    [Fact]
    public void A_secrets_service_that_echoes_the_request_has_the_login_cut_from_the_error()
    {
        const string user = "echo-secrets";
        const string registryPassword = "s3cret-registry-pw";
        _cluster.AddUser(user, user + "-pw");
        _cluster.SecretsEchoBody[user] = 0;
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path).Set("cred", Secrets.Credential(user, user + "-pw")).Set("uri", _cluster.Uri).Set("ca", _cluster.CaPath)
            .Set("login", Secrets.Credential("puller", registryPassword));
        ps.Run("$s = Connect-DcosCluster -Uri $uri -Credential $cred -CaCertificatePath $ca").ThrowOnError();
        var r = ps.Run("Set-MesosDockerConfig -Registry repo.internal:5000 -Credential $login -AsSecret pull/config; 'after'");
        var error = Assert.Single(r.AllErrors);
        Assert.Equal("SecretStoreFailed,DcosTls.Cmdlets.SetMesosDockerConfigCommand", error.FullyQualifiedErrorId);
        Assert.Contains("Cannot store", error.ToString());
        string auth = Convert.ToBase64String(Encoding.UTF8.GetBytes("puller:" + registryPassword));
        Secrets.AssertNotIn(error.ToString() + error.Exception.Message + error.ErrorDetails?.Message,
            new[] { registryPassword, auth, auth.TrimEnd('=') }.Concat(_cluster.IssuedTokens));
    }
}
