using DcosTls.Certificates;
using DcosTls.Lifecycle;
using Xunit;

namespace DcosTls.UnitTests;

public class RenewalRuleTests
{
    private static readonly DateTime Issued = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Expires = Issued.AddDays(90);

    [Theory]
    [InlineData("30", 30.0, null)]
    [InlineData("30d", 30.0, null)]
    [InlineData("0", 0.0, null)]
    [InlineData("1/3", null, 1.0 / 3)]
    [InlineData("33%", null, 0.33)]
    [InlineData("0.25", null, 0.25)]
    public void Reads_days_and_shares(string text, double? days, double? share)
    {
        var read = RenewBefore.Parse(text, out string? problem);
        Assert.Null(problem);
        Assert.Equal(days, read!.Days);
        if (share == null) Assert.Null(read.Share);
        else Assert.Equal(share.Value, read.Share!.Value, 6);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("3/2")]
    [InlineData("100%")]
    [InlineData("0%")]
    [InlineData("1/0")]
    [InlineData("-5")]
    [InlineData("")]
    public void Refuses_what_is_neither(string text)
    {
        Assert.Null(RenewBefore.Parse(text, out string? problem));
        Assert.Contains("-RenewBefore", problem);
    }

    [Fact]
    public void The_default_renews_after_two_thirds_less_at_most_five_percent_of_the_lifetime()
    {
        var twoThirds = Issued.AddDays(60);
        var earliest = Issued.AddDays(90 * (2.0 / 3 - 0.05));
        foreach (double jitter in new[] { 0.0, 0.5, 0.999 })
        {
            var at = RenewalRule.Decide(Issued, Expires, Issued, null, jitter, force: false).RenewAt;
            Assert.InRange(at, earliest, twoThirds);
        }
        Assert.Equal(twoThirds, RenewalRule.Decide(Issued, Expires, Issued, null, 0, false).RenewAt);
        var notYet = RenewalRule.Decide(Issued, Expires, Issued.AddDays(55), null, 0.5, false);
        Assert.False(notYet.Due);
        Assert.Equal(RenewalRule.TwoThirds, notYet.Rule);
        Assert.True(RenewalRule.Decide(Issued, Expires, Issued.AddDays(60), null, 0.5, false).Due);
    }

    [Fact]
    public void The_jitter_is_stable_per_certificate_and_host_and_spread_between_them()
    {
        Assert.Equal(RenewalRule.JitterFraction("AB12", "agent1"), RenewalRule.JitterFraction("ab12", "AGENT1"));
        var fractions = Enumerable.Range(0, 200).Select(i => RenewalRule.JitterFraction("AB12", "agent" + i)).ToList();
        Assert.All(fractions, f => Assert.InRange(f, 0.0, 0.999999999));
        Assert.True(fractions.Distinct().Count() > 190);
        Assert.InRange(fractions.Average(), 0.4, 0.6);
    }

    [Fact]
    public void Days_and_shares_are_exact_and_name_their_rule()
    {
        var days = RenewalRule.Decide(Issued, Expires, Issued.AddDays(59), new RenewBefore(30, null), 0.9, false);
        Assert.Equal((false, RenewalRule.Days, Expires.AddDays(-30)), (days.Due, days.Rule, days.RenewAt));
        var share = RenewalRule.Decide(Issued, Expires, Issued.AddDays(45), new RenewBefore(null, 0.5), 0.9, false);
        Assert.Equal((true, RenewalRule.Share, Issued.AddDays(45)), (share.Due, share.Rule, share.RenewAt));
    }

    [Fact]
    public void Force_is_due_at_once_and_the_server_window_decides_when_it_is_earlier()
    {
        Assert.Equal(RenewalRule.Force, RenewalRule.Decide(Issued, Expires, Issued, null, 0, true).Rule);
        var early = RenewalRule.Decide(Issued, Expires, Issued.AddDays(11), null, 0.5, false, Issued.AddDays(11));
        Assert.Equal((true, RenewalRule.RenewalInfo, Issued.AddDays(11)), (early.Due, early.Rule, early.RenewAt));
        var late = RenewalRule.Decide(Issued, Expires, Issued, null, 0.5, false, Issued.AddDays(82));
        Assert.Equal(RenewalRule.TwoThirds, late.Rule);
    }

    [Fact]
    public void A_window_of_days_as_long_as_the_lifetime_is_seen()
    {
        Assert.True(RenewalRule.WindowExceedsLifetime(Issued, Issued.AddDays(20), new RenewBefore(30, null)));
        Assert.False(RenewalRule.WindowExceedsLifetime(Issued, Issued.AddDays(20), new RenewBefore(19, null)));
        Assert.False(RenewalRule.WindowExceedsLifetime(Issued, Issued.AddDays(20), new RenewBefore(null, 0.9)));
        Assert.False(RenewalRule.WindowExceedsLifetime(Issued, Issued.AddDays(20), null));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"version\":2}")]
    [InlineData("{\"version\":1,\"format\":\"Zip\",\"issuer\":{\"kind\":\"SelfSigned\"},\"certificate\":{\"thumbprint\":\"AA\"},\"files\":[{\"role\":\"Certificate\",\"name\":\"a.crt\"}]}")]
    [InlineData("{\"version\":1,\"format\":\"Pem\",\"issuer\":{\"kind\":\"Acme\"},\"certificate\":{\"thumbprint\":\"AA\"},\"files\":[{\"role\":\"Certificate\",\"name\":\"a.crt\"}]}")]
    [InlineData("{\"version\":1,\"format\":\"Pem\",\"issuer\":{\"kind\":\"SelfSigned\"},\"certificate\":{\"thumbprint\":\"AA\"},\"files\":[{\"role\":\"Certificate\",\"name\":\"../a.crt\"}]}")]
    [InlineData("{\"version\":1,\"version\":1,\"format\":\"Pem\",\"issuer\":{\"kind\":\"SelfSigned\"},\"certificate\":{\"thumbprint\":\"AA\"},\"files\":[{\"role\":\"Certificate\",\"name\":\"a.crt\"}]}")]
    public void A_description_that_cannot_be_used_is_refused_with_one_id(string json)
    {
        var e = Assert.ThrowsAny<DcosTls.Common.DcosTlsException>(() => RenewalDescription.Parse(System.Text.Encoding.UTF8.GetBytes(json), "/x/a.crt.renewal.json"));
        Assert.Equal("RenewalDescriptionInvalid", e.ErrorId);
        Assert.Contains("/x/a.crt.renewal.json", e.Message);
    }

    [Fact]
    public void A_description_reads_back_what_was_written()
    {
        string json = "{\"version\":1,\"format\":\"HaproxyPem\",\"issuer\":{\"kind\":\"Cluster\",\"profile\":\"server\",\"usage\":\"Server\"},\"certificate\":{\"commonName\":\"r\",\"thumbprint\":\"AA\"},\"files\":[{\"role\":\"HaproxyPem\",\"name\":\"r.pem\"}]}";
        var read = RenewalDescription.Parse(System.Text.Encoding.UTF8.GetBytes(json), "/x/r.pem.renewal.json");
        Assert.Equal(("server", "r.pem", (string?)null), (read.Issuer.Profile, read.CertificateName, read.KeyName));
        var again = RenewalDescription.Parse(read.ToBytes(), "/x/r.pem.renewal.json");
        Assert.Equal(read.ToBytes(), again.ToBytes());
    }
}
