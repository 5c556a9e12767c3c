using DcosTls.Certificates;
using DcosTls.Common;

namespace DcosTls.Requests;

/// <summary>
/// A PKCS#10 certificate request: made here (New-DcosCertificateRequest, with its key in memory) or read
/// from a file another tool wrote (Import-DcosCertificateRequest, no key). Every object has passed
/// <see cref="CertificateRequestReader"/>: its signature verifies, its key is one a CA accepts, it names
/// something and does not ask to be a CA. The private key, when there is one, is not a property: it
/// leaves only through Export-DcosCertificateRequest. An issuer signs it as an
/// <see cref="IRequestToSign"/> (implemented explicitly, so nothing is added to what a user sees).
/// </summary>
public sealed class DcosCertificateRequest : IRequestToSign
{
    private readonly AsymmetricAlgorithm? _privateKey;

    internal DcosCertificateRequest(byte[] der, X500DistinguishedName subject, string commonName, IReadOnlyList<string> dnsNames,
        IReadOnlyList<IPAddress> ipAddresses, string keyAlgorithm, int keySize, byte[] publicKeyInfo, string? path, AsymmetricAlgorithm? privateKey)
    {
        Der = der;
        SubjectName = subject;
        Subject = subject.Name;
        CommonName = commonName;
        DnsNames = new ValueList<string>(dnsNames);
        IPAddressValues = ipAddresses;
        IPAddresses = new ValueList<string>(ipAddresses.Select(ip => ip.ToString()));
        KeyAlgorithm = keyAlgorithm;
        KeySize = keySize;
        PublicKeyInfo = publicKeyInfo;
        Path = path;
        _privateKey = privateKey;
        RequestPem = PemEncoding.WriteString("CERTIFICATE REQUEST", der) + "\n";
        PublicKeySha256 = Convert.ToHexString(SHA256.HashData(publicKeyInfo));
    }

    /// <summary>
    /// A -CertificateRequest path that could not be read: the reader's error, reported by the cmdlet with
    /// its own id (the binder would report any transformation failure as ParameterArgumentTransformationError).
    /// </summary>
    private DcosCertificateRequest(string path, DcosTlsException error)
    {
        Der = PublicKeyInfo = Array.Empty<byte>();
        SubjectName = new X500DistinguishedName(string.Empty);
        Subject = CommonName = KeyAlgorithm = RequestPem = PublicKeySha256 = string.Empty;
        DnsNames = IPAddresses = new ValueList<string>(Array.Empty<string>());
        IPAddressValues = Array.Empty<IPAddress>();
        Path = path;
        ReadError = error;
    }

    internal static DcosCertificateRequest Unreadable(string path, DcosTlsException error) => new(path, error);

    /// <summary>Set only on a request from a path that could not be read; nothing else about it is real.</summary>
    internal DcosTlsException? ReadError { get; }

    public string CommonName { get; }
    public string Subject { get; }
    public ValueList<string> DnsNames { get; }
    public ValueList<string> IPAddresses { get; }
    public string KeyAlgorithm { get; }
    public int KeySize { get; }

    /// <summary>SHA-256 of the request's SubjectPublicKeyInfo: the same key in the issued certificate has the same value.</summary>
    public string PublicKeySha256 { get; }

    public bool HasPrivateKey => _privateKey != null;

    /// <summary>The file it was read from, when it was read from one.</summary>
    public string? Path { get; }

    public string RequestPem { get; }

    internal byte[] Der { get; }
    internal X500DistinguishedName SubjectName { get; }
    internal IReadOnlyList<IPAddress> IPAddressValues { get; }
    internal byte[] PublicKeyInfo { get; }
    internal AsymmetricAlgorithm? PrivateKey => _privateKey;

    byte[] IRequestToSign.Der => Der;
    X500DistinguishedName IRequestToSign.SubjectName => SubjectName;
    IReadOnlyList<string> IRequestToSign.DnsNames => DnsNames;
    IReadOnlyList<IPAddress> IRequestToSign.IPAddressValues => IPAddressValues;
    byte[] IRequestToSign.PublicKeyInfo => PublicKeyInfo;
    AsymmetricAlgorithm? IRequestToSign.PrivateKey => PrivateKey;
    IEnumerable<string> IRequestToSign.Hosts => Hosts;

    /// <summary>cfssl's "hosts": every SAN, DNS names first.</summary>
    internal IEnumerable<string> Hosts => DnsNames.Concat(IPAddresses);

    /// <summary>The names and key as -WhatIf and -Confirm show them before anything is signed or sent.</summary>
    internal string Describe()
    {
        var parts = new List<string> { $"subject '{Subject}'" };
        if (DnsNames.Count > 0) parts.Add("DNS " + string.Join(", ", DnsNames));
        if (IPAddresses.Count > 0) parts.Add("IP " + string.Join(", ", IPAddresses));
        parts.Add($"key {KeyAlgorithm} {KeySize}");
        return string.Join("; ", parts);
    }

    public override string ToString() => $"{(CommonName.Length > 0 ? CommonName : Subject)} (request, {KeyAlgorithm} {KeySize})";
}
