namespace DcosTls.Certificates;

/// <summary>A local CA object that carries its key (New-TlsCertificateAuthority, Import-DcosCertificate).</summary>
internal sealed class LocalCaIssuer : ICertificateIssuer
{
    private readonly DcosCertificate _authority;
    private readonly int _validDays;

    internal LocalCaIssuer(DcosCertificate authority, int validDays)
    {
        _authority = authority;
        _validDays = validDays;
    }

    public string Description => $"local CA '{_authority.CommonName}'";

    public void Validate()
    {
        if (!_authority.IsCertificateAuthority)
            throw new CertificateSpecException("Issuer",
                $"The issuer '{_authority.CommonName}' is not a certificate authority (its basic constraints have no CA flag). Use New-TlsCertificateAuthority, or import the CA certificate with its key.");
        if (!_authority.HasPrivateKey)
            throw new CertificateSpecException("Issuer",
                $"The issuer '{_authority.CommonName}' carries no private key. Import it with Import-DcosCertificate -KeyPath.");
        if (_authority.NotAfter <= DateTime.UtcNow)
            throw new CertificateSpecException("Issuer", $"The issuer '{_authority.CommonName}' expired on {_authority.NotAfter:yyyy-MM-dd}. Make a new CA.");
        // What a CA signs before its own validity starts fails every verification until then.
        if (_authority.NotBefore > DateTime.UtcNow)
            throw new CertificateSpecException("Issuer",
                $"The issuer '{_authority.CommonName}' is not valid before {_authority.NotBefore:yyyy-MM-dd HH:mm:ss} UTC, so nothing it signs verifies until then. Use a CA that is valid now, or check this machine's clock.");
    }

    /// <summary>
    /// Refuses an intermediate the issuer's own path length forbids: a CA with pathLenConstraint 0 signs
    /// only leaves, and a child must allow fewer CAs below it than its issuer does.
    /// </summary>
    internal void ValidatePathLength(int pathLength)
    {
        var constraint = _authority.Certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
        if (constraint is not { HasPathLengthConstraint: true }) return;
        if (constraint.PathLengthConstraint == 0)
            throw new CertificateSpecException("Issuer",
                $"The issuer '{_authority.CommonName}' has path length 0: it may sign leaf certificates only, not another CA. Sign the intermediate with the issuer's own CA.");
        if (pathLength > constraint.PathLengthConstraint - 1)
            throw new CertificateSpecException("PathLength",
                $"-PathLength {pathLength} is more than the issuer '{_authority.CommonName}' allows below it ({constraint.PathLengthConstraint - 1}). Use -PathLength {constraint.PathLengthConstraint - 1} or less.");
    }

    /// <summary>An intermediate CA under this one.</summary>
    internal DcosCertificate IssueAuthority(CertificateSpec spec, int pathLength)
        => CertificateBuilder.CreateIntermediate(spec, _validDays, pathLength, _authority);

    public DcosCertificate Issue(CertificateSpec spec, CertificateUsage usage)
        => CertificateBuilder.IssueLocally(spec, usage, _validDays, _authority);

    public DcosCertificate Sign(IRequestToSign request, CertificateUsage usage)
    {
        var issued = CertificateBuilder.SignRequest(request, usage, _validDays, _authority);
        // Built here from the request, so a mismatch is a defect of ours, never the caller's input.
        string? problem = IssuedCertificateCheck.Problem(issued.Certificate, request.PublicKeyInfo, request.CommonName,
            request.DnsNames, request.IPAddressValues, _authority.Chain.LastOrDefault() ?? _authority.Certificate, Description,
            new[] { _authority.Certificate }.Concat(_authority.Chain));
        if (problem != null) throw new InvalidOperationException($"The certificate signed for '{request.Subject}' does not answer the request: {problem}.");
        return issued;
    }
}
