using System.Formats.Asn1;
using DcosTls.Certificates;

namespace DcosTls.Requests;

/// <summary>
/// The DNS and IP subject alternative names of a request, read from the extension's DER here rather than
/// by X509SubjectAlternativeNameExtension: that one throws a bare CryptographicException or
/// ArgumentException on a name another tool wrote badly (an IP of 5 bytes, raw UTF-8 in a dNSName), which
/// says neither which file nor what is wrong. Other kinds of names (e-mail, URI, ...) are skipped: the
/// certificate gets only DNS and IP names.
/// </summary>
internal static class RequestAlternativeNames
{
    private static readonly Asn1Tag DnsTag = new(TagClass.ContextSpecific, 2);
    private static readonly Asn1Tag IpTag = new(TagClass.ContextSpecific, 7);

    /// <exception cref="CertificateRequestException">CertificateRequestMalformed when the extension is not DER
    /// GeneralNames; CertificateRequestNameInvalid for a DNS name that is not one, or an IP that is not 4 or 16 bytes.</exception>
    internal static void Read(byte[] extension, string source, List<string> dns, List<IPAddress> ips)
    {
        try
        {
            var outer = new AsnReader(extension, AsnEncodingRules.DER);
            var names = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            while (names.HasData)
            {
                var tag = names.PeekTag();
                if (tag.HasSameClassAndValue(DnsTag)) dns.Add(DnsName(names.ReadOctetString(DnsTag), source));
                else if (tag.HasSameClassAndValue(IpTag)) ips.Add(IpAddress(names.ReadOctetString(IpTag), source));
                else names.ReadEncodedValue();
            }
        }
        catch (AsnContentException)
        {
            throw new CertificateRequestException("CertificateRequestMalformed", ErrorCategory.InvalidData,
                $"The request in {source} has a subjectAltName extension (2.5.29.17) that is not valid DER. The tool that made the request wrote it wrongly; ask for a new request.");
        }
    }

    /// <summary>A dNSName is IA5 (ASCII) text; anything else, and anything that is not a host name, is refused.</summary>
    private static string DnsName(byte[] raw, string source)
    {
        string shown = Printable(raw);
        if (raw.All(b => b is > 0x20 and < 0x7F) && CertificateSpec.IsValidDnsName(shown)) return shown;
        throw new CertificateRequestException("CertificateRequestNameInvalid", ErrorCategory.InvalidData,
            $"The request in {source} asks for the DNS name '{shown}', which is not a valid DNS name (letters, digits and hyphens in dot-separated labels; an internationalized name in its IDNA ASCII form, xn--...). Ask for a request with valid names.");
    }

    private static IPAddress IpAddress(byte[] raw, string source)
    {
        if (raw.Length is 4 or 16) return new IPAddress(raw);
        throw new CertificateRequestException("CertificateRequestNameInvalid", ErrorCategory.InvalidData,
            $"The request in {source} has an IP address alternative name of {raw.Length} byte{(raw.Length == 1 ? "" : "s")}; an IP address is 4 bytes (IPv4) or 16 (IPv6). The tool that made the request wrote it wrongly; ask for a new request.");
    }

    /// <summary>Bytes as a message can show them: printable ASCII as it is, every other byte as \xNN.</summary>
    private static string Printable(byte[] raw)
        => string.Concat(raw.Select(b => b is >= 0x20 and < 0x7F ? ((char)b).ToString() : $"\\x{b:X2}"));
}
