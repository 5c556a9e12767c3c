using System.Formats.Asn1;

namespace DcosTls.Certificates;

/// <summary>
/// OpenSSL's X509_NAME_hash (the `openssl x509 -hash` value), computed in-process so that hashed
/// trust folders can be maintained without shelling out. The input to SHA-1 is OpenSSL's canonical
/// encoding of the name: every RDN re-encoded with string values converted to UTF-8, trimmed,
/// inner whitespace collapsed, ASCII lower-cased and re-tagged UTF8String; AVAs of one RDN sorted
/// as DER SET OF; the RDN SETs concatenated without the outer SEQUENCE header.
/// </summary>
internal static class SubjectHash
{
    internal static string Compute(X509Certificate2 certificate) => Compute(certificate.SubjectName.RawData);

    internal static string Compute(X500DistinguishedName name) => Compute(name.RawData);

    /// <summary>
    /// The hash straight from a DER certificate, without building an X509Certificate2: the subject
    /// is the sixth field of TBSCertificate (fifth when the v1 certificate has no version).
    /// </summary>
    internal static string ComputeFromCertificate(ReadOnlySpan<byte> certificateDer)
    {
        var certificate = new AsnReader(certificateDer.ToArray(), AsnEncodingRules.BER).ReadSequence();
        var tbs = certificate.ReadSequence();
        if (tbs.PeekTag().TagClass == TagClass.ContextSpecific) tbs.ReadEncodedValue(); // [0] version
        tbs.ReadEncodedValue(); // serialNumber
        tbs.ReadEncodedValue(); // signature
        tbs.ReadEncodedValue(); // issuer
        tbs.ReadEncodedValue(); // validity
        return Compute(tbs.ReadEncodedValue().Span);
    }

    internal static string Compute(ReadOnlySpan<byte> nameDer)
    {
        byte[] canonical = CanonicalEncoding(nameDer);
        Span<byte> digest = stackalloc byte[20];
        SHA1.HashData(canonical, digest);
        uint value = (uint)(digest[0] | digest[1] << 8 | digest[2] << 16 | digest[3] << 24);
        return value.ToString("x8");
    }

    internal static byte[] CanonicalEncoding(ReadOnlySpan<byte> nameDer)
    {
        var name = new AsnReader(nameDer.ToArray(), AsnEncodingRules.BER);
        var rdns = name.ReadSequence();
        name.ThrowIfNotEmpty();
        using var output = new MemoryStream();
        while (rdns.HasData)
        {
            var rdn = rdns.ReadSetOf(skipSortOrderValidation: true);
            var writer = new AsnWriter(AsnEncodingRules.DER);
            // DER SET OF: the writer sorts the AVA encodings when the set is popped, which is
            // exactly the order OpenSSL's i2d gives a multi-valued RDN.
            writer.PushSetOf();
            while (rdn.HasData)
            {
                var ava = rdn.ReadSequence();
                string oid = ava.ReadObjectIdentifier();
                ReadOnlySpan<byte> value = ava.ReadEncodedValue().Span;
                writer.PushSequence();
                writer.WriteObjectIdentifier(oid);
                writer.WriteEncodedValue(CanonicalValue(value));
                writer.PopSequence();
            }
            writer.PopSetOf();
            output.Write(writer.Encode());
        }
        return output.ToArray();
    }

    private static byte[] CanonicalValue(ReadOnlySpan<byte> tlv)
    {
        var tag = Asn1Tag.Decode(tlv, out _);
        if (tag.TagClass != TagClass.Universal || tag.IsConstructed) return tlv.ToArray();
        AsnDecoder.ReadEncodedValue(tlv, AsnEncodingRules.BER, out int offset, out int length, out _);
        ReadOnlySpan<byte> contents = tlv.Slice(offset, length);
        string? text = (UniversalTagNumber)tag.TagValue switch
        {
            UniversalTagNumber.UTF8String => Encoding.UTF8.GetString(contents),
            // OpenSSL converts these byte-per-character; T61 is taken as Latin-1.
            UniversalTagNumber.PrintableString or UniversalTagNumber.IA5String or UniversalTagNumber.VisibleString
                or UniversalTagNumber.T61String => Encoding.Latin1.GetString(contents),
            UniversalTagNumber.BMPString => Encoding.BigEndianUnicode.GetString(contents),
            UniversalTagNumber.UniversalString => new UTF32Encoding(bigEndian: true, byteOrderMark: false).GetString(contents),
            _ => null, // NumericString, BIT STRING, ...: copied unchanged, tag and bytes
        };
        if (text == null) return tlv.ToArray();
        byte[] canon = Canonicalise(tag.TagValue == (int)UniversalTagNumber.UTF8String ? contents.ToArray() : Encoding.UTF8.GetBytes(text));
        return EncodeUtf8StringTlv(canon);
    }

    /// <summary>Trim, collapse inner whitespace runs to one space, lower-case ASCII A-Z; bytes ≥ 0x80 untouched.</summary>
    private static byte[] Canonicalise(byte[] utf8)
    {
        static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or 0x0B or 0x0C or (byte)'\r';
        int start = 0, end = utf8.Length;
        while (start < end && IsSpace(utf8[start])) start++;
        while (end > start && IsSpace(utf8[end - 1])) end--;
        var result = new List<byte>(end - start);
        for (int i = start; i < end; i++)
        {
            byte b = utf8[i];
            if (IsSpace(b))
            {
                while (i + 1 < end && IsSpace(utf8[i + 1])) i++;
                result.Add((byte)' ');
            }
            else
            {
                result.Add(b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b + 32) : b);
            }
        }
        return result.ToArray();
    }

    private static byte[] EncodeUtf8StringTlv(byte[] contents)
    {
        // Raw bytes re-tagged 0x0C, as OpenSSL does; encoded by hand because AsnWriter would
        // insist on a valid UTF-8 string and OpenSSL does not.
        var tlv = new List<byte> { 0x0C };
        int length = contents.Length;
        if (length < 0x80)
        {
            tlv.Add((byte)length);
        }
        else
        {
            var lengthBytes = new List<byte>();
            for (int l = length; l > 0; l >>= 8) lengthBytes.Insert(0, (byte)(l & 0xFF));
            tlv.Add((byte)(0x80 | lengthBytes.Count));
            tlv.AddRange(lengthBytes);
        }
        tlv.AddRange(contents);
        return tlv.ToArray();
    }
}
