using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using DcosTls.Requests;
using Xunit;

namespace DcosTls.UnitTests;

/// <summary>The request parser on requests built in memory: what it reads, and each refusal with its stable id.</summary>
public class CertificateRequestReaderTests
{
    private static CertificateRequest Ec(string subject, Action<SubjectAlternativeNameBuilder>? names = null, ECCurve? curve = null)
    {
        var key = ECDsa.Create(curve ?? ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        if (names != null)
        {
            var builder = new SubjectAlternativeNameBuilder();
            names(builder);
            request.CertificateExtensions.Add(builder.Build());
        }
        return request;
    }

    private static byte[] Pem(CertificateRequest request, string label = "CERTIFICATE REQUEST")
        => Encoding.ASCII.GetBytes(PemEncoding.WriteString(label, request.CreateSigningRequest()) + "\n");

    private static string Refusal(byte[] bytes)
        => Assert.Throws<CertificateRequestException>(() => CertificateRequestReader.Read(bytes, "req.csr")).ErrorId;

    [Fact]
    public void Reads_names_key_and_subject_from_PEM_and_the_same_from_DER()
    {
        var request = Ec("CN=app.example.test, O=Example", b => { b.AddDnsName("app.example.test"); b.AddDnsName("APP.example.test"); b.AddIpAddress(IPAddress.Parse("10.0.0.7")); });
        byte[] der = request.CreateSigningRequest();
        var fromPem = CertificateRequestReader.Read(Encoding.ASCII.GetBytes(PemEncoding.WriteString("CERTIFICATE REQUEST", der)), "req.csr");
        var fromDer = CertificateRequestReader.Read(der, "req.der");
        foreach (var r in new[] { fromPem, fromDer })
        {
            Assert.Equal("app.example.test", r.CommonName);
            Assert.Equal(new[] { "app.example.test" }, r.DnsNames.ToArray()); // case-insensitive duplicates folded
            Assert.Equal(new[] { "10.0.0.7" }, r.IPAddresses.ToArray());
            Assert.Equal(("ECDSA", 256), (r.KeyAlgorithm, r.KeySize));
            Assert.False(r.HasPrivateKey);
        }
        Assert.Equal(fromPem.PublicKeySha256, fromDer.PublicKeySha256);
        Assert.Equal(fromPem.RequestPem, fromDer.RequestPem);
        Assert.Equal(new[] { "app.example.test", "10.0.0.7" }, fromPem.Hosts.ToArray());
    }

    [Fact]
    public void Reads_the_old_NEW_CERTIFICATE_REQUEST_label_and_skips_other_blocks_before_it()
    {
        var request = Ec("CN=old.example.test");
        Assert.Equal("old.example.test", CertificateRequestReader.Read(Pem(request, "NEW CERTIFICATE REQUEST"), "req.csr").CommonName);
        byte[] withParameters = Encoding.ASCII.GetBytes("-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n").Concat(Pem(request)).ToArray();
        Assert.Equal("old.example.test", CertificateRequestReader.Read(withParameters, "req.csr").CommonName);
    }

    [Theory]
    [InlineData(2048, null)]
    [InlineData(4096, null)]
    [InlineData(1024, "CertificateRequestWeakKey")]
    public void Checks_the_RSA_key_size(int bits, string? refusal)
    {
        using var rsa = RSA.Create(bits);
        var request = new CertificateRequest("CN=rsa.example.test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        if (refusal == null) Assert.Equal(bits, CertificateRequestReader.Read(Pem(request), "req.csr").KeySize);
        else Assert.Equal(refusal, Refusal(Pem(request)));
    }

    [Fact]
    public void Refuses_an_ECDSA_curve_the_CA_does_not_accept()
        => Assert.Equal("CertificateRequestKeyUnsupported", Refusal(Pem(Ec("CN=k1.example.test", curve: ECCurve.CreateFromFriendlyName("secP256k1")))));

    [Fact]
    public void Refuses_a_request_whose_signature_does_not_verify()
    {
        byte[] der = Ec("CN=tampered.example.test").CreateSigningRequest();
        der[^1] ^= 0x01;
        Assert.Equal("CertificateRequestSignatureInvalid", Refusal(der));
    }

    [Fact]
    public void Refuses_a_request_that_asks_to_be_a_CA()
    {
        var request = Ec("CN=ca.example.test");
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        Assert.Equal("CertificateRequestAsksForCa", Refusal(Pem(request)));
    }

    [Fact]
    public void Accepts_a_request_that_says_it_is_not_a_CA()
    {
        var request = Ec("CN=leaf.example.test");
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        Assert.Equal("leaf.example.test", CertificateRequestReader.Read(Pem(request), "req.csr").CommonName);
    }

    [Fact]
    public void Refuses_a_request_that_names_nothing_but_reads_one_named_by_its_alternative_names_only()
    {
        Assert.Equal("CertificateRequestNoNames", Refusal(Pem(Ec("O=Example Only"))));
        var sanOnly = CertificateRequestReader.Read(Pem(Ec("O=Example", b => b.AddIpAddress(IPAddress.Parse("127.0.0.9")))), "req.csr");
        Assert.Equal(string.Empty, sanOnly.CommonName);
        Assert.Equal(new[] { "127.0.0.9" }, sanOnly.IPAddresses.ToArray());
    }

    [Fact]
    public void Refuses_a_malformed_DNS_name()
    {
        // The builder checks names; a raw extension carries what another tool may have written.
        var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (writer.PushSequence())
            writer.WriteCharacterString(System.Formats.Asn1.UniversalTagNumber.IA5String, "bad name.example.test", new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 2));
        var request = Ec("CN=ok.example.test");
        request.CertificateExtensions.Add(new X509Extension("2.5.29.17", writer.Encode(), false));
        var e = Assert.Throws<CertificateRequestException>(() => CertificateRequestReader.Read(Pem(request), "req.csr"));
        Assert.Equal("CertificateRequestNameInvalid", e.ErrorId);
        Assert.Contains("'bad name.example.test'", e.Message);
    }

    [Fact]
    public void Tells_a_certificate_a_key_base64_without_headers_and_garbage_apart()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var cert = new CertificateRequest("CN=c", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        Assert.Equal("CertificateRequestIsCertificate", Refusal(Encoding.ASCII.GetBytes(cert.ExportCertificatePem())));
        Assert.Equal("CertificateRequestIsCertificate", Refusal(cert.RawData));
        Assert.Equal("CertificateRequestIsKey", Refusal(Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem())));
        Assert.Equal("CertificateRequestUnreadable", Refusal(Encoding.ASCII.GetBytes(Convert.ToBase64String(Ec("CN=h").CreateSigningRequest()))));
        Assert.Equal("CertificateRequestUnreadable", Refusal(Encoding.ASCII.GetBytes("this is not a request\n")));
        Assert.Equal("CertificateRequestUnreadable", Refusal(new byte[] { 0x30, 0x03, 0x02, 0x01 }));
        Assert.Equal("CertificateRequestUnreadable", Refusal(Encoding.ASCII.GetBytes("-----BEGIN CERTIFICATE REQUEST-----\n!!!\n-----END CERTIFICATE REQUEST-----\n")));
    }

    [Fact]
    public void Names_the_source_in_every_refusal()
    {
        var e = Assert.Throws<CertificateRequestException>(() => CertificateRequestReader.Read(Encoding.ASCII.GetBytes("junk"), "/srv/in/appliance.csr"));
        Assert.Contains("/srv/in/appliance.csr", e.Message);
    }
}
