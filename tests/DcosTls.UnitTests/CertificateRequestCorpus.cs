using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using static DcosTls.UnitTests.CsrForge;

namespace DcosTls.UnitTests;

/// <summary>One request of the corpus: its bytes and what the reader must do with them.</summary>
/// <param name="ExpectedId">null: read; otherwise the error id of the refusal.</param>
/// <param name="MessagePart">text the refusal's message must hold (the problem, printable).</param>
internal sealed record CorpusCase(string Name, byte[] Bytes, string? ExpectedId, string? MessagePart = null);

/// <summary>
/// The CSR corpus, generated: well-formed requests of every shape another tool writes, and
/// requests broken on purpose (truncated, trailing bytes, extensions that are not DER, IP SANs of the
/// wrong length, raw UTF-8 and control characters in names, MD5 and SHA-1 signatures, signatures by
/// another key, certificates and keys instead of requests). Generated rather than stored so that a
/// reader change is tested against all of it in seconds, and a new case is one line.
/// </summary>
internal static class CertificateRequestCorpus
{
    internal const string Unreadable = "CertificateRequestUnreadable";
    internal const string Malformed = "CertificateRequestMalformed";
    internal const string SignatureAlgorithm = "CertificateRequestSignatureAlgorithmUnsupported";
    internal const string SignatureInvalid = "CertificateRequestSignatureInvalid";
    internal const string NameInvalid = "CertificateRequestNameInvalid";
    internal const string NoNames = "CertificateRequestNoNames";
    internal const string AsksForCa = "CertificateRequestAsksForCa";

    internal static readonly Lazy<IReadOnlyDictionary<string, CorpusCase>> All = new(() => Generate().ToDictionary(c => c.Name));

    private static readonly CsrForge Good = new();
    private const string Cn = "2.5.4.3";
    private const string O = "2.5.4.10";
    private const string Ou = "2.5.4.11";

