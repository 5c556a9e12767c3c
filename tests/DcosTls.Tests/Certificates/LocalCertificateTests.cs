using DcosTls.Tests.Infrastructure;
using Xunit;

namespace DcosTls.Tests.Certificates;

/// <summary>Local CA and self-signed flows, checked by openssl.</summary>
public class LocalCertificateTests
{
    [Fact]
    public void Local_CA_issues_a_server_certificate_that_openssl_verifies()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        ps.Run(@"
            $ca = New-TlsCertificateAuthority -CommonName 'Test Root CA' -KeyAlgorithm ECDSA
            $null = $ca | Export-DcosCertificate -Path ca.crt -NoKey
            New-DcosCertificate -Issuer $ca -CommonName registry.example.com -DnsName 'registry.example.com;10.1.2.3' -IPAddress 127.0.0.1 -KeyAlgorithm ECDSA |
                Export-DcosCertificate -Path leaf.crt").ThrowOnError();
        var text = Tool.Openssl("x509", "-in", dir["leaf.crt"], "-noout", "-text");
        Assert.Contains("DNS:registry.example.com", text);
        Assert.Contains("IP Address:10.1.2.3", text);
        Assert.Contains("IP Address:127.0.0.1", text);
        Assert.Contains("TLS Web Server Authentication", text);
        Assert.Contains("CA:FALSE", text);
        Assert.Contains("OK", Tool.Openssl("verify", "-purpose", "sslserver", "-CAfile", dir["ca.crt"], dir["leaf.crt"]));
        Assert.Equal("600", FileModes.Of(dir["leaf.key"]));
    }
}
