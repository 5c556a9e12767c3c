namespace DcosTls.Certificates;

/// <summary>
/// A request for the names of a certificate being renewed, signed by the key it already has: what an
/// issuer signs when the operator pins the key (Update-DcosCertificate -ReuseKey). It carries the key,
/// so the issued certificate comes back with it.
/// </summary>
internal sealed class KeptKeyRequest : IRequestToSign
{
    internal KeptKeyRequest(CertificateSpec spec, AsymmetricAlgorithm key, CertificateUsage usage)
    {
        RequestPem = CertificateBuilder.CreateSigningRequestPem(spec, key, usage);
        Der = PemEncoding.TryFind(RequestPem, out var fields) ? Convert.FromBase64String(RequestPem[fields.Base64Data]) : Array.Empty<byte>();
        SubjectName = spec.BuildSubject();
        Subject = SubjectName.Name;
        CommonName = spec.CommonName;
        DnsNames = spec.DnsNames;
        IPAddressValues = spec.IPAddresses;
        KeyAlgorithm = key is RSA ? "RSA" : "ECDSA";
        PublicKeyInfo = key.ExportSubjectPublicKeyInfo();
        PrivateKey = key;
    }

    public byte[] Der { get; }
    public string RequestPem { get; }
    public X500DistinguishedName SubjectName { get; }
    public string Subject { get; }
    public string CommonName { get; }
    public IReadOnlyList<string> DnsNames { get; }
    public IReadOnlyList<IPAddress> IPAddressValues { get; }
    public IEnumerable<string> Hosts => DnsNames.Concat(IPAddressValues.Select(ip => ip.ToString()));
    public string KeyAlgorithm { get; }
    public byte[] PublicKeyInfo { get; }
    public AsymmetricAlgorithm? PrivateKey { get; }
}
