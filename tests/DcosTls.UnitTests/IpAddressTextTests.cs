using DcosTls.Certificates;
using DcosTls.Common;
using Xunit;

namespace DcosTls.UnitTests;

public class IpAddressTextTests
{
    [Theory]
    [InlineData("10.0.0.21", "10.0.0.21")]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("255.255.255.255", "255.255.255.255")]
    [InlineData("::1", "::1")]
    [InlineData("fd00::21", "fd00::21")]
    public void Reads_dotted_decimal_and_ipv6(string text, string address)
        => Assert.Equal(address, IpAddressText.Parse(text, out _)!.ToString());

    [Theory]
    [InlineData("010.001.002.003", "leading zero", "10.1.2.3")]
    [InlineData("10.0.0.021", "leading zero", "10.0.0.21")]
    [InlineData("10.0.0.256", "above 255", "256")]
    [InlineData("10.1", "dotted-decimal", "'10.1'")]
    [InlineData("0x0a.0.0.1", "dotted-decimal", "'0x0a.0.0.1'")]
    [InlineData("fe80::1%eth0", "zone id", "'fe80::1%eth0'")]
    [InlineData("1:2:3", "not an IPv6", "'1:2:3'")]
    public void Refuses_what_other_tools_would_read_as_another_address(string text, string reason, string named)
    {
        Assert.Null(IpAddressText.Parse(text, out string? problem));
        Assert.Contains(reason, problem);
        Assert.Contains(named, problem);
    }

    [Fact]
    public void A_leading_zero_address_never_becomes_a_certificate_san()
    {
        var e = Assert.Throws<CertificateSpecException>(() =>
            CertificateSpec.Create("repo.internal", null, new[] { "010.001.002.003" }, KeyAlgorithm.ECDSA, null, false));
        Assert.Equal("IPAddress", e.Parameter);
        Assert.Contains("'010.001.002.003'", e.Message);
        var d = Assert.Throws<CertificateSpecException>(() =>
            CertificateSpec.Create("repo.internal", new[] { "010.001.002.003" }, null, KeyAlgorithm.ECDSA, null, false));
        Assert.Equal("DnsName", d.Parameter);
        var ok = CertificateSpec.Create("repo.internal", new[] { "repo.internal", "10.1.2.3" }, new[] { "::1" }, KeyAlgorithm.ECDSA, null, false);
        Assert.Equal(new[] { "10.1.2.3", "::1" }, ok.IPAddresses.Select(ip => ip.ToString()));
    }
}
