namespace DcosTls.Certificates;

/// <summary>
/// Makes keys, CSRs and certificates with the in-box crypto: local-CA-signed leaves, self-signed
/// certificates, and certificate authorities. Validity starts five minutes back (as cfssl does) so
/// that clocks a little behind still accept a fresh certificate.
/// </summary>
internal static class CertificateBuilder
{
    private static readonly TimeSpan Backdate = TimeSpan.FromMinutes(5);

    internal static AsymmetricAlgorithm CreateKey(CertificateSpec spec) => KeyFactory.Create(spec.KeyAlgorithm, spec.KeySize);

    internal static CertificateRequest CreateRequest(CertificateSpec spec, AsymmetricAlgorithm key)
    {
        var subject = spec.BuildSubject();
        var hash = KeyFactory.HashFor(key);
        return key switch
        {
            RSA rsa => new CertificateRequest(subject, rsa, hash, RSASignaturePadding.Pkcs1),
            ECDsa ec => new CertificateRequest(subject, ec, hash),
            _ => throw new ArgumentException("Unsupported key type."),
        };
    }

    /// <summary>A PEM CSR with the SANs in an extensionRequest: what goes to the CA, never the key.</summary>
    internal static string CreateSigningRequestPem(CertificateSpec spec, AsymmetricAlgorithm key, CertificateUsage usage)
    {
        var request = CreateRequest(spec, key);
        AddLeafExtensions(request, spec, key, usage);
        return request.CreateSigningRequestPem();
    }

    /// <summary>A PEM CSR for a CA (basic constraints CA:TRUE, keyCertSign): what goes to a CA profile that signs CAs.</summary>
    internal static string CreateAuthorityRequestPem(CertificateSpec spec, AsymmetricAlgorithm key)
    {
        var request = CreateRequest(spec, key);
        AddAuthorityExtensions(request, null);
        return request.CreateSigningRequestPem();
    }

