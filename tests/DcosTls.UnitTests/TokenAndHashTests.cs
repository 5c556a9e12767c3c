using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using DcosTls.Certificates;
using DcosTls.Session;
using Xunit;

namespace DcosTls.UnitTests;

public class TokenAndHashTests
{
    private static string Segment(string json)
        => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [Fact]
    public void Jwt_claims_give_uid_and_expiry_without_verifying()
    {
        string token = Segment("{\"alg\":\"RS256\"}") + "." + Segment("{\"uid\":\"bootstrapuser\",\"exp\":1924992000}") + ".sig";
        var (uid, expires) = JwtClaims.Read(token);
        Assert.Equal("bootstrapuser", uid);
        Assert.Equal(new DateTime(2031, 1, 1, 0, 0, 0, DateTimeKind.Utc), expires);
    }

    [Theory]
    [InlineData("")]
    [InlineData("no-dots")]
    [InlineData("a.%%%.c")]
    [InlineData("a.bm90IGpzb24.c")]
    public void Jwt_claims_of_a_malformed_token_are_absent(string token)
        => Assert.Equal((null, null), JwtClaims.Read(token));

    [Fact]
    public void Subject_hash_ignores_case_and_inner_whitespace_as_openssl_does()
    {
        string a = SubjectHash.Compute(new X500DistinguishedName("CN=Lab  Root CA, O=Example"));
        string b = SubjectHash.Compute(new X500DistinguishedName("CN=lab root ca, O=EXAMPLE"));
        Assert.Equal(a, b);
        Assert.Matches("^[0-9a-f]{8}$", a);
        Assert.NotEqual(a, SubjectHash.Compute(new X500DistinguishedName("CN=Other CA, O=Example")));
    }

    [Fact]
    public void Subject_hash_from_der_equals_the_hash_of_the_parsed_certificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Unit CA, O=DcosTls", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
        Assert.Equal(SubjectHash.Compute(certificate), SubjectHash.ComputeFromCertificate(certificate.RawData));
    }

    [Theory]
    [InlineData("repo.internal", true)]
    [InlineData("*.apps.internal", true)]
    [InlineData("a-b.c", true)]
    [InlineData("-a.c", false)]
    [InlineData("a..c", false)]
    [InlineData("", false)]
    [InlineData("has space", false)]
    public void Dns_names_follow_the_host_name_rules(string name, bool valid)
        => Assert.Equal(valid, CertificateSpec.IsValidDnsName(name));
}
