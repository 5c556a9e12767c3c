using DcosTls.Certificates;

namespace DcosTls.Session;

/// <summary>
/// The DC/OS CA (cfssl behind Admin Router). The key is made here and only the CSR is sent, unless
/// the caller asks the CA to make the key (newkey). Every answer is checked against the request and
/// against the profile's signing CA before it becomes a certificate object.
/// </summary>
internal sealed class ClusterIssuer : ICertificateIssuer
{
    private readonly DcosSession _session;
    private readonly CfsslClient _ca;
    private readonly string? _profile;
    private readonly bool _serverGeneratedKey;

    internal ClusterIssuer(DcosSession session, string? profile, bool serverGeneratedKey, Action<string> log, CancellationToken cancel)
    {
        _session = session;
        _profile = profile;
        _serverGeneratedKey = serverGeneratedKey;
        _ca = new CfsslClient(session, log, cancel);
    }

    public string Description => string.IsNullOrEmpty(_profile) ? "DC/OS CA" : $"DC/OS CA, profile '{_profile}'";

    public void Validate() { }

    public DcosCertificate Issue(CertificateSpec spec, CertificateUsage usage)
    {
        AsymmetricAlgorithm key;
        string csr;
        if (_serverGeneratedKey)
        {
            var (keyPem, csrPem) = _ca.NewKey(spec);
            key = PrivateKeyReader.Read(PemBlock.ReadAll(keyPem).First(PrivateKeyReader.IsKey), ReadOnlySpan<char>.Empty, false);
            csr = csrPem;
        }
        else
        {
            key = CertificateBuilder.CreateKey(spec);
            csr = CertificateBuilder.CreateSigningRequestPem(spec, key, usage);
        }
        try
        {
            string certPem = _ca.Sign(csr, spec.Hosts, _profile);
            var issued = PemBlock.ReadCertificates(certPem).FirstOrDefault()
                ?? throw new DcosApiException("CaResponseInvalid", $"The DC/OS CA's answer for '{spec.CommonName}' holds no readable certificate. Check that the cluster address is the DC/OS master.", 200);
            var signingCa = SigningCa();
            Verify(issued, key, spec, signingCa);
            return new DcosCertificate(issued, signingCa != null ? new[] { signingCa } : Array.Empty<X509Certificate2>(), key);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends a request made elsewhere with its alternative names as the hosts; the profile decides usage and
    /// validity. What comes back must carry the request's key and names and chain to the profile's CA.
    /// </summary>
    public DcosCertificate Sign(IRequestToSign request, CertificateUsage usage)
    {
        string name = request.CommonName.Length > 0 ? request.CommonName : request.Subject;
        string certPem = _ca.Sign(request.RequestPem, request.Hosts, _profile);
        var issued = PemBlock.ReadCertificates(certPem).FirstOrDefault()
            ?? throw new DcosApiException("CaResponseInvalid", $"The DC/OS CA's answer for '{name}' holds no readable certificate. Check that the cluster address is the DC/OS master.", 200);
        var signingCa = SigningCa();
        Verify(issued, request, signingCa);
        return new DcosCertificate(issued, signingCa != null ? new[] { signingCa } : Array.Empty<X509Certificate2>(), request.PrivateKey);
    }

    /// <summary>The profile's signing CA, asked once per session and profile (profiles may sign with different CAs).</summary>
    internal X509Certificate2? SigningCa()
        => _session.SigningCas.GetOrAdd(_profile ?? string.Empty, _ => PemBlock.ReadCertificates(_ca.Info(_profile)).FirstOrDefault()!);

    /// <summary>What the CA handed back must answer what was asked (<see cref="IssuedCertificateCheck"/>).</summary>
    private static void Verify(X509Certificate2 issued, AsymmetricAlgorithm key, CertificateSpec spec, X509Certificate2? signingCa)
    {
        string? problem = IssuedCertificateCheck.Problem(issued, key.ExportSubjectPublicKeyInfo(), spec.CommonName, spec.DnsNames, spec.IPAddresses, signingCa, "the cluster's signing CA");
        if (problem != null) throw Invalid(spec.CommonName, problem);
    }

    /// <summary>The same checks for a request made elsewhere: its key, its names, the signing CA.</summary>
    private static void Verify(X509Certificate2 issued, IRequestToSign request, X509Certificate2? signingCa)
    {
        string? problem = IssuedCertificateCheck.Problem(issued, request.PublicKeyInfo, request.CommonName, request.DnsNames, request.IPAddressValues, signingCa, "the cluster's signing CA");
        if (problem != null) throw Invalid(request.CommonName.Length > 0 ? request.CommonName : request.Subject, problem);
    }

    // The CA did answer (HTTP 200): a protocol error, not a connection error.
    private static DcosApiException Invalid(string commonName, string reason)
        => new("CaResponseInvalid",
            $"The DC/OS CA returned a certificate for '{commonName}' that was not used: {reason}. Nothing was written. Check that the cluster address is the DC/OS master and no proxy rewrites /ca/api/v2.", 200);
}
