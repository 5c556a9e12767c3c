using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using DcosTls.Tests.Infrastructure;
using Xunit;

namespace DcosTls.Tests.Trust;

/// <summary>
/// The in-process subject hash (DcosCertificate.SubjectHash and the Mesos link names) equals
/// `openssl x509 -hash` on certificates with awkward subjects: made by `openssl req` under several
/// string masks, and by hand as raw DER names for the string types openssl req will not choose.
/// </summary>
public class SubjectHashTests
{
    private const string OidCn = "2.5.4.3", OidO = "2.5.4.10", OidOu = "2.5.4.11", OidC = "2.5.4.6", OidL = "2.5.4.7",
        OidEmail = "1.2.840.113549.1.9.1", OidDc = "0.9.2342.19200300.100.1.25", OidSerial = "2.5.4.5";

    /// <summary>openssl req -subj cases: (mask, subject, multi-valued?).</summary>
    private static readonly (string Mask, string Subject, bool Multi)[] OpensslCases =
    {
        ("utf8only", "/CN=DC\\/OS Root CA", false),
        ("default", "/CN=DC\\/OS Root CA", false),                                  // PrintableString
        ("utf8only", "/CN=  DC\\/OS   Root CA  ", false),                          // leading, trailing, repeated spaces
        ("utf8only", "/C=US/O=Mesosphere, Inc./CN=registry.example.com", false),
        ("utf8only", "/CN=MiXeD CaSe REGISTRY/O=UPPER/OU=lower", false),
        ("utf8only", "/CN=ÄBC Ünïcode CA", false),                                 // non-ASCII, UTF8String
        ("default", "/CN=Ärger Café", false),                                      // Latin-1 → T61String
        ("nombstr", "/CN=Zoë @ Straße", false),                                    // T61String
        ("default", "/CN=Ελληνικά Registry", false),                               // beyond Latin-1 → BMPString
        ("pkix", "/CN=Ärger Café/O=ÖBB", false),                                   // BMPString under pkix
        ("pkix", "/CN=日本語 レジストリ", false),                                     // BMPString, CJK
        ("utf8only", "/CN=emoji \U0001F433 whale", false),                         // outside the BMP, UTF8String
        ("utf8only", "/O=Zeta+CN=Alpha", true),                                    // multi-valued RDN, one order
        ("utf8only", "/CN=Alpha+O=Zeta", true),                                    // ... and the other
        ("default", "/CN=B+CN=a", true),                                           // same type, two values
        ("utf8only", "/O=Same+OU=Same+CN=Same/C=DE", true),
        ("utf8only", "/CN=" + new string('x', 64) + "/O=" + string.Concat(Enumerable.Repeat("Long Org ", 7)) +
            "/OU=" + new string('Y', 60) + "/L=" + new string('z', 60) + "/ST=" + new string('s', 60), false),   // long name (long-form lengths)
        ("utf8only", "/DC=com/DC=Example/CN=Internal Registry", false),           // IA5String domain components
        ("utf8only", "/emailAddress=Ops@Example.COM/CN=ops", false),              // IA5String e-mail
        ("default", "/serialNumber=0042/CN=numbered", false),                     // PrintableString serialNumber
        ("utf8only", "/CN=a\\+b \\= c", false),                                    // escaped specials
    };