    private static IEnumerable<CorpusCase> Generate()
    {
        // Read: what openssl req, cfssl genkey, appliances and .NET write.
        yield return Accepted("ec-cn", Good.Der());
        yield return Accepted("ec-cn-pem", Good.Pem());
        yield return Accepted("ec-cn-dns", (Good with { Extensions = new[] { San(Dns("host.example.test")) } }).Der());
        yield return Accepted("ec-cn-dns-ip4-ip6", (Good with { Extensions = new[] { San(Dns("a.example.test"), Dns("b.example.test"), Ip(10, 0, 0, 7), Ip(new byte[16] { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 })) } }).Der());
        yield return Accepted("san-only-dns", (Good with { Subject = Name((O, "Example")), Extensions = new[] { San(Dns("sanonly.example.test")) } }).Der());
        yield return Accepted("san-only-ip", (Good with { Subject = Name((O, "Example")), Extensions = new[] { San(Ip(127, 0, 0, 9)) } }).Der());
        yield return Accepted("empty-subject-san", (Good with { Subject = Tlv(0x30, Array.Empty<byte>()), Extensions = new[] { San(Dns("nosubject.example.test")) } }).Der());
        yield return Accepted("wildcard", (Good with { Extensions = new[] { San(Dns("*.apps.example.test")) } }).Der());
        yield return Accepted("uppercase-dns", (Good with { Extensions = new[] { San(Dns("HOST.Example.TEST")) } }).Der());
        yield return Accepted("dns-label-63", (Good with { Extensions = new[] { San(Dns(new string('a', 63) + ".example.test")) } }).Der());
        yield return Accepted("dns-253", (Good with { Extensions = new[] { San(Dns(string.Join('.', Enumerable.Repeat(new string('b', 49), 5)) + ".abc")) } }).Der());
        yield return Accepted("cn-with-space", (Good with { Subject = Name((Cn, "My Service")) }).Der());
        yield return Accepted("cn-unicode-printable", (Good with { Subject = Name((O, "Bücher GmbH"), (Cn, "Bücher Zürich")) }).Der());
        yield return Accepted("cn-printablestring", (Good with { Subject = NameOf((Cn, Tlv(0x13, Encoding.ASCII.GetBytes("printable.example.test")))) }).Der());
        yield return Accepted("cn-bmpstring", (Good with { Subject = NameOf((Cn, Tlv(0x1E, Encoding.BigEndianUnicode.GetBytes("bmp.example.test")))) }).Der());
        yield return Accepted("cn-ia5string", (Good with { Subject = NameOf((Cn, Tlv(0x16, Encoding.ASCII.GetBytes("ia5.example.test")))) }).Der());
        yield return Accepted("two-cns", (Good with { Subject = Name((Cn, "first.example.test"), (Cn, "second.example.test")) }).Der());
        yield return Accepted("full-subject", (Good with { Subject = Name(("2.5.4.6", "DE"), ("2.5.4.8", "Berlin"), ("2.5.4.7", "Berlin"), (O, "Example"), (Ou, "Ops"), (Cn, "full.example.test")) }).Der());
        yield return Accepted("rsa2048-sha256", (Good with { Key = Rsa2048.Value }).Der());
        yield return Accepted("rsa2048-sha384", (Good with { Key = Rsa2048.Value, SignatureOid = RsaSha384, Hash = HashAlgorithmName.SHA384 }).Der());
        yield return Accepted("rsa2048-sha512", (Good with { Key = Rsa2048.Value, SignatureOid = RsaSha512, Hash = HashAlgorithmName.SHA512 }).Der());
        yield return Accepted("ec-sha384", (Good with { SignatureOid = EcdsaSha384, Hash = HashAlgorithmName.SHA384 }).Der());
        yield return Accepted("ec-sha512", (Good with { SignatureOid = EcdsaSha512, Hash = HashAlgorithmName.SHA512 }).Der());
        yield return Accepted("p384", (Good with { Key = P384.Value, SignatureOid = EcdsaSha384, Hash = HashAlgorithmName.SHA384 }).Der());
        yield return Accepted("p521", (Good with { Key = P521.Value, SignatureOid = EcdsaSha512, Hash = HashAlgorithmName.SHA512 }).Der());
        yield return Accepted("ca-false", (Good with { Extensions = new[] { CaFlag(false) } }).Der());
        yield return Accepted("unknown-extension", (Good with { Extensions = new[] { ("1.3.6.1.4.1.99999.1", false, Tlv(0x04, new byte[] { 1, 2, 3 })) } }).Der());
        yield return Accepted("unknown-critical-extension", (Good with { Extensions = new[] { ("1.3.6.1.4.1.99999.2", true, Tlv(0x05, Array.Empty<byte>())) } }).Der());
        yield return Accepted("key-usage-and-eku", (Good with { Extensions = new[] { ("2.5.29.15", true, new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true).RawData), ("2.5.29.37", false, new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false).RawData) } }).Der());
        yield return Accepted("email-and-dns", (Good with { Extensions = new[] { San(Email("ops@example.test"), Dns("mail.example.test")) } }).Der());
        yield return Accepted("cn-and-uri", (Good with { Extensions = new[] { San(CsrForge.Uri("spiffe://example.test/app")) } }).Der());
        yield return Accepted("empty-san-with-cn", (Good with { Extensions = new[] { San() } }).Der());
        yield return Accepted("san-500-dns", (Good with { Extensions = new[] { San(Enumerable.Range(0, 500).Select(i => Dns($"h{i}.example.test")).ToArray()) } }).Der());
        yield return Accepted("pem-new-label", Good.Pem("NEW CERTIFICATE REQUEST"));
        yield return Accepted("pem-crlf", Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(Good.Pem()).Replace("\n", "\r\n")));
        yield return Accepted("pem-after-text", Encoding.ASCII.GetBytes("Certificate Request:\n    Data:\n        Version: 1 (0x0)\n").Concat(Good.Pem()).ToArray());
        yield return Accepted("pem-blank-lines-around", Encoding.ASCII.GetBytes("\n\n").Concat(Good.Pem()).Concat(Encoding.ASCII.GetBytes("\n\n")).ToArray());

        // Not a request at all, or not whole.
        byte[] der = Good.Der();
        yield return new("empty-file", Array.Empty<byte>(), Unreadable, "is empty");
        yield return new("white-space-only", Encoding.ASCII.GetBytes(" \n\t\r\n"), Unreadable, "is empty");
        foreach (int keep in new[] { 1, 2, 10, der.Length / 2, der.Length - 1 })
            yield return new($"truncated-to-{(keep == der.Length - 1 ? "all-but-one" : keep == der.Length / 2 ? "half" : keep.ToString())}", der[..keep], Unreadable, "neither a PEM");
        yield return new("trailing-zero-byte", der.Append((byte)0).ToArray(), Unreadable);
        yield return new("trailing-garbage", der.Concat(Encoding.ASCII.GetBytes("garbage")).ToArray(), Unreadable);
        yield return new("pem-trailing-garbage-inside", Encoding.ASCII.GetBytes(PemEncoding.WriteString("CERTIFICATE REQUEST", der.Concat(new byte[] { 0xFF, 0xFF }).ToArray())), Unreadable);
        foreach (int seed in new[] { 1, 2, 3 })
            yield return new($"random-bytes-{seed}", RandomBytes(seed, 300), Unreadable);
        yield return new("text", Encoding.ASCII.GetBytes("this is not a request\n"), Unreadable);
        yield return new("headless-base64", Encoding.ASCII.GetBytes(Convert.ToBase64String(der)), Unreadable, "without the");
        yield return new("empty-sequence", new byte[] { 0x30, 0x00 }, Unreadable);
        yield return new("one-byte", new byte[] { 0x30 }, Unreadable, "neither a PEM");
        yield return new("public-key-der", P256.ExportSubjectPublicKeyInfo(), Unreadable);
        yield return new("pem-label-public-key", Good.Pem("PUBLIC KEY"), Unreadable);
        yield return new("pem-label-crl", Good.Pem("X509 CRL"), Unreadable);
        yield return new("pem-broken-base64", Encoding.ASCII.GetBytes("-----BEGIN CERTIFICATE REQUEST-----\n!!!\n-----END CERTIFICATE REQUEST-----\n"), Unreadable);
        yield return new("pem-no-end", Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(Good.Pem()).Replace("-----END CERTIFICATE REQUEST-----", "")), Unreadable);
        yield return new("pem-label-certificate", Good.Pem("CERTIFICATE"), "CertificateRequestIsCertificate");
        using (var cert = new CertificateRequest("CN=c", P256, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1)))
        {
            yield return new("certificate-pem", Encoding.ASCII.GetBytes(cert.ExportCertificatePem()), "CertificateRequestIsCertificate");
            yield return new("certificate-der", cert.RawData, "CertificateRequestIsCertificate", "DER certificate");
        }
        yield return new("key-pkcs8-pem", Encoding.ASCII.GetBytes(OtherP256.ExportPkcs8PrivateKeyPem()), "CertificateRequestIsKey");
        yield return new("key-ec-pem", Encoding.ASCII.GetBytes(OtherP256.ExportECPrivateKeyPem()), "CertificateRequestIsKey");

        // A request whose inside is not DER: the extension the reader must decode, or the attribute that holds them.
        yield return new("san-truncated", (Good with { Extensions = new[] { (SubjectAltName, false, new byte[] { 0x30, 0x05, 0x82 }) } }).Der(), Malformed, "subjectAltName");
        yield return new("san-garbage", (Good with { Extensions = new[] { (SubjectAltName, false, new byte[] { 0xDE, 0xAD, 0xBE, 0xEF }) } }).Der(), Malformed, "subjectAltName");
        yield return new("san-set-not-sequence", (Good with { Extensions = new[] { (SubjectAltName, false, Tlv(0x31, Dns("a.example.test"))) } }).Der(), Malformed, "subjectAltName");
        yield return new("san-trailing-byte", (Good with { Extensions = new[] { (SubjectAltName, false, Tlv(0x30, Dns("a.example.test")).Append((byte)0).ToArray()) } }).Der(), Malformed, "subjectAltName");
        yield return new("san-inner-length-too-long", (Good with { Extensions = new[] { (SubjectAltName, false, new byte[] { 0x30, 0x04, 0x82, 0x09, 0x61, 0x62 }) } }).Der(), Malformed, "subjectAltName");
        yield return new("san-empty-value", (Good with { Extensions = new[] { (SubjectAltName, false, Array.Empty<byte>()) } }).Der(), Malformed, "subjectAltName");
        yield return new("basic-constraints-truncated", (Good with { Extensions = new[] { (BasicConstraints, true, new byte[] { 0x30, 0x03, 0x01 }) } }).Der(), Malformed, "basicConstraints");
        yield return new("basic-constraints-null", (Good with { Extensions = new[] { (BasicConstraints, true, new byte[] { 0x05, 0x00 }) } }).Der(), Malformed, "basicConstraints");
        yield return new("basic-constraints-long-boolean", (Good with { Extensions = new[] { (BasicConstraints, true, new byte[] { 0x30, 0x04, 0x01, 0x02, 0xFF, 0xFF }) } }).Der(), Malformed, "basicConstraints");
        yield return new("extension-request-not-a-list", (Good with { RawExtensionRequest = Tlv(0x04, new byte[] { 1, 2 }) }).Der(), Malformed);

        // Signatures: only the algorithms a CA still takes, and only by the request's own key.
        yield return new("rsa-md5", (Good with { Key = Rsa2048.Value, SignatureOid = RsaMd5, Hash = HashAlgorithmName.MD5 }).Der(), SignatureAlgorithm, "MD5");
        yield return new("rsa-md5-oid-sha256-signature", (Good with { Key = Rsa2048.Value, SignatureOid = RsaMd5 }).Der(), SignatureAlgorithm, "MD5");
        yield return new("rsa-sha1", (Good with { Key = Rsa2048.Value, SignatureOid = RsaSha1, Hash = HashAlgorithmName.SHA1 }).Der(), SignatureAlgorithm, "SHA-1");
        yield return new("ec-sha1", (Good with { SignatureOid = EcdsaSha1, Hash = HashAlgorithmName.SHA1 }).Der(), SignatureAlgorithm, "SHA-1");
        yield return new("unknown-signature-oid", (Good with { SignatureOid = "1.3.6.1.4.1.99999.9" }).Der(), SignatureAlgorithm, "1.3.6.1.4.1.99999.9");
        yield return new("signed-by-another-key", (Good with { SignWith = OtherP256 }).Der(), SignatureInvalid);
        yield return new("ec-key-rsa-oid", (Good with { SignatureOid = RsaSha256 }).Der(), SignatureInvalid);
        yield return new("hash-differs-from-oid", (Good with { Hash = HashAlgorithmName.SHA384 }).Der(), SignatureInvalid);
        yield return new("ec-signature-bit-flipped", Flip(der, der.Length - 1), SignatureInvalid);
        yield return new("rsa-signature-bit-flipped", Flip((Good with { Key = Rsa2048.Value }).Der(), ^1), SignatureInvalid);
        yield return new("subject-changed-after-signing", Replace(der, "host.example.test", "hosx.example.test"), SignatureInvalid);

        // Keys and the CA flag.
        yield return new("rsa1024", (Good with { Key = Rsa1024.Value }).Der(), "CertificateRequestWeakKey");
        yield return new("secp256k1", (Good with { Key = K256.Value }).Der(), "CertificateRequestKeyUnsupported");
        yield return new("ca-true", (Good with { Extensions = new[] { CaFlag(true) } }).Der(), AsksForCa);
        yield return new("ca-true-not-critical", (Good with { Extensions = new[] { (BasicConstraints, false, CaFlag(true).Item3) } }).Der(), AsksForCa);

        // Names: none, or one no CA may put in a certificate.
        yield return new("organization-only", (Good with { Subject = Name((O, "Example Only")) }).Der(), NoNames);
        yield return new("empty-subject", (Good with { Subject = Tlv(0x30, Array.Empty<byte>()) }).Der(), NoNames);
        yield return new("empty-cn", (Good with { Subject = Name((Cn, "")) }).Der(), NoNames);
        yield return new("email-san-only", (Good with { Subject = Name((O, "Example")), Extensions = new[] { San(Email("ops@example.test")) } }).Der(), NoNames);
        yield return new("uri-san-only", (Good with { Subject = Name((O, "Example")), Extensions = new[] { San(CsrForge.Uri("https://example.test/")) } }).Der(), NoNames);
        foreach (var (name, dns, shown) in new[]
        {
            ("dns-space", "bad name.example.test", "'bad name.example.test'"),
            ("dns-underscore", "_srv.example.test", "'_srv.example.test'"),
            ("dns-leading-hyphen", "-a.example.test", null),
            ("dns-trailing-hyphen", "a-.example.test", null),
            ("dns-label-64", new string('a', 64) + ".example.test", null),
            ("dns-254", string.Join('.', Enumerable.Repeat(new string('b', 49), 5)) + ".abcd", null),
            ("dns-empty", "", null),
            ("dns-double-dot", "a..example.test", null),
            ("dns-trailing-dot", "host.example.test.", null),
            ("dns-double-wildcard", "*.*.example.test", null),
            ("dns-inner-wildcard", "a*.example.test", null),
            ("dns-slash", "host.example.test/path", null),
            ("dns-nul", "host\0.example.test", "host\\x00.example.test"),
            ("dns-esc", "host\u001b[2J.example.test", "host\\x1B[2J.example.test"),
            ("dns-newline", "host.example.test\nWARNING: forged", "host.example.test\\x0AWARNING: forged"),
            ("dns-del", "host\u007f.example.test", "host\\x7F.example.test"),
        })
            yield return new(name, (Good with { Extensions = new[] { San(Dns(dns)) } }).Der(), NameInvalid, shown);
        yield return new("dns-raw-utf8", (Good with { Extensions = new[] { San(Dns("bücher.example.test")) } }).Der(), NameInvalid, "b\\xC3\\xBCcher.example.test");
        yield return new("dns-raw-latin1", (Good with { Extensions = new[] { San(DnsBytes(Encoding.Latin1.GetBytes("caf\u00e9.example.test"))) } }).Der(), NameInvalid, "caf\\xE9.example.test");
        yield return new("dns-raw-c1-csi", (Good with { Extensions = new[] { San(DnsBytes(0x61, 0x9B, 0x32, 0x4A)) } }).Der(), NameInvalid, "a\\x9B2J");
        yield return new("dns-good-then-bad", (Good with { Extensions = new[] { San(Dns("good.example.test"), Dns("b\u00fccher.example.test")) } }).Der(), NameInvalid, "IDNA");
        foreach (int length in new[] { 0, 1, 3, 5, 8, 15, 17, 32 })
            yield return new($"ip-{length}-bytes", (Good with { Extensions = new[] { San(Ip(Enumerable.Range(1, length).Select(i => (byte)i).ToArray())) } }).Der(), NameInvalid, $"{length} byte");
        foreach (var (name, oid, value, shown) in new[]
        {
            ("cn-esc-sequence", Cn, "x\u001b[2J\u001b[HWARNING: forged", "x\\u001B[2J\\u001B[HWARNING: forged"),
            ("cn-nul", Cn, "host\0.example.test", "host\\0.example.test"),
            ("cn-newline", Cn, "host.example.test\nWARNING: forged", "host.example.test\\nWARNING: forged"),
            ("cn-carriage-return", Cn, "host.example.test\rWARNING", "\\r"),
            ("cn-tab", Cn, "host\t.example.test", "\\t"),
            ("cn-bell", Cn, "host\a.example.test", "\\u0007"),
            ("cn-del", Cn, "host\u007f.example.test", "\\u007F"),
            ("cn-c1-nel", Cn, "host\u0085.example.test", "\\u0085"),
            ("cn-c1-csi", Cn, "host\u009b2J.example.test", "\\u009B"),
            ("organization-esc", O, "Evil\u001b]0;title\u0007 Inc", "\\u001B]0;title\\u0007"),
            ("unit-newline", Ou, "Ops\nWARNING: forged", "Ops\\nWARNING: forged"),
        })
            yield return new(name, (Good with { Subject = Name((oid, value), (Cn == oid ? O : Cn, Cn == oid ? "Example" : "host.example.test")) }).Der(), NameInvalid, shown);
        yield return new("cn-bmpstring-esc", (Good with { Subject = NameOf((Cn, Tlv(0x1E, Encoding.BigEndianUnicode.GetBytes("x\u001b[2Jy")))) }).Der(), NameInvalid, "x\\u001B[2Jy");
        yield return new("cn-esc-with-good-san", (Good with { Subject = Name((Cn, "\u001b[31mred")), Extensions = new[] { San(Dns("red.example.test")) } }).Der(), NameInvalid, "\\u001B[31mred");
    }

    private static readonly Lazy<ECDsa> P384 = new(() => ECDsa.Create(ECCurve.NamedCurves.nistP384));
    private static readonly Lazy<ECDsa> P521 = new(() => ECDsa.Create(ECCurve.NamedCurves.nistP521));
    private static readonly Lazy<ECDsa> K256 = new(() => ECDsa.Create(ECCurve.CreateFromFriendlyName("secP256k1")));
    private static readonly Lazy<RSA> Rsa1024 = new(() => RSA.Create(1024));

    private static CorpusCase Accepted(string name, byte[] bytes) => new(name, bytes, null);

    private static byte[] RandomBytes(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static byte[] Flip(byte[] bytes, Index at)
    {
        var copy = (byte[])bytes.Clone();
        copy[at] ^= 0x01;
        return copy;
    }

    private static byte[] Replace(byte[] bytes, string from, string to)
    {
        byte[] f = Encoding.ASCII.GetBytes(from), t = Encoding.ASCII.GetBytes(to);
        int at = bytes.AsSpan().IndexOf(f);
        if (at < 0) throw new InvalidOperationException($"'{from}' is not in the request");
        var copy = (byte[])bytes.Clone();
        t.CopyTo(copy, at);
        return copy;
    }
}
