using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;

namespace DcosTls.UnitTests;

/// <summary>
/// Writes PKCS#10 requests byte by byte, so that a test can make what no well-behaved tool makes: a
/// subject with control characters, an IP SAN of 5 bytes, raw UTF-8 in a dNSName, an extension that is
/// not DER, an MD5 signature, a signature by another key. The keys are made once and shared: the corpus
/// has to run in seconds.
/// </summary>
internal sealed record CsrForge
{
    internal static readonly ECDsa P256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    internal static readonly ECDsa OtherP256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    internal static readonly Lazy<RSA> Rsa2048 = new(() => RSA.Create(2048));

    internal const string EcdsaSha256 = "1.2.840.10045.4.3.2";
    internal const string EcdsaSha384 = "1.2.840.10045.4.3.3";
    internal const string EcdsaSha512 = "1.2.840.10045.4.3.4";
    internal const string EcdsaSha1 = "1.2.840.10045.4.1";
    internal const string RsaSha256 = "1.2.840.113549.1.1.11";
    internal const string RsaSha384 = "1.2.840.113549.1.1.12";
    internal const string RsaSha512 = "1.2.840.113549.1.1.13";
    internal const string RsaSha1 = "1.2.840.113549.1.1.5";
    internal const string RsaMd5 = "1.2.840.113549.1.1.4";
    internal const string SubjectAltName = "2.5.29.17";
    internal const string BasicConstraints = "2.5.29.19";

    /// <summary>The key whose public half the request carries.</summary>
    public AsymmetricAlgorithm Key { get; init; } = P256;

    /// <summary>The key that signs; another than <see cref="Key"/> makes a signature that does not verify.</summary>
    public AsymmetricAlgorithm? SignWith { get; init; }

    /// <summary>The subject as DER (a Name); <see cref="Name"/> builds one.</summary>
    public byte[] Subject { get; init; } = Name(("2.5.4.3", "host.example.test"));

    public IReadOnlyList<(string Oid, bool Critical, byte[] Value)> Extensions { get; init; } = Array.Empty<(string, bool, byte[])>();

    /// <summary>The signature algorithm OID written; by default the SHA-256 one for the key.</summary>
    public string? SignatureOid { get; init; }

    /// <summary>The hash actually used to sign (independent of the OID, so a mismatch can be made).</summary>
    public HashAlgorithmName Hash { get; init; } = HashAlgorithmName.SHA256;

    /// <summary>Replaces the whole extensionRequest attribute value (the SET's content).</summary>
    public byte[]? RawExtensionRequest { get; init; }

    public byte[] Der()
    {
        var info = new AsnWriter(AsnEncodingRules.DER);
        using (info.PushSequence())
        {
            info.WriteInteger(0);
            info.WriteEncodedValue(Subject);
            info.WriteEncodedValue(Key.ExportSubjectPublicKeyInfo());
            using (info.PushSetOf(new Asn1Tag(TagClass.ContextSpecific, 0)))
            {
                if (Extensions.Count > 0 || RawExtensionRequest != null)
                {
                    using (info.PushSequence())
                    {
                        info.WriteObjectIdentifier("1.2.840.113549.1.9.14");
                        using (info.PushSetOf())
                        {
                            if (RawExtensionRequest != null) info.WriteEncodedValue(RawExtensionRequest);
                            else
                                using (info.PushSequence())
                                    foreach (var (oid, critical, value) in Extensions)
                                        using (info.PushSequence())
                                        {
                                            info.WriteObjectIdentifier(oid);
                                            if (critical) info.WriteBoolean(true);
                                            info.WriteOctetString(value);
                                        }
                        }
                    }
                }
            }
        }
        byte[] tbs = info.Encode();
        var signer = SignWith ?? Key;
        byte[] signature = signer switch
        {
            ECDsa ec => ec.SignData(tbs, Hash, DSASignatureFormat.Rfc3279DerSequence),
            RSA rsa => rsa.SignData(tbs, Hash, RSASignaturePadding.Pkcs1),
            _ => throw new NotSupportedException(signer.GetType().Name),
        };
        string algorithm = SignatureOid ?? (Key is RSA ? RsaSha256 : EcdsaSha256);
        var outer = new AsnWriter(AsnEncodingRules.DER);
        using (outer.PushSequence())
        {
            outer.WriteEncodedValue(tbs);
            using (outer.PushSequence())
            {
                outer.WriteObjectIdentifier(algorithm);
                if (algorithm.StartsWith("1.2.840.113549.1.1.", StringComparison.Ordinal)) outer.WriteNull();
            }
            outer.WriteBitString(signature);
        }
        return outer.Encode();
    }

    public byte[] Pem(string label = "CERTIFICATE REQUEST") => Encoding.ASCII.GetBytes(PemEncoding.WriteString(label, Der()) + "\n");

    /// <summary>A Name of single-valued RDNs, each value a UTF8String (which may hold any character).</summary>
    internal static byte[] Name(params (string Oid, string Value)[] rdns)
        => NameOf(rdns.Select(r => (r.Oid, Tlv(0x0C, Encoding.UTF8.GetBytes(r.Value)))).ToArray());

    /// <summary>A Name whose attribute values are given as whole TLVs (any string type, any bytes).</summary>
    internal static byte[] NameOf(params (string Oid, byte[] Value)[] rdns)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
            foreach (var (oid, value) in rdns)
                using (w.PushSetOf())
                using (w.PushSequence())
                {
                    w.WriteObjectIdentifier(oid);
                    w.WriteEncodedValue(value);
                }
        return w.Encode();
    }

    /// <summary>GeneralNames from whole TLVs (<see cref="Dns(string)"/>, <see cref="Ip(byte[])"/>, ...).</summary>
    internal static (string, bool, byte[]) San(params byte[][] names) => (SubjectAltName, false, Tlv(0x30, names.SelectMany(n => n).ToArray()));

    internal static byte[] Dns(string name) => Tlv(0x82, Encoding.UTF8.GetBytes(name));
    internal static byte[] DnsBytes(params byte[] raw) => Tlv(0x82, raw);
    internal static byte[] Ip(params byte[] raw) => Tlv(0x87, raw);
    internal static byte[] Email(string address) => Tlv(0x81, Encoding.ASCII.GetBytes(address));
    internal static byte[] Uri(string uri) => Tlv(0x86, Encoding.ASCII.GetBytes(uri));

    internal static (string, bool, byte[]) CaFlag(bool ca) => (BasicConstraints, true, ca ? Tlv(0x30, Tlv(0x01, new byte[] { 0xFF })) : Tlv(0x30, Array.Empty<byte>()));

    /// <summary>One DER TLV (short or long length form), written by hand so that any content can be put in it.</summary>
    internal static byte[] Tlv(byte tag, byte[] content)
    {
        var bytes = new List<byte> { tag };
        if (content.Length < 0x80) bytes.Add((byte)content.Length);
        else
        {
            var length = new List<byte>();
            for (int n = content.Length; n > 0; n >>= 8) length.Insert(0, (byte)n);
            bytes.Add((byte)(0x80 | length.Count));
            bytes.AddRange(length);
        }
        bytes.AddRange(content);
        return bytes.ToArray();
    }
}
