using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using DcosTls.Tests.Infrastructure;
using DcosTls.Tests.Peers;
using Xunit;

namespace DcosTls.Tests.Cluster;

/// <summary>
/// A CA (or a proxy in front of it) that answers with the wrong certificate: another key, other names,
/// another issuer. The real cfssl signs what it is sent; the stand-in changes the request or the answer.
/// Each answer must be refused with CaResponseInvalid naming the failed check, with no output and no file.
/// </summary>
[Collection(ClusterCollection.Name)]
public class CaAnswerCheckTests
{
    private readonly AdminRouterFixture _cluster;

    public CaAnswerCheckTests(AdminRouterFixture cluster) => _cluster = cluster;

    private Pwsh Connected(TempDir dir, string user) => _cluster.ConnectedShell(dir, user);

    private static string WithCsr(string body, string csrPem)
    {
        var json = JsonNode.Parse(body)!.AsObject();
        json["certificate_request"] = csrPem;
        return json.ToJsonString();
    }

    private static string OtherKeyCsr(string commonName)
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new CertificateRequest("CN=" + commonName, other, HashAlgorithmName.SHA256).CreateSigningRequestPem();
    }

    /// <summary>A certificate for the key of the CSR that was sent, with its names, from a CA the cluster does not use.</summary>
    private static string FromRogueCa(string requestBody, string answer)
    {
        var sent = CertificateRequest.LoadSigningRequestPem(JsonNode.Parse(requestBody)!["certificate_request"]!.GetValue<string>(),
            HashAlgorithmName.SHA256, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
        using var rogueKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rogueRequest = new CertificateRequest("CN=Rogue CA", rogueKey, HashAlgorithmName.SHA256);
        rogueRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var rogue = rogueRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
        using var forged = sent.Create(rogue, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(10), new byte[] { 0x42, 0x17 });
        var json = JsonNode.Parse(answer)!.AsObject();
        json["result"]!["certificate"] = forged.ExportCertificatePem();
        return json.ToJsonString();
    }

    public static TheoryData<string, string> Faults => new()
    {
        { "key", "its public key is not the key of the request that was sent" },
        { "names", "its DNS names are [evil.example], not the requested [answer.example]" },
        { "issuer", "it does not chain to the cluster's signing CA" },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public void A_certificate_that_is_not_what_was_asked_is_refused_and_nothing_is_written(string fault, string reason)
    {
        using var dir = new TempDir();
        using var ps = Connected(dir, "answer-" + fault);
        switch (fault)
        {
            case "key": _cluster.CfsslBodyRewrite["sign"] = body => WithCsr(body, OtherKeyCsr("answer.example")); break;
            case "names": _cluster.CfsslBodyRewrite["sign"] = body => body.Replace("\"answer.example\"]", "\"evil.example\"]"); break;
            case "issuer": _cluster.CfsslAnswerRewrite["sign"] = FromRogueCa; break;
        }
        try
        {
            var r = ps.Run("New-DcosCertificate -CommonName answer.example -DnsName answer.example -KeyAlgorithm ECDSA | Export-DcosCertificate -Path answer.crt; 'after'");
            var error = Assert.Single(r.AllErrors);
            Assert.Equal("CaResponseInvalid,DcosTls.Cmdlets.NewDcosCertificateCommand", error.FullyQualifiedErrorId);
            Assert.Equal(System.Management.Automation.ErrorCategory.ProtocolError, error.CategoryInfo.Category);
            Assert.Contains("'answer.example'", error.ToString());
            Assert.Contains(reason, error.ToString());
            Assert.Equal(new[] { "after" }, r.Output.Select(o => o.ToString()));
            Assert.Empty(Directory.GetFiles(dir.Path, "answer.*"));
        }
        finally
        {
            _cluster.CfsslBodyRewrite.TryRemove("sign", out _);
            _cluster.CfsslAnswerRewrite.TryRemove("sign", out _);
        }
    }

    [Fact]
    public void The_signing_ca_is_asked_once_per_profile()
    {
        using var dir = new TempDir();
        using var ps = Connected(dir, "answer-profiles");
        int before = _cluster.Requests.Count(q => q.Path == "/ca/api/v2/info");
        ps.Run(@"foreach ($p in 'server', 'client', 'server') {
                    $null = New-DcosCertificate -CommonName ""$p.example"" -KeyAlgorithm ECDSA -Profile $p -Usage ServerAndClient -WarningAction SilentlyContinue }").ThrowOnError();
        Assert.Equal(2, _cluster.Requests.Count(q => q.Path == "/ca/api/v2/info") - before);
    }
}
