namespace DcosTls.Certificates;

/// <summary>Key algorithms the DC/OS CA (cfssl) accepts.</summary>
public enum KeyAlgorithm
{
    RSA,
    ECDSA,
}

/// <summary>What a leaf certificate is for: sets extended key usage and key usage.</summary>
public enum CertificateUsage
{
    Server,
    Client,
    ServerAndClient,
}
