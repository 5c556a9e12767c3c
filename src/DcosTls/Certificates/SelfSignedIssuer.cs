namespace DcosTls.Certificates;

/// <summary>A certificate that signs itself: for tests and closed labs, trusted only where it is installed.</summary>
internal sealed class SelfSignedIssuer : ICertificateIssuer
{
    private readonly int _validDays;

    internal SelfSignedIssuer(int validDays) => _validDays = validDays;

    public string Description => "self-signed";

    public void Validate() { }

    public DcosCertificate Issue(CertificateSpec spec, CertificateUsage usage)
        => CertificateBuilder.CreateSelfSigned(spec, usage, _validDays);

    // A self-signed certificate is signed by its own key, which a request made elsewhere does not give us.
    public DcosCertificate Sign(IRequestToSign request, CertificateUsage usage)
        => throw new CertificateSpecException("SelfSigned",
            $"A request made elsewhere cannot be self-signed here: its key is not ours. Sign '{request.CommonName}' with -Issuer or the DC/OS CA.");
}
