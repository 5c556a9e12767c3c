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
    }

    public DcosCertificate Issue(CertificateSpec spec, CertificateUsage usage)
        => CertificateBuilder.IssueLocally(spec, usage, _validDays, _authority);
}
