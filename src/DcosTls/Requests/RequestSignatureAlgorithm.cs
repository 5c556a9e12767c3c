using System.Formats.Asn1;

namespace DcosTls.Requests;

/// <summary>
/// The algorithms a request may be signed with: RSA (PKCS#1 v1.5 or PSS) and ECDSA with SHA-256, -384 or
/// -512, as Let's Encrypt's boulder takes them. MD5 and SHA-1 signatures can be forged, so a request signed
/// with one does not prove that its sender holds the key; .NET itself throws NotSupportedException on MD5.
/// </summary>
internal static class RequestSignatureAlgorithm
{
    private static readonly HashSet<string> Accepted = new(StringComparer.Ordinal)
    {
        "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13", // sha256/384/512WithRSAEncryption
        "1.2.840.113549.1.1.10",                                                   // RSASSA-PSS
        "1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4",       // ecdsa-with-SHA256/384/512
    };

    private static readonly Dictionary<string, (string Name, string Hash)> Refused = new(StringComparer.Ordinal)
    {
        ["1.2.840.113549.1.1.2"] = ("md2WithRSAEncryption", "MD2"),
        ["1.2.840.113549.1.1.3"] = ("md4WithRSAEncryption", "MD4"),
        ["1.2.840.113549.1.1.4"] = ("md5WithRSAEncryption", "MD5"),
        ["1.2.840.113549.1.1.5"] = ("sha1WithRSAEncryption", "SHA-1"),
        ["1.2.840.113549.1.1.14"] = ("sha224WithRSAEncryption", "SHA-224"),
        ["1.2.840.10045.4.1"] = ("ecdsa-with-SHA1", "SHA-1"),
        ["1.2.840.10045.4.3.1"] = ("ecdsa-with-SHA224", "SHA-224"),
        ["1.2.840.10040.4.3"] = ("dsa-with-sha1", "SHA-1"),
    };

    /// <summary>The signature algorithm OID of a PKCS#10 request that .NET has already parsed.</summary>
    internal static string Oid(byte[] der)
    {
        var request = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        request.ReadEncodedValue(); // certificationRequestInfo
        return request.ReadSequence().ReadObjectIdentifier();
    }

    /// <exception cref="CertificateRequestException">CertificateRequestSignatureAlgorithmUnsupported.</exception>
    internal static void Check(string oid, string source)
    {
        if (Accepted.Contains(oid)) return;
        string what = Refused.TryGetValue(oid, out var known)
            ? $"{known.Name} ({known.Hash}); {known.Hash} signatures can be forged, so it does not prove that its sender holds the key"
            : $"an algorithm the CA does not take ({oid})";
        throw new CertificateRequestException("CertificateRequestSignatureAlgorithmUnsupported", ErrorCategory.InvalidData,
            $"The request in {source} is signed with {what}. Make the request again signed with SHA-256, -384 or -512 (openssl req -sha256, the default of current openssl).");
    }
}