    /// <summary>A leaf signed by a local CA certificate that carries its key (LocalCaIssuer has checked it).</summary>
    internal static DcosCertificate IssueLocally(CertificateSpec spec, CertificateUsage usage, int validDays, DcosCertificate issuer)
    {
        var key = CreateKey(spec);
        var request = CreateRequest(spec, key);
        AddLeafExtensions(request, spec, key, usage);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer.Certificate, true, false));
        var (notBefore, notAfter) = Validity(validDays, issuer.NotAfter);
        var generator = SignatureGeneratorFor(issuer.PrivateKey!);
        using var cert = request.Create(issuer.Certificate.SubjectName, generator, notBefore, notAfter, NewSerial());
        return new DcosCertificate(cert, new[] { issuer.Certificate }.Concat(issuer.Chain), key);
    }

    /// <summary>
    /// A leaf for a request made elsewhere (CertificateRequestReader has checked it), signed by a local CA:
    /// the request's subject, key and alternative names; the key usage and validity are the CA's choice,
    /// as a CA's profile decides them, and no other requested extension is copied.
    /// </summary>
    internal static DcosCertificate SignRequest(IRequestToSign csr, CertificateUsage usage, int validDays, DcosCertificate issuer)
    {
        var publicKey = PublicKey.CreateFromSubjectPublicKeyInfo(csr.PublicKeyInfo, out _);
        var request = new CertificateRequest(csr.SubjectName, publicKey, KeyFactory.HashFor(issuer.PrivateKey!));
        SubjectAlternativeNameBuilder? names = null;
        if (csr.DnsNames.Count + csr.IPAddressValues.Count > 0)
        {
            names = new SubjectAlternativeNameBuilder();
            foreach (string d in csr.DnsNames) names.AddDnsName(d);
            foreach (var ip in csr.IPAddressValues) names.AddIpAddress(ip);
        }
        AddLeafExtensions(request, names?.Build(), csr.KeyAlgorithm == "RSA", usage);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer.Certificate, true, false));
        var (notBefore, notAfter) = Validity(validDays, issuer.NotAfter);
        using var cert = request.Create(issuer.Certificate.SubjectName, SignatureGeneratorFor(issuer.PrivateKey!), notBefore, notAfter, NewSerial());
        return new DcosCertificate(cert, new[] { issuer.Certificate }.Concat(issuer.Chain), csr.PrivateKey);
    }

    internal static DcosCertificate CreateSelfSigned(CertificateSpec spec, CertificateUsage usage, int validDays)
    {
        var key = CreateKey(spec);
        var request = CreateRequest(spec, key);
        AddLeafExtensions(request, spec, key, usage);
        var (notBefore, notAfter) = Validity(validDays, null);
        using var cert = request.CreateSelfSigned(notBefore, notAfter);
        return new DcosCertificate(cert, null, key);
    }

    /// <summary>A self-signed root CA; without a path length it may sign intermediates at any depth.</summary>
    internal static DcosCertificate CreateAuthority(CertificateSpec spec, int validDays, int? pathLength = null)
    {
        var key = CreateKey(spec);
        var request = CreateRequest(spec, key);
        AddAuthorityExtensions(request, pathLength);
        var (notBefore, notAfter) = Validity(validDays, null);
        using var cert = request.CreateSelfSigned(notBefore, notAfter);
        return new DcosCertificate(cert, null, key);
    }

    /// <summary>
    /// An intermediate CA signed by <paramref name="issuer"/> (LocalCaIssuer has checked it). Its path
    /// length keeps it from making further CAs unless asked, it cannot outlive the issuer, and its chain
    /// is the issuer followed by the issuer's own chain, so leaves it signs carry every intermediate.
    /// </summary>
    internal static DcosCertificate CreateIntermediate(CertificateSpec spec, int validDays, int pathLength, DcosCertificate issuer)
    {
        var key = CreateKey(spec);
        var request = CreateRequest(spec, key);
        AddAuthorityExtensions(request, pathLength);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer.Certificate, true, false));
        var (notBefore, notAfter) = Validity(validDays, issuer.NotAfter);
        using var cert = request.Create(issuer.Certificate.SubjectName, SignatureGeneratorFor(issuer.PrivateKey!), notBefore, notAfter, NewSerial());
        return new DcosCertificate(cert, new[] { issuer.Certificate }.Concat(issuer.Chain), key);
    }

    private static void AddAuthorityExtensions(CertificateRequest request, int? pathLength)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, pathLength.HasValue, pathLength ?? 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
    }

    private static void AddLeafExtensions(CertificateRequest request, CertificateSpec spec, AsymmetricAlgorithm key, CertificateUsage usage)
        => AddLeafExtensions(request, spec.BuildSubjectAlternativeName(), key is RSA, usage);

    private static void AddLeafExtensions(CertificateRequest request, X509Extension? san, bool rsa, CertificateUsage usage)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        // Key encipherment only means something for RSA key transport.
        var flags = X509KeyUsageFlags.DigitalSignature | (rsa ? X509KeyUsageFlags.KeyEncipherment : 0);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(flags, true));
        var ekus = new OidCollection();
        if (usage is CertificateUsage.Server or CertificateUsage.ServerAndClient) ekus.Add(new Oid(Oids.ServerAuth));
        if (usage is CertificateUsage.Client or CertificateUsage.ServerAndClient) ekus.Add(new Oid(Oids.ClientAuth));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(ekus, false));
        if (san != null) request.CertificateExtensions.Add(san);
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
    }

    private static (DateTimeOffset, DateTimeOffset) Validity(int validDays, DateTime? issuerNotAfter)
    {
        var now = DateTimeOffset.UtcNow;
        var notBefore = now - Backdate;
        var notAfter = now.AddDays(validDays);
        // A leaf cannot outlive its issuer; CertificateRequest.Create would refuse.
        if (issuerNotAfter.HasValue && notAfter > issuerNotAfter.Value) notAfter = new DateTimeOffset(issuerNotAfter.Value, TimeSpan.Zero);
        return (notBefore, notAfter);
    }

    private static X509SignatureGenerator SignatureGeneratorFor(AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
        ECDsa ec => X509SignatureGenerator.CreateForECDsa(ec),
        _ => throw new ArgumentException("Unsupported issuer key type."),
    };

    private static byte[] NewSerial()
    {
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // positive
        serial[0] |= 0x01; // no leading zero byte
        return serial;
    }
}
