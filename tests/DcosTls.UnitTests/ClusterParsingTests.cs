using System.Security.Cryptography;
using System.Text.Json.Nodes;
using DcosTls.Cluster;
using DcosTls.Common;
using DcosTls.Marathon;
using DcosTls.Session;
using Xunit;

namespace DcosTls.UnitTests;

/// <summary>
/// The cluster side's pure parts: Marathon app ids, the compare that decides whether a PUT is needed,
/// IAM resource ids and their escaping, secret paths, and the service-account secret's JSON.
/// </summary>
public class ClusterParsingTests
{
    [Theory]
    [InlineData("registry", "/registry")]
    [InlineData("/tools/registry/", "/tools/registry")]
    [InlineData("/a.b/c-d", "/a.b/c-d")]
    public void App_ids_get_their_leading_slash(string given, string expected)
        => Assert.Equal(expected, MarathonAppId.Normalize(given));

    [Theory]
    [InlineData("")]
    [InlineData("/Tools/registry")]
    [InlineData("/tools/-registry")]
    [InlineData("/tools//registry")]
    [InlineData("/tools/restart")]
    [InlineData("/tools/reg istry")]
    public void Bad_app_ids_are_refused(string given)
        => Assert.Equal("InvalidMarathonAppId", Assert.Throws<DcosTlsException>(() => MarathonAppId.Normalize(given)).ErrorId);

    [Fact]
    public void An_app_holding_every_given_value_differs_in_nothing()
    {
        var desired = JsonNode.Parse("""{"id":"/web","instances":2,"cpus":1,"labels":{"A":"b"},"constraints":[["hostname","UNIQUE"]]}""")!.AsObject();
        var current = JsonNode.Parse("""{"id":"/web","instances":2,"cpus":1.0,"mem":128,"labels":{"A":"b","X":"y"},"constraints":[["hostname","UNIQUE"]],"version":"v"}""")!.AsObject();
        Assert.Empty(MarathonDefinition.Differences(desired, current));
    }

    [Fact]
    public void Differences_are_named_by_their_paths()
    {
        var desired = JsonNode.Parse("""{"id":"/web","instances":3,"labels":{"A":"c"},"constraints":[["hostname","UNIQUE"]],"env":{"K":"v"}}""")!.AsObject();
        var current = JsonNode.Parse("""{"id":"/web","instances":2,"labels":{"A":"b"},"constraints":[]}""")!.AsObject();
        Assert.Equal(new[] { "instances", "labels.A", "constraints", "env" }, MarathonDefinition.Differences(desired, current));
    }

    [Fact]
    public void A_hashtable_becomes_a_definition_with_a_normalized_id()
    {
        var table = new System.Collections.Hashtable { ["id"] = "web", ["instances"] = 2, ["labels"] = new System.Collections.Hashtable { ["A"] = "b" }, ["args"] = new object[] { "x", 1 } };
        var definition = MarathonDefinition.From(table, "-Definition");
        Assert.Equal("/web", (string)definition["id"]!);
        Assert.Equal(2, (long)definition["instances"]!);
        Assert.Equal("b", (string)definition["labels"]!["A"]!);
        Assert.Equal(2, definition["args"]!.AsArray().Count);
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("{\"instances\":1}")]
    [InlineData("not json")]
    public void Text_that_is_no_app_definition_is_refused(string json)
        => Assert.Equal("InvalidMarathonAppDefinition", Assert.Throws<DcosTlsException>(() => MarathonDefinition.Parse(json, "-InputObject")).ErrorId);

    [Theory]
    [InlineData("dcos:service:marathon:marathon:services:/", "dcos:service:marathon:marathon:services:%252F")]
    [InlineData("dcos:secrets:default:/marathon-lb/service-account-secret", "dcos:secrets:default:%252Fmarathon-lb%252Fservice-account-secret")]
    [InlineData("dcos:adminrouter:ops:ca:rw", "dcos:adminrouter:ops:ca:rw")]
    public void Resource_ids_keep_colons_and_write_slashes_as_percent_252F(string rid, string inUrl)
        => Assert.Equal(inUrl, IamClient.EscapeResource(IamClient.CheckResource(rid)));

    [Theory]
    [InlineData("marathon:services")]
    [InlineData("dcos:secrets:default:/a b")]
    [InlineData("dcos:x?y")]
    [InlineData("dcos:")]
    public void Bad_resource_ids_are_refused(string rid)
        => Assert.Equal("InvalidPermissionResource", Assert.Throws<DcosTlsException>(() => IamClient.CheckResource(rid)).ErrorId);

    [Theory]
    [InlineData("a/../b")]
    [InlineData("a//b")]
    [InlineData("a b")]
    [InlineData("")]
    public void Bad_secret_paths_are_refused(string path)
        => Assert.Equal("InvalidSecretPath", Assert.Throws<DcosTlsException>(() => DcosSecretClient.Check(path)).ErrorId);

    [Fact]
    public void The_service_account_secret_round_trips_and_signs_logins()
    {
        using var key = RSA.Create(2048);
        string json = ServiceAccountSecret.Build("mlb-sa", key.ExportPkcs8PrivateKeyPem(), "https://master.mesos/acs/api/v1/auth/login");
        var document = JsonNode.Parse(json)!;
        Assert.Equal("RS256", (string)document["scheme"]!);
        using var login = ServiceAccountSecret.Read(json, "test");
        Assert.Equal("mlb-sa", login.Uid);
        string[] parts = login.CreateLoginToken().Split('.');
        byte[] signature = Convert.FromBase64String(parts[2].Replace('-', '+').Replace('_', '/').PadRight(parts[2].Length + (4 - parts[2].Length % 4) % 4, '='));
        Assert.True(key.VerifyData(System.Text.Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Theory]
    [InlineData("{\"uid\":\"x\"}")]
    [InlineData("{\"scheme\":\"HS256\",\"uid\":\"x\",\"private_key\":\"k\"}")]
    [InlineData("{\"uid\":\"x\",\"private_key\":\"-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----\\n\"}")]
    public void A_service_account_secret_without_a_usable_key_is_refused_without_quoting_it(string json)
    {
        var e = Assert.Throws<DcosTlsException>(() => ServiceAccountSecret.Read(json, "test"));
        Assert.Equal("ServiceAccountSecretInvalid", e.ErrorId);
        Assert.DoesNotContain("AAAA", e.Message);
    }

    [Fact]
    public void The_service_account_secret_body_built_in_bytes_is_the_secrets_service_json_of_the_create_sa_secret_document()
    {
        using var key = RSA.Create(2048);
        byte[] body = SecretBody.ServiceAccountSecret(key, "mlb-sa", "https://master.mesos/acs/api/v1/auth/login");
        var outer = JsonNode.Parse(body)!.AsObject();
        Assert.Single(outer);
        string document = (string)outer["value"]!;
        // The same document ServiceAccountSecret.Build writes from a string (that one escapes '+' as \u002B, a matter of form).
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(ServiceAccountSecret.Build("mlb-sa", key.ExportPkcs8PrivateKeyPem(), "https://master.mesos/acs/api/v1/auth/login")), JsonNode.Parse(document)));
        Assert.StartsWith("{\"scheme\":\"RS256\",\"uid\":\"mlb-sa\",\"private_key\":\"-----BEGIN PRIVATE KEY-----\\n", document);
        using var login = ServiceAccountSecret.Read(document, "test");
        Assert.Equal("mlb-sa", login.Uid);
    }
}