    [Fact]
    public void In_process_hash_equals_openssl_x509_hash_on_awkward_subjects()
    {
        using var dir = new TempDir();
        string key = dir["key.pem"];
        Tool.Openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key);
        var files = new List<string>();
        for (int i = 0; i < OpensslCases.Length; i++)
        {
            var (mask, subject, multi) = OpensslCases[i];
            string config = dir[$"req-{mask}.cnf"];
            File.WriteAllText(config, $"[req]\ndistinguished_name = dn\nstring_mask = {mask}\nutf8 = yes\n[dn]\n");
            string file = dir[$"openssl-{i:D2}.pem"];
            var args = new List<string> { "req", "-x509", "-new", "-key", key, "-config", config, "-utf8", "-subj", subject, "-days", "30", "-out", file };
            if (multi) args.Add("-multivalue-rdn");
            var (code, _, err) = Tool.Run("openssl", args);
            Assert.True(code == 0, $"openssl req {subject}: {err}");
            files.Add(file);
        }
        foreach (var (name, der) in RawNames())
        {
            string file = dir[$"raw-{name}.pem"];
            File.WriteAllText(file, SelfSigned(der));
            files.Add(file);
        }
        Assert.True(files.Count >= 30, $"only {files.Count} certificates");

        // The string types the suite covers, read back from the certificates themselves.
        var tags = files.SelectMany(f => ValueTags(SubjectDer(f))).ToHashSet();
        foreach (var needed in new[] { UniversalTagNumber.PrintableString, UniversalTagNumber.UTF8String, UniversalTagNumber.BMPString,
                     UniversalTagNumber.T61String, UniversalTagNumber.IA5String })
            Assert.Contains(needed, tags);

