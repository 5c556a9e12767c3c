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
            IssuedCertificateCheck.Verify(issued, key, spec, signingCa);
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
    public DcosCertificate Sign(Requests.DcosCertificateRequest request, CertificateUsage usage)
    {
        string name = request.CommonName.Length > 0 ? request.CommonName : request.Subject;
        string certPem = _ca.Sign(request.RequestPem, request.Hosts, _profile);
        var issued = PemBlock.ReadCertificates(certPem).FirstOrDefault()
            ?? throw new DcosApiException("CaResponseInvalid", $"The DC/OS CA's answer for '{name}' holds no readable certificate. Check that the cluster address is the DC/OS master.", 200);
        var signingCa = SigningCa();
        IssuedCertificateCheck.Verify(issued, request, signingCa);
        return new DcosCertificate(issued, signingCa != null ? new[] { signingCa } : Array.Empty<X509Certificate2>(), request.PrivateKey);
    }

    /// <summary>The profile's signing CA, asked once per session and profile (profiles may sign with different CAs).</summary>
    internal X509Certificate2? SigningCa()
        => _session.SigningCas.GetOrAdd(_profile ?? string.Empty, _ => PemBlock.ReadCertificates(_ca.Info(_profile)).FirstOrDefault()!);
}
