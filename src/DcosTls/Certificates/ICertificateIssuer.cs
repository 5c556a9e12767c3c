namespace DcosTls.Certificates;

/// <summary>
/// Where a certificate comes from: the DC/OS CA, a local CA, or the certificate itself. New-DcosCertificate
/// chooses one issuer from its parameter set and asks it for every input row; each issuer checks what it
/// was given once (<see cref="Validate"/>) and checks what it issues before handing it out.
/// </summary>
internal interface ICertificateIssuer
{
    /// <summary>How the issuer is named in -WhatIf and -Confirm messages.</summary>
    string Description { get; }

    /// <summary>Refuses an issuer that can never issue (no CA flag, no key, expired) before any key is made.</summary>
    void Validate();

    /// <summary>A certificate for the request, with its private key (made here, or by the CA).</summary>
    DcosCertificate Issue(CertificateSpec spec, CertificateUsage usage);

    /// <summary>
    /// A certificate for a request made elsewhere (already checked by CertificateRequestReader), checked
    /// against the request's key and names. It carries a private key only when the request object does.
    /// </summary>
    DcosCertificate Sign(IRequestToSign request, CertificateUsage usage);
}
