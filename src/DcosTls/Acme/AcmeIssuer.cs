using DcosTls.Certificates;

namespace DcosTls.Acme;

/// <summary>What an ACME issuer needs: the directory, its TLS trust, the account and a challenge method.</summary>
internal sealed record AcmeSettings(Uri Directory, X509Certificate2? TrustedCa, string AccountFolder, bool AcceptTermsOfService,
    IReadOnlyList<string> Contacts, Func<IAcmeChallengeSolver> Solver, string SolverDescription, string ChallengeType);

/// <summary>
/// An ACME CA (Let's Encrypt, pebble): the key is made here and only the CSR is sent; every name and
/// IP address (RFC 8738 identifiers, HTTP-01 only) is proved with the chosen challenge; the chain that
/// comes back is checked like any other issuer's (our key, our names, the leaf signed by the chain
/// delivered with it).
/// </summary>
internal sealed class AcmeIssuer : ICertificateIssuer
{
    private readonly AcmeSettings _settings;
    private readonly Action<string> _log;
    private readonly CancellationToken _cancel;
    private readonly Action<string>? _waiting;

    /// <param name="waiting">A status line for the caller's progress bar while the ACME server is polled.</param>
    internal AcmeIssuer(AcmeSettings settings, Action<string> log, CancellationToken cancel, Action<string>? waiting = null)
    {
        _settings = settings;
        _log = log;
        _cancel = cancel;
        _waiting = waiting;
    }

    public string Description => $"ACME {_settings.Directory}, {_settings.SolverDescription}";

    /// <summary>An account key others can read is refused before any key is made or anything is sent.</summary>
    public void Validate()
    {
        var store = new AcmeAccountKeyStore(_settings.AccountFolder);
        store.Check();
        if (store.Exists) store.Load().Dispose();
    }

    public DcosCertificate Issue(CertificateSpec spec, CertificateUsage usage)
    {
        CheckAddresses(spec.IPAddresses, spec.CommonName);
        if (!CertificateSpec.IsValidDnsName(spec.CommonName))
            throw new CertificateSpecException("CommonName",
                $"For ACME the common name is also a DNS name to prove, and '{spec.CommonName}' is not one. Give a host name such as 'registry.example.com'.");
        var names = new List<string> { spec.CommonName };
        names.AddRange(spec.DnsNames.Where(d => !d.Equals(spec.CommonName, StringComparison.OrdinalIgnoreCase)));
        var asked = new CertificateSpec { CommonName = spec.CommonName, DnsNames = names, IPAddresses = spec.IPAddresses, KeyAlgorithm = spec.KeyAlgorithm, KeySize = spec.KeySize };

        AsymmetricAlgorithm key = CertificateBuilder.CreateKey(asked);
        try
        {
            string csrPem = CertificateBuilder.CreateSigningRequestPem(asked, key, usage);
            byte[] csrDer = PemEncoding.TryFind(csrPem, out var fields)
                ? Convert.FromBase64String(csrPem[fields.Base64Data])
                : throw new InvalidOperationException("The request PEM could not be read back.");
            var (leaf, chain) = Order(spec.CommonName, names, spec.IPAddresses, csrDer, key.ExportSubjectPublicKeyInfo());
            return new DcosCertificate(leaf, chain, key);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A request made elsewhere goes to the ACME CA as it is (its key never leaves its owner); its common
    /// name, DNS names and IP addresses are the identifiers to prove.
    /// </summary>
    public DcosCertificate Sign(IRequestToSign request, CertificateUsage usage)
    {
        CheckAddresses(request.IPAddressValues, request.Subject);
        var names = new List<string>();
        if (request.CommonName.Length > 0)
        {
            if (!CertificateSpec.IsValidDnsName(request.CommonName))
                throw new CertificateSpecException("CommonName",
                    $"For ACME the request's common name is also a DNS name to prove, and '{request.CommonName}' is not one. Make the request with a host name as its common name.");
            names.Add(request.CommonName);
        }
        names.AddRange(request.DnsNames.Where(d => !names.Contains(d, StringComparer.OrdinalIgnoreCase)));
        var (leaf, chain) = Order(request.CommonName.Length > 0 ? request.CommonName : names.Count > 0 ? names[0] : request.IPAddressValues[0].ToString(),
            names, request.IPAddressValues, request.Der, request.PublicKeyInfo);
        return new DcosCertificate(leaf, chain, request.PrivateKey);
    }

    /// <summary>
    /// IP addresses are ACME identifiers of their own (RFC 8738), proved over HTTP-01 at the address
    /// itself; DNS-01 has no record to put them in.
    /// </summary>
    private void CheckAddresses(IReadOnlyList<System.Net.IPAddress> addresses, string subject)
    {
        if (addresses.Count > 0 && _settings.ChallengeType != "http-01")
            throw new CertificateSpecException("IPAddress",
                $"The IP address {addresses[0]} of '{subject}' can be proved over HTTP-01 only (the CA connects to the address itself). Use -WebRoot or -HttpPort, or leave out the IP addresses.");
    }

    /// <summary>Runs one order for the names and addresses with the given request and checks what comes back against it.</summary>
    private (X509Certificate2 Leaf, List<X509Certificate2> Chain) Order(string commonName, List<string> names, IReadOnlyList<System.Net.IPAddress> addresses,
        byte[] csrDer, byte[] publicKeyInfo)
    {
        var identifiers = names.Select(n => new AcmeIdentifier("dns", n))
            .Concat(addresses.Select(a => new AcmeIdentifier("ip", a.ToString()))).ToList();
        string chainPem;
        using (var client = new AcmeClient(_settings.Directory, _settings.TrustedCa, _log, _cancel))
        using (var solver = _settings.Solver())
        {
            var account = AcmeAccountOpener.Open(client, new AcmeAccountKeyStore(_settings.AccountFolder), create: true,
                _settings.AcceptTermsOfService, _settings.Contacts, _log);
            if (account.Status != "valid")
                throw new AcmeProblemException("AcmeAccountNotValid", ErrorCategory.PermissionDenied,
                    $"The ACME account {account.Url} is {account.Status}. Use another -AccountPath to create a new account.");
            chainPem = AcmeOrderFlow.Run(client, identifiers, csrDer, solver, _log, _cancel, _waiting);
        }
        List<X509Certificate2> certificates;
        try
        {
            certificates = PemBlock.ReadCertificates(chainPem);
        }
        catch (Exception e) when (e is CryptographicException or InvalidDataException)
        {
            // A PEM frame around bytes that are not base64 or not a certificate: the server's fault, not ours.
            certificates = new List<X509Certificate2>();
        }
        if (certificates.Count == 0)
            throw new AcmeProblemException("AcmeCertificateInvalid", ErrorCategory.InvalidResult,
                $"The ACME server's certificate for '{commonName}' holds no PEM certificate. Check -AcmeDirectory.", identifier: commonName);
        var leaf = certificates[0];
        var chain = certificates.Skip(1).ToList();
        string? problem = IssuedCertificateCheck.Problem(leaf, publicKeyInfo, commonName, names,
            addresses, chain.LastOrDefault(), "the chain the ACME server delivered with it", chain, signingCaMayBeIntermediate: true);
        if (problem != null)
            throw new AcmeProblemException("AcmeCertificateInvalid", ErrorCategory.InvalidResult,
                $"The ACME server returned a certificate for '{commonName}' that was not used: {problem}. Nothing was written.", identifier: commonName);
        return (leaf, chain);
    }
}
