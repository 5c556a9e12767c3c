using System.Formats.Asn1;

namespace DcosTls.Certificates;

/// <summary>
/// One PEM block with its RFC 1421 headers. PemEncoding in the BCL does not accept headers, and
/// the legacy `openssl genrsa -aes256` key carries Proc-Type and DEK-Info, so we read PEM ourselves.
/// </summary>
internal sealed record PemBlock(string Label, IReadOnlyDictionary<string, string> Headers, byte[] Data, string Text)
{
    private static readonly Regex BlockPattern = new(
        @"-----BEGIN (?<label>[A-Z0-9 ]+)-----\r?\n(?<body>.*?)-----END \k<label>-----",
        RegexOptions.Singleline | RegexOptions.CultureInvariant);

    internal bool IsEncryptedLegacy => Headers.TryGetValue("Proc-Type", out var p) && p.Contains("ENCRYPTED", StringComparison.Ordinal);

    internal static IReadOnlyList<PemBlock> ReadAll(string text)
    {
        var blocks = new List<PemBlock>();
        foreach (Match m in BlockPattern.Matches(text))
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var base64 = new System.Text.StringBuilder();
            foreach (string raw in m.Groups["body"].Value.Split('\n'))
            {
                string line = raw.Trim();
                if (line.Length == 0) continue;
                int colon = line.IndexOf(':');
                if (colon > 0) headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
                else base64.Append(line);
            }
            byte[] data;
            try { data = Convert.FromBase64String(base64.ToString()); }
            catch (FormatException) { throw new InvalidDataException($"The PEM block '{m.Groups["label"].Value}' is not valid base64."); }
            blocks.Add(new PemBlock(m.Groups["label"].Value, headers, data, m.Value));
        }
        return blocks;
    }

    internal static readonly string[] CertificateLabels = { "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE" };

    internal bool IsCertificate => CertificateLabels.Contains(Label);

    /// <summary>Every certificate in PEM text, in order; the one place PEM certificates are read.</summary>
    /// <exception cref="CryptographicException">a certificate block that is not a certificate.</exception>
    internal static List<X509Certificate2> ReadCertificates(string text) => ReadCertificates(ReadAll(text));

    internal static List<X509Certificate2> ReadCertificates(IEnumerable<PemBlock> blocks)
        => blocks.Where(b => b.IsCertificate).Select(b => b.ToCertificate()).ToList();

    /// <exception cref="CryptographicException">the block is not a certificate.</exception>
    internal X509Certificate2 ToCertificate()
    {
        try
        {
            // A TRUSTED CERTIFICATE is the certificate followed by OpenSSL's trust settings: keep the first element.
            AsnDecoder.ReadEncodedValue(Data, AsnEncodingRules.BER, out _, out _, out int consumed);
            return new X509Certificate2(Data.AsSpan(0, consumed).ToArray());
        }
        catch (AsnContentException e)
        {
            throw new CryptographicException("ASN.1 corrupted data", e);
        }
    }
}
