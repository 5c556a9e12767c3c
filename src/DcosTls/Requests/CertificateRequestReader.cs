using System.Formats.Asn1;
using DcosTls.Certificates;
using DcosTls.Common;

namespace DcosTls.Requests;

/// <summary>
/// Reads a PKCS#10 request from PEM or DER bytes and checks it before anyone signs it or sends it: the
/// signature verifies with the request's own key and uses SHA-256 or better, the key is RSA 2048-8192 or
/// ECDSA P-256/384/521, the request names something (a common name or a subject alternative name), every
/// DNS name is well formed ASCII, no subject value holds a control character, and it does not ask for
/// CA:TRUE (a leaf profile never issues a CA). Whatever is wrong, the caller gets a
/// CertificateRequestException naming the source, with the bad value shown printable.
/// </summary>
internal static class CertificateRequestReader
{
    private static readonly string[] RequestLabels = { "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST" };
    private const string CommonNameOid = "2.5.4.3";
    private const string BasicConstraintsOid = "2.5.29.19";
    private const string SubjectAltNameOid = "2.5.29.17";

    /// <exception cref="CertificateRequestException">with a stable error id naming what is wrong, and only that:
    /// a file another tool wrote badly must not end a batch (Import-DcosCertificateRequest a.csr, b.csr, ...).</exception>
    /// <summary>
    /// A request file, as Import-DcosCertificateRequest -Path and New-DcosCertificate -CertificateRequest
    /// read it: a missing or unreadable file is a CertificateRequestException too, with its own id.
    /// </summary>
    internal static DcosCertificateRequest ReadFile(string file, string parameter)
    {
        if (!File.Exists(file))
            throw new CertificateRequestException("CertificateRequestFileNotFound", ErrorCategory.ObjectNotFound,
                $"The file '{file}' does not exist. Check {parameter}.");
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CertificateRequestException("CertificateRequestFileUnreadable", ErrorCategory.ReadError,
                $"'{file}' could not be read ({e.GetType().Name}). Check the file's permissions.");
        }
        return Read(bytes, $"'{file}'", file);
    }

    internal static DcosCertificateRequest Read(byte[] bytes, string source, string? path = null, AsymmetricAlgorithm? privateKey = null)
    {
        try
        {
            return ReadChecked(bytes, source, path, privateKey);
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException or ArgumentException or NotSupportedException or FormatException or OverflowException)
        {
            // The checks below name every problem met so far; this is for the one nobody has met yet.
            throw new CertificateRequestException("CertificateRequestMalformed", ErrorCategory.InvalidData,
                $"The request in {source} could not be decoded ({e.GetType().Name}): part of it is not what PKCS#10 allows. The tool that made it wrote it wrongly, or the file is damaged; ask for a new request.");
        }
    }

    private static DcosCertificateRequest ReadChecked(byte[] bytes, string source, string? path, AsymmetricAlgorithm? privateKey)
    {
        if (bytes.All(b => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            throw new CertificateRequestException("CertificateRequestUnreadable", ErrorCategory.InvalidData,
                $"{source} is empty{(bytes.Length > 0 ? " (white space only)" : string.Empty)}: it holds no certificate request. Check that the tool that made the CSR finished writing it.");
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
        RequestSignatureAlgorithm.Check(RequestSignatureAlgorithm.Oid(der), source);
        try
        {
            CertificateRequest.LoadSigningRequest(der, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
        }
        catch (Exception e) when (e is CryptographicException or NotSupportedException)
        {
            throw new CertificateRequestException("CertificateRequestSignatureInvalid", ErrorCategory.SecurityError,
                $"The signature of the request in {source} does not verify with the request's own key: it was changed after it was signed, or it is damaged. Ask for a new request.");
        }

        var dns = new List<string>();
        var ips = new List<IPAddress>();
        foreach (var extension in loaded.CertificateExtensions)
        {
            if (extension.Oid?.Value == BasicConstraintsOid && AsksForCa(extension, source))
                throw new CertificateRequestException("CertificateRequestAsksForCa", ErrorCategory.InvalidData,
                    $"The request in {source} asks for CA:TRUE in its basic constraints; a leaf certificate is never a CA. Make the request without the CA extension, or make a CA with New-TlsCertificateAuthority -Issuer.");
            if (extension.Oid?.Value == SubjectAltNameOid) RequestAlternativeNames.Read(extension.RawData, source, dns, ips);
        }

        string commonName = CheckSubject(loaded.SubjectName, source);
        if (commonName.Length == 0 && dns.Count == 0 && ips.Count == 0)
            throw new CertificateRequestException("CertificateRequestNoNames", ErrorCategory.InvalidData,
                $"The request in {source} names nothing: no common name (CN) and no DNS or IP subject alternative names. Make it with -subj '/CN=host.example' and -addext 'subjectAltName=DNS:host.example'.");

        return new DcosCertificateRequest(der, loaded.SubjectName, commonName, dns.Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
            ips.Distinct().ToList(), algorithm, size, loaded.PublicKey.ExportSubjectPublicKeyInfo(), path, privateKey);
    }

    private static bool AsksForCa(X509Extension extension, string source)
    {
        try
        {
            var constraints = extension as X509BasicConstraintsExtension ?? new X509BasicConstraintsExtension(new AsnEncodedData(extension.Oid, extension.RawData), extension.Critical);
            return constraints.CertificateAuthority;
        }
        catch (CryptographicException)
        {
            throw new CertificateRequestException("CertificateRequestMalformed", ErrorCategory.InvalidData,
                $"The request in {source} has a basicConstraints extension (2.5.29.19) that is not valid DER. The tool that made the request wrote it wrongly; ask for a new request.");
        }
    }

    /// <summary>
    /// The common name (the last CN, as openssl takes it), after every subject value is checked for control
    /// characters: the subject is copied into the certificate and shown by the table view and -WhatIf, where
    /// an escape sequence clears the screen or forges a line. -CommonName refuses them the same way.
    /// </summary>
    private static string CheckSubject(X500DistinguishedName subject, string source)
    {
        string commonName = string.Empty;
        foreach (var rdn in subject.EnumerateRelativeDistinguishedNames())
        {
            if (rdn.HasMultipleElements) continue; // checked with the whole subject below
            var type = rdn.GetSingleElementType();
            string value = rdn.GetSingleElementValue() ?? string.Empty;
            if (value.Any(char.IsControl)) throw ControlCharacters(source, $"the subject {type.FriendlyName ?? type.Value} '{CertificateSpec.Printable(value)}'");
            if (type.Value == CommonNameOid) commonName = value;
        }
        if (subject.Name.Any(char.IsControl)) throw ControlCharacters(source, $"the subject '{CertificateSpec.Printable(subject.Name)}'");
        return commonName;
    }

    private static CertificateRequestException ControlCharacters(string source, string what)
        => new("CertificateRequestNameInvalid", ErrorCategory.InvalidData,
            $"The request in {source} has {what}, which holds a control character (escape, newline, NUL or another); it would reach the certificate and every console that shows it. Ask for a request whose subject has no control characters.");

    /// <summary>The DER request inside PEM text, or the bytes themselves when they are not PEM.</summary>
    private static byte[] Unwrap(byte[] bytes, string source)
    {
        string text;
        try { text = new UTF8Encoding(false, true).GetString(bytes); }
        catch (DecoderFallbackException) { return bytes; }
        if (!text.Contains("-----BEGIN ", StringComparison.Ordinal))
        {
            // Base64 that decodes ("0", the first byte of DER, is not base64: that file is a truncated DER request).
            if (text.Trim().All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=' or '\n' or '\r')
                && Convert.TryFromBase64String(text.Trim().Replace("\r", "").Replace("\n", ""), new byte[text.Length], out _))
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

    /// <summary>DER that .NET does not take as a request: a DER certificate, a request broken inside, or neither.</summary>
    private static CertificateRequestException NotARequest(byte[] der, string source)
    {
        try
        {
            if (X509Certificate2.GetCertContentType(der) == X509ContentType.Cert)
                return new CertificateRequestException("CertificateRequestIsCertificate", ErrorCategory.InvalidData,
                    $"{source} holds a DER certificate, not a certificate request. Give the CSR; a certificate is read with Import-DcosCertificate.");
        }
        catch (CryptographicException) { }
        if (LooksLikeRequest(der))
            return new CertificateRequestException("CertificateRequestMalformed", ErrorCategory.InvalidData,
                $"The request in {source} is shaped like a PKCS#10 request, but its subject, key or attributes cannot be decoded. The tool that made it wrote it wrongly, or the file is damaged; ask for a new request.");
        return Unreadable(source);
    }

    /// <summary>SEQUENCE { SEQUENCE { INTEGER, Name, SubjectPublicKeyInfo, [0] attributes }, AlgorithmIdentifier, BIT STRING }.</summary>
    private static bool LooksLikeRequest(byte[] der)
    {
        try
        {
            var outer = new AsnReader(der, AsnEncodingRules.DER);
            var request = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            var info = request.ReadSequence();
            request.ReadSequence();
            request.ReadBitString(out _);
            request.ThrowIfNotEmpty();
            info.ReadInteger();
            info.ReadSequence();
            info.ReadSequence();
            return info.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0));
        }
        catch (AsnContentException)
        {
            return false;
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
