namespace DcosTls.Certificates;

/// <summary>
/// What an issuer needs to sign a PKCS#10 request made elsewhere: its bytes, subject, names and public
/// key, and the private key only when the request object carries one. Requests' DcosCertificateRequest
/// provides it (after CertificateRequestReader has checked the request), so the issuers here sign it
/// without knowing how a request is read or made.
/// </summary>
internal interface IRequestToSign
{
    /// <summary>The request as it was signed by its key (DER), sent as it is to a CA that takes a CSR.</summary>
    byte[] Der { get; }

    /// <summary>The same request as PEM.</summary>
    string RequestPem { get; }

    X500DistinguishedName SubjectName { get; }
    string Subject { get; }

    /// <summary>The subject's common name, empty when it has none.</summary>
    string CommonName { get; }

    IReadOnlyList<string> DnsNames { get; }
    IReadOnlyList<IPAddress> IPAddressValues { get; }

    /// <summary>Every alternative name as text, DNS names first (what cfssl calls the hosts).</summary>
    IEnumerable<string> Hosts { get; }

    /// <summary>"RSA" or "ECDSA".</summary>
    string KeyAlgorithm { get; }

    /// <summary>The request's SubjectPublicKeyInfo: the issued certificate must carry exactly this key.</summary>
    byte[] PublicKeyInfo { get; }

    /// <summary>The private key, when the request was made here and still carries it; null otherwise.</summary>
    AsymmetricAlgorithm? PrivateKey { get; }
}
