using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DcosTls.Acme;
using Xunit;

namespace DcosTls.UnitTests;

/// <summary>
/// ACME Renewal Information (RFC 9773): the certificate identifier against the RFC's own example, and
/// the answer read without trusting it.
/// </summary>
public class AcmeRenewalInfoTests
{
    // RFC 9773 section 4.1: keyIdentifier 69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4,
    // serial 00:87:65:43:21 (the 0x00 kept: the top bit of 0x87 is set).
    private static readonly byte[] RfcKeyId = Convert.FromHexString("69885B6B87464041E1B37B847BA0AE2CDE01C8D4");
    private static readonly byte[] RfcSerial = Convert.FromHexString("0087654321");
    private const string RfcCertId = "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE";
    private const string Url = "https://ca.test/renewal-info/" + RfcCertId;
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static X509Certificate2 Certificate(byte[]? keyId, byte[] serial, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=ari.test", key, HashAlgorithmName.SHA256);
        if (keyId != null) request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(keyId));
        using var issuerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var generator = X509SignatureGenerator.CreateForECDsa(issuerKey);
        return request.Create(new X500DistinguishedName("CN=issuer.test"), generator, Now.AddDays(-10), notAfter ?? Now.AddDays(80), serial);
    }

    private static string Window(string start, string end, string extra = "")
        => $"{{\"suggestedWindow\":{{\"start\":\"{start}\",\"end\":\"{end}\"}}{extra}}}";

    [Fact]
    public void Certificate_id_is_the_rfc_example_from_the_bytes()
        => Assert.Equal(RfcCertId, AcmeRenewalInfo.CertificateId(RfcKeyId, RfcSerial));

    [Fact]
    public void Certificate_id_of_a_certificate_with_the_rfc_key_id_and_serial_is_the_rfc_example()
    {
        using var certificate = Certificate(RfcKeyId, RfcSerial);
        Assert.Equal(RfcCertId, AcmeRenewalInfo.CertificateId(certificate));
    }

    [Fact]
    public void A_certificate_without_an_authority_key_identifier_has_no_id()
    {
        using var certificate = Certificate(null, RfcSerial);
        var e = Assert.Throws<AcmeProblemException>(() => AcmeRenewalInfo.CertificateId(certificate));
        Assert.Equal("AcmeRenewalInfoNoKeyId", e.ErrorId);
        Assert.Contains("ari.test", e.Message);
    }

    [Fact]
    public void The_window_explanation_and_retry_after_are_read()
    {
        var w = AcmeRenewalInfo.Parse(RfcCertId,
            Window("2026-06-03T00:00:00Z", "2026-06-04T00:00:00Z", ",\"explanationURL\":\"https://ca.test/why\""),
            TimeSpan.FromHours(3), Url, now: Now);
        Assert.Equal(new DateTimeOffset(2026, 6, 3, 0, 0, 0, TimeSpan.Zero), w.Start);
        Assert.Equal(new DateTimeOffset(2026, 6, 4, 0, 0, 0, TimeSpan.Zero), w.End);
        Assert.Equal("https://ca.test/why", w.ExplanationUrl);
        Assert.Equal(TimeSpan.FromHours(3), w.RetryAfter);
        Assert.Equal(RfcCertId, w.CertificateId);
    }

    [Fact]
    public void Go_nanoseconds_and_offsets_are_read_as_the_same_instant()
    {
        var w = AcmeRenewalInfo.Parse(RfcCertId, Window("2026-06-03T02:00:00.123456789+02:00", "2026-06-04T00:00:00.5z"), null, Url, now: Now);
        Assert.Equal(new DateTimeOffset(2026, 6, 3, 0, 0, 0, TimeSpan.Zero).AddTicks(1234567), w.Start);
        Assert.Equal(TimeSpan.Zero, w.Start.Offset);
        Assert.Equal(new DateTimeOffset(2026, 6, 4, 0, 0, 0, 500, TimeSpan.Zero), w.End);
    }

    [Theory]
    [InlineData(null, 6 * 3600)]
    [InlineData(1, 60)]
    [InlineData(30 * 24 * 3600, 24 * 3600)]
    [InlineData(7200, 7200)]
    public void Retry_after_is_held_between_a_minute_and_a_day(int? seconds, int expected)
    {
        var w = AcmeRenewalInfo.Parse(RfcCertId, Window("2026-06-03T00:00:00Z", "2026-06-04T00:00:00Z"),
            seconds is { } s ? TimeSpan.FromSeconds(s) : null, Url, now: Now);
        Assert.Equal(TimeSpan.FromSeconds(expected), w.RetryAfter);
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("/relative")]
    public void An_explanation_that_is_not_a_web_address_is_dropped(string explanation)
    {
        var w = AcmeRenewalInfo.Parse(RfcCertId, Window("2026-06-03T00:00:00Z", "2026-06-04T00:00:00Z", $",\"explanationURL\":\"{explanation}\""), null, Url, now: Now);
        Assert.Null(w.ExplanationUrl);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{}")]
    [InlineData("{\"suggestedWindow\":\"soon\"}")]
    [InlineData("{\"suggestedWindow\":{\"start\":5,\"end\":6}}")]
    [InlineData("{\"suggestedWindow\":{\"start\":\"2026-06-03T00:00:00Z\"}}")]
    [InlineData("{\"suggestedWindow\":{\"start\":\"2026-06-03\",\"end\":\"2026-06-04\"}}")]
    [InlineData("{\"suggestedWindow\":{\"start\":\"2026-06-03T00:00:00\",\"end\":\"2026-06-04T00:00:00\"}}")]
    [InlineData("{\"suggestedWindow\":{\"start\":\"2026-02-30T00:00:00Z\",\"end\":\"2026-06-04T00:00:00Z\"}}")]
    [InlineData("{\"suggestedWindow\":{\"start\":\"2026-06-04T00:00:00Z\",\"end\":\"2026-06-04T00:00:00Z\"}}")]
    [InlineData("{\"suggestedWindow\":{\"start\":\"2026-06-05T00:00:00Z\",\"end\":\"2026-06-04T00:00:00Z\"}}")]
    [InlineData("{\"suggestedWindow\":{\"start\":\"0001-01-01T00:00:00Z\",\"end\":\"2026-06-04T00:00:00Z\"}}")]
    [InlineData("{\"suggestedWindow\":{\"start\":\"2026-06-03T00:00:00Z\",\"end\":\"9999-12-31T23:59:59Z\"}}")]
    [InlineData("{\"suggestedWindow\":{\"start\":\"2026-01-01T00:00:00Z\",\"end\":\"2026-01-02T00:00:00Z\"},\"suggestedWindow\":{\"start\":\"2030-01-01T00:00:00Z\",\"end\":\"2030-01-02T00:00:00Z\"}}")]
    public void A_malformed_or_hostile_answer_is_refused(string body)
    {
        var e = Assert.Throws<AcmeProblemException>(() => AcmeRenewalInfo.Parse(RfcCertId, body, null, Url, now: Now));
        Assert.Equal("AcmeRenewalInfoInvalid", e.ErrorId);
        Assert.Contains("https://ca.test/renewal-info/", e.Message);
    }

    [Fact]
    public void A_huge_answer_is_refused_before_it_is_parsed()
    {
        string body = Window("2026-06-03T00:00:00Z", "2026-06-04T00:00:00Z", ",\"pad\":\"" + new string('x', AcmeRenewalInfo.MaxAnswerBytes) + "\"");
        var e = Assert.Throws<AcmeProblemException>(() => AcmeRenewalInfo.Parse(RfcCertId, body, null, Url, now: Now));
        Assert.Equal("AcmeRenewalInfoInvalid", e.ErrorId);
        Assert.Contains("longer than", e.Message);
    }

    [Fact]
    public void A_window_that_opens_after_the_certificate_expires_is_refused()
    {
        var e = Assert.Throws<AcmeProblemException>(() => AcmeRenewalInfo.Parse(RfcCertId,
            Window("2026-09-01T00:00:00Z", "2026-09-02T00:00:00Z"), null, Url, notAfter: Now.AddDays(30), now: Now));
        Assert.Equal("AcmeRenewalInfoInvalid", e.ErrorId);
        Assert.Contains("after the certificate expires", e.Message);
    }

    [Fact]
    public void A_server_value_quoted_in_an_error_loses_its_control_characters()
    {
        var e = Assert.Throws<AcmeProblemException>(() => AcmeRenewalInfo.Parse(RfcCertId,
            "{\"suggestedWindow\":{\"start\":\"soon\\u001b[2J\",\"end\":\"later\"}}", null, Url, now: Now));
        Assert.DoesNotContain('\u001b', e.Message);
    }

    [Fact]
    public void The_chosen_time_lies_in_the_window_and_spreads_over_it()
    {
        var w = new AcmeRenewalWindow(RfcCertId, Now, Now.AddHours(10), null, TimeSpan.FromHours(6));
        var random = new Random(1234);
        var chosen = Enumerable.Range(0, 2000).Select(_ => w.ChooseTime(random)).ToList();
        Assert.All(chosen, t => Assert.True(t >= w.Start && t < w.End));
        // Uniform: each hour of the ten gets about a tenth (200 of 2000); a bias to one end would not.
        var perHour = chosen.GroupBy(t => (int)(t - w.Start).TotalHours).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(10, perHour.Count);
        Assert.All(perHour.Values, n => Assert.InRange(n, 130, 270));
    }

    [Fact]
    public void A_past_window_is_due_now_and_a_future_one_is_not()
    {
        var past = new AcmeRenewalWindow(RfcCertId, Now.AddDays(-2), Now.AddDays(-1), null, TimeSpan.FromHours(6));
        var future = new AcmeRenewalWindow(RfcCertId, Now.AddDays(1), Now.AddDays(2), null, TimeSpan.FromHours(6));
        Assert.True(AcmeRenewalWindow.IsDue(past.ChooseTime(), Now));
        Assert.False(AcmeRenewalWindow.IsDue(future.ChooseTime(), Now));
    }
}
