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
}