        using var ps = new Pwsh(dir.Path);
        ps.Set("files", files.ToArray());
        var probe = ps.Run("foreach ($f in $files) { $null = Import-DcosCertificate -Path $f -ErrorAction SilentlyContinue -ErrorVariable +bad }; $bad | ForEach-Object { $_.TargetObject }");
        Assert.True(probe.Output.Count == 0, "not loadable: " + string.Join(", ", probe.Output.Select(o => o.ToString())));
        var ours = ps.Run("foreach ($f in $files) { (Import-DcosCertificate -Path $f).SubjectHash }").ThrowOnError()
            .Output.Select(o => o.BaseObject.ToString()).ToList();
        Assert.Equal(files.Count, ours.Count);
        var mismatches = new List<string>();
        for (int i = 0; i < files.Count; i++)
        {
            string theirs = Tool.Openssl("x509", "-noout", "-hash", "-in", files[i]).Trim();
            if (theirs != ours[i])
                mismatches.Add($"{Path.GetFileName(files[i])}: openssl {theirs}, ours {ours[i]} ({Tool.Openssl("x509", "-noout", "-subject", "-in", files[i]).Trim()})");
        }
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));

        // The same hashes name the links Install writes, and openssl rehash agrees with all of them.
        using var root = new TempDir();
        ps.Set("root", root.Path);
        ps.Run("$files | ForEach-Object { Import-DcosCertificate -Path $_ } | Install-DockerRegistryTrust -Target Mesos -Root $root -WarningAction SilentlyContinue")
            .ThrowOnError();
        string mesos = root["var/lib/dcos/pki/tls/certs"];
        string listing = RegistryTrustPeerTests.Listing(mesos);
        var (rehash, _, rehashErr) = Tool.Run("openssl", "rehash", mesos);
        Assert.True(rehash == 0, rehashErr);
        Assert.Equal(listing, RegistryTrustPeerTests.Listing(mesos));
    }

    /// <summary>Names openssl req does not produce: other string types, control whitespace, empty values, empty subject.</summary>
    private static IEnumerable<(string Name, byte[] Der)> RawNames()
    {
        static (string, Asn1Tag, byte[]) Ava(string oid, UniversalTagNumber type, byte[] value) => (oid, new Asn1Tag(type), value);
        static byte[] A(string s) => Encoding.ASCII.GetBytes(s);
        static byte[] L1(string s) => Encoding.Latin1.GetBytes(s);
        static byte[] Bmp(string s) => Encoding.BigEndianUnicode.GetBytes(s);
        static byte[] U8(string s) => Encoding.UTF8.GetBytes(s);
        yield return ("empty-subject", Name());
        yield return ("ia5-mixed", Name(new[] { Ava(OidCn, UniversalTagNumber.IA5String, A("Registry.EXAMPLE.com")) }));
        // VisibleString is left out: the BCL's X509Certificate2 refuses such subjects ("ASN1 corrupted data").
        yield return ("ia5-spaces", Name(new[] { Ava(OidCn, UniversalTagNumber.IA5String, A("  IA5   Spaced\tOUT ")) }));
        yield return ("numeric", Name(new[] { Ava(OidSerial, UniversalTagNumber.NumericString, A("0012 34")) }));
        yield return ("universal", Name(new[] { Ava(OidCn, UniversalTagNumber.UniversalString, new UTF32Encoding(true, false).GetBytes("Universal ÄÖ Ω")) }));
        yield return ("t61-latin1", Name(new[] { Ava(OidCn, UniversalTagNumber.T61String, L1("  Café   CRÈME ")) }));
        yield return ("bmp-greek", Name(new[] { Ava(OidCn, UniversalTagNumber.BMPString, Bmp("ΑΒΓ Registry\tCA")) }));
        yield return ("utf8-controls", Name(new[] { Ava(OidCn, UniversalTagNumber.UTF8String, U8("\t\v DC/OS\r\n\fRoot \t CA \n")) }));
        yield return ("utf8-empty", Name(new[] { Ava(OidCn, UniversalTagNumber.UTF8String, Array.Empty<byte>()) }));
        yield return ("utf8-spaces-only", Name(new[] { Ava(OidO, UniversalTagNumber.UTF8String, U8("   ")), Ava(OidCn, UniversalTagNumber.UTF8String, U8("x")) }));
        yield return ("printable-upper", Name(new[] { Ava(OidC, UniversalTagNumber.PrintableString, A("US")) },
            new[] { Ava(OidO, UniversalTagNumber.PrintableString, A("MESOSPHERE INC")) }));
        yield return ("multi-mixed-types-1", Name(new[] { Ava(OidCn, UniversalTagNumber.UTF8String, U8("B")), Ava(OidCn, UniversalTagNumber.PrintableString, A("a")) }));
        yield return ("multi-mixed-types-2", Name(new[] { Ava(OidCn, UniversalTagNumber.PrintableString, A("a")), Ava(OidCn, UniversalTagNumber.UTF8String, U8("B")) }));
        yield return ("multi-bmp-t61", Name(new[] { Ava(OidOu, UniversalTagNumber.BMPString, Bmp("Zeta Ü")), Ava(OidO, UniversalTagNumber.T61String, L1("alpha é")) }));
        yield return ("upper-non-ascii", Name(new[] { Ava(OidCn, UniversalTagNumber.UTF8String, U8("ÄÖÜ ÉÈ")) }));
        yield return ("dc-ia5-email", Name(new[] { Ava(OidDc, UniversalTagNumber.IA5String, A("Internal")) },
            new[] { Ava(OidEmail, UniversalTagNumber.IA5String, A("Admin@Example.Org")) }, new[] { Ava(OidL, UniversalTagNumber.UTF8String, U8("Zürich")) }));
        yield return ("long-200", Name(new[] { Ava(OidCn, UniversalTagNumber.UTF8String, U8(string.Concat(Enumerable.Repeat("Long Name ", 30)))) },
            new[] { Ava(OidO, UniversalTagNumber.BMPString, Bmp(new string('Ω', 150))) }));
    }

    private static byte[] Name(params (string Oid, Asn1Tag Tag, byte[] Value)[][] rdns)
    {
        var writer = new AsnWriter(AsnEncodingRules.BER);
        using (writer.PushSequence())
        {
            foreach (var rdn in rdns)
            {
                // Written in the given order on purpose (BER SET OF): openssl must re-sort, and so must we.
                var set = new AsnWriter(AsnEncodingRules.BER);
                using (set.PushSetOf())
                {
                    foreach (var (oid, tag, value) in rdn)
                    {
                        using (set.PushSequence())
                        {
                            set.WriteObjectIdentifier(oid);
                            set.WriteEncodedValue(Tlv((byte)tag.TagValue, value));
                        }
                    }
                }
                writer.WriteEncodedValue(set.Encode());
            }
        }
        return writer.Encode();
    }

    /// <summary>A primitive universal-class value with any string tag (AsnWriter checks tags, so by hand).</summary>
    private static byte[] Tlv(byte tag, byte[] value)
    {
        var bytes = new List<byte> { tag };
        if (value.Length < 0x80) bytes.Add((byte)value.Length);
        else if (value.Length < 0x100) bytes.AddRange(new byte[] { 0x81, (byte)value.Length });
        else bytes.AddRange(new byte[] { 0x82, (byte)(value.Length >> 8), (byte)value.Length });
        bytes.AddRange(value);
        return bytes.ToArray();
    }

    /// <summary>
    /// A self-signed certificate assembled by hand: CertificateRequest insists on DER, and these names
    /// keep their multi-valued RDNs in the order given (BER), which is the point of the test.
    /// </summary>
    private static string SelfSigned(byte[] nameDer)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        const string EcdsaWithSha256 = "1.2.840.10045.4.3.2";
        var tbs = new AsnWriter(AsnEncodingRules.BER);
        using (tbs.PushSequence())
        {
            using (tbs.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true))) tbs.WriteInteger(2);
            tbs.WriteInteger(RandomNumberGenerator.GetInt32(1, int.MaxValue));
            using (tbs.PushSequence()) tbs.WriteObjectIdentifier(EcdsaWithSha256);
            tbs.WriteEncodedValue(nameDer);
            using (tbs.PushSequence())
            {
                tbs.WriteUtcTime(DateTimeOffset.UtcNow.AddMinutes(-5));
                tbs.WriteUtcTime(DateTimeOffset.UtcNow.AddDays(30));
            }
            tbs.WriteEncodedValue(nameDer);
            tbs.WriteEncodedValue(key.ExportSubjectPublicKeyInfo());
        }
        byte[] tbsBytes = tbs.Encode();
        var cert = new AsnWriter(AsnEncodingRules.BER);
        using (cert.PushSequence())
        {
            cert.WriteEncodedValue(tbsBytes);
            using (cert.PushSequence()) cert.WriteObjectIdentifier(EcdsaWithSha256);
            cert.WriteBitString(key.SignData(tbsBytes, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        }
        return new string(PemEncoding.Write("CERTIFICATE", cert.Encode())) + "\n";
    }

    /// <summary>The subject Name's bytes, read with a BER reader (the BCL loader insists on DER).</summary>
    private static byte[] SubjectDer(string pemFile)
    {
        var cert = new AsnReader(PemEncoding.Find(File.ReadAllText(pemFile)) is var pem
            ? Convert.FromBase64String(File.ReadAllText(pemFile)[pem.Base64Data]) : null, AsnEncodingRules.BER).ReadSequence();
        var tbs = cert.ReadSequence();
        if (tbs.PeekTag().TagClass == TagClass.ContextSpecific) tbs.ReadEncodedValue(); // [0] version (absent in v1)
        tbs.ReadEncodedValue();                  // serial
        tbs.ReadEncodedValue();                  // signature algorithm
        tbs.ReadEncodedValue();                  // issuer
        tbs.ReadEncodedValue();                  // validity
        return tbs.ReadEncodedValue().ToArray(); // subject
    }

    private static IEnumerable<UniversalTagNumber> ValueTags(byte[] nameDer)
    {
        var name = new AsnReader(nameDer, AsnEncodingRules.BER).ReadSequence();
        while (name.HasData)
        {
            var rdn = name.ReadSetOf(skipSortOrderValidation: true);
            while (rdn.HasData)
            {
                var ava = rdn.ReadSequence();
                ava.ReadObjectIdentifier();
                yield return (UniversalTagNumber)ava.PeekTag().TagValue;
                ava.ReadEncodedValue();
            }
        }
    }
}
