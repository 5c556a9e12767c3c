using System.Formats.Asn1;

namespace DcosTls.Requests;

/// <summary>
/// Reads a PKCS#10 request from PEM or DER bytes and checks it before anyone signs it or sends it: the
/// signature verifies with the request's own key, the key is RSA 2048-8192 or ECDSA P-256/384/521, the
/// request names something (a common name or a subject alternative name), every DNS name is well formed,
/// and it does not ask for CA:TRUE (a leaf profile never issues a CA).
/// </summary>
internal static class CertificateRequestReader
{
    private static readonly string[] RequestLabels = { "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST" };
    private const string CommonNameOid = "2.5.4.3";

    /// <exception cref="CertificateRequestException">with a stable error id naming what is wrong.</exception>
    internal static DcosCertificateRequest Read(byte[] bytes, string source, string? path = null, AsymmetricAlgorithm? privateKey = null)
    {
        byte[] der = Unwrap(bytes, source);
        CertificateRequest loaded;
        try
        {
            loaded = CertificateRequest.LoadSigningRequest(der, HashAlgorithmName.SHA256,
                CertificateRequestLoadOptions.SkipSignatureValidation | CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException or ArgumentException)
        {
            throw NotARequest(der, source);
        }

        var (algorithm, size) = CheckKey(loaded.PublicKey, source);
        try
        {
            CertificateRequest.LoadSigningRequest(der, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
        }
        catch (CryptographicException)
        {
            throw new CertificateRequestException("CertificateRequestSignatureInvalid", ErrorCategory.SecurityError,
                $"The signature of the request in {source} does not verify with the request's own key: it was changed after it was signed, or it is damaged. Ask for a new request.");
        }

        if (loaded.CertificateExtensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority))
            throw new CertificateRequestException("CertificateRequestAsksForCa", ErrorCategory.InvalidData,
                $"The request in {source} asks for CA:TRUE in its basic constraints; a leaf certificate is never a CA. Make the request without the CA extension, or make a CA with New-TlsCertificateAuthority -Issuer.");

        string commonName = loaded.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(r => !r.HasMultipleElements && r.GetSingleElementType().Value == CommonNameOid)
            .Select(r => r.GetSingleElementValue() ?? string.Empty).LastOrDefault() ?? string.Empty;
        var dns = new List<string>();
        var ips = new List<IPAddress>();
        foreach (var san in loaded.CertificateExtensions.OfType<X509SubjectAlternativeNameExtension>())
        {
            dns.AddRange(san.EnumerateDnsNames());
            ips.AddRange(san.EnumerateIPAddresses());
        }
        foreach (var raw in loaded.CertificateExtensions.Where(e => e.Oid?.Value == "2.5.29.17" && e is not X509SubjectAlternativeNameExtension))
        {
            var san = new X509SubjectAlternativeNameExtension(raw.RawData, raw.Critical);
            dns.AddRange(san.EnumerateDnsNames());
            ips.AddRange(san.EnumerateIPAddresses());
        }
        if (commonName.Length == 0 && dns.Count == 0 && ips.Count == 0)
            throw new CertificateRequestException("CertificateRequestNoNames", ErrorCategory.InvalidData,
                $"The request in {source} names nothing: no common name (CN) and no DNS or IP subject alternative names. Make it with -subj '/CN=host.example' and -addext 'subjectAltName=DNS:host.example'.");
        foreach (string name in dns)
            if (!CertificateSpec.IsValidDnsName(name))
                throw new CertificateRequestException("CertificateRequestNameInvalid", ErrorCategory.InvalidData,
                    $"The request in {source} asks for the DNS name '{name}', which is not a valid DNS name (letters, digits and hyphens in dot-separated labels). Ask for a request with valid names.");

        return new DcosCertificateRequest(der, loaded.SubjectName, commonName, dns.Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
            ips.Distinct().ToList(), algorithm, size, loaded.PublicKey.ExportSubjectPublicKeyInfo(), path, privateKey);
    }

    /// <summary>The DER request inside PEM text, or the bytes themselves when they are not PEM.</summary>
    private static byte[] Unwrap(byte[] bytes, string source)
    {
        string text;
        try { text = new UTF8Encoding(false, true).GetString(bytes); }
        catch (DecoderFallbackException) { return bytes; }
        if (!text.Contains("-----BEGIN ", StringComparison.Ordinal))
        {
            if (text.Length > 0 && text.Trim().All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=' or '\n' or '\r'))
                throw new CertificateRequestException("CertificateRequestUnreadable", ErrorCategory.InvalidData,
                    $"{source} holds base64 text without the '-----BEGIN CERTIFICATE REQUEST-----' line. Give the whole PEM file as openssl req wrote it, or the DER file.");
            return bytes;
        }
        IReadOnlyList<PemBlock> blocks;
        try { blocks = PemBlock.ReadAll(text); }
        catch (InvalidDataException) { throw Unreadable(source); }
        var request = blocks.FirstOrDefault(b => RequestLabels.Contains(b.Label));
        if (request != null) return request.Data;
        if (blocks.Any(b => b.IsCertificate))
            throw new CertificateRequestException("CertificateRequestIsCertificate", ErrorCategory.InvalidData,
                $"{source} holds a certificate, not a certificate request. Give the CSR (-----BEGIN CERTIFICATE REQUEST-----); a certificate is read with Import-DcosCertificate.");
        if (blocks.Any(PrivateKeyReader.IsKey))
            throw new CertificateRequestException("CertificateRequestIsKey", ErrorCategory.InvalidData,
                $"{source} holds a private key, not a certificate request. Give the CSR file (-----BEGIN CERTIFICATE REQUEST-----).");
        throw Unreadable(source);
    }

    /// <summary>DER that is not a request: say so, and say when it is a DER certificate instead.</summary>
    private static CertificateRequestException NotARequest(byte[] der, string source)
    {
        try
        {
            using var cert = new X509Certificate2(der);
            return new CertificateRequestException("CertificateRequestIsCertificate", ErrorCategory.InvalidData,
                $"{source} holds a DER certificate, not a certificate request. Give the CSR; a certificate is read with Import-DcosCertificate.");
        }
        catch (CryptographicException)
        {
            return Unreadable(source);
        }
    }

    private static CertificateRequestException Unreadable(string source)
        => new("CertificateRequestUnreadable", ErrorCategory.InvalidData,
            $"{source} is neither a PEM ('-----BEGIN CERTIFICATE REQUEST-----') nor a DER PKCS#10 certificate request. Check that the file is the CSR, not the key, a certificate or a damaged copy.");

    private static (string Algorithm, int Size) CheckKey(PublicKey key, string source)
    {
        using RSA? rsa = TryGet(key.GetRSAPublicKey);
        if (rsa != null)
        {
            if (rsa.KeySize < KeyFactory.RsaMinimum)
                throw new CertificateRequestException("CertificateRequestWeakKey", ErrorCategory.InvalidData,
                    $"The request in {source} has an RSA {rsa.KeySize}-bit key; at least {KeyFactory.RsaMinimum} bits are accepted. Ask for a request with a 2048-bit or larger RSA key, or an ECDSA key.");
            string? problem = KeyFactory.ValidateSize(Certificates.KeyAlgorithm.RSA, rsa.KeySize);
            if (problem != null) throw new CertificateRequestException("CertificateRequestKeyUnsupported", ErrorCategory.InvalidData, $"The request in {source}: {problem}");
            return ("RSA", rsa.KeySize);
        }
        using ECDsa? ec = TryGet(key.GetECDsaPublicKey);
        if (ec != null)
        {
            string? curve = null;
            try { curve = ec.ExportParameters(false).Curve.Oid?.Value; } catch (CryptographicException) { }
            if (curve is "1.2.840.10045.3.1.7" or "1.3.132.0.34" or "1.3.132.0.35") return ("ECDSA", ec.KeySize);
            throw new CertificateRequestException("CertificateRequestKeyUnsupported", ErrorCategory.InvalidData,
                $"The request in {source} has an ECDSA key on a curve the CA does not accept ({curve ?? "unnamed"}); use P-256, P-384 or P-521.");
        }
        throw new CertificateRequestException("CertificateRequestKeyUnsupported", ErrorCategory.InvalidData,
            $"The request in {source} has a {key.Oid.FriendlyName ?? key.Oid.Value} key; the CA accepts RSA (2048-8192 bits) and ECDSA (P-256, P-384, P-521).");
    }

    private static T? TryGet<T>(Func<T?> get) where T : class
    {
        try { return get(); }
        catch (CryptographicException) { return null; }
    }
}

/// <summary>A request that is refused, with the error id and category the cmdlet reports.</summary>
internal sealed class CertificateRequestException : DcosTlsException
{
    internal CertificateRequestException(string errorId, ErrorCategory category, string message) : base(errorId, category, message) { }
}
