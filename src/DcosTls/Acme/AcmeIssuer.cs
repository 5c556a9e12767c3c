namespace DcosTls.Acme;

/// <summary>What an ACME issuer needs: the directory, its TLS trust, the account and a challenge method.</summary>
internal sealed record AcmeSettings(Uri Directory, X509Certificate2? TrustedCa, string AccountFolder, bool AcceptTermsOfService,
    IReadOnlyList<string> Contacts, Func<IAcmeChallengeSolver> Solver, string SolverDescription);

/// <summary>
/// An ACME CA (Let's Encrypt, pebble): the key is made here and only the CSR is sent; every name is
/// proved with the chosen challenge; the chain that comes back is checked like any other issuer's
/// (our key, our names, the leaf signed by the chain delivered with it).
/// </summary>
internal sealed class AcmeIssuer : ICertificateIssuer
{
    private readonly AcmeSettings _settings;
    private readonly Action<string> _log;
    private readonly CancellationToken _cancel;

    internal AcmeIssuer(AcmeSettings settings, Action<string> log, CancellationToken cancel)
    {
        _settings = settings;
        _log = log;
        _cancel = cancel;
    }

    public string Description => $"ACME {_settings.Directory}, {_settings.SolverDescription}";

    /// <summary>An account key others can read is refused before any key is made or anything is sent.</summary>
    public void Validate()
    {
        var store = new AcmeAccountKeyStore(_settings.AccountFolder);
        if (store.Exists) store.Load().Dispose();
    }

    public DcosCertificate Issue(CertificateSpec spec, CertificateUsage usage)
    {
        if (spec.IPAddresses.Count > 0)
            throw new CertificateSpecException("IPAddress",
                $"ACME certificates carry DNS names only; '{spec.IPAddresses[0]}' cannot be proved. Leave out -IPAddress, or use the DC/OS CA or a local CA for addresses.");
        if (!CertificateSpec.IsValidDnsName(spec.CommonName))
            throw new CertificateSpecException("CommonName",
                $"For ACME the common name is also a DNS name to prove, and '{spec.CommonName}' is not one. Give a host name such as 'registry.example.com'.");
        var names = new List<string> { spec.CommonName };
        names.AddRange(spec.DnsNames.Where(d => !d.Equals(spec.CommonName, StringComparison.OrdinalIgnoreCase)));
        var asked = new CertificateSpec { CommonName = spec.CommonName, DnsNames = names, KeyAlgorithm = spec.KeyAlgorithm, KeySize = spec.KeySize };

        AsymmetricAlgorithm key = CertificateBuilder.CreateKey(asked);
        try
        {
            string csrPem = CertificateBuilder.CreateSigningRequestPem(asked, key, usage);
            byte[] csrDer = PemEncoding.TryFind(csrPem, out var fields)
                ? Convert.FromBase64String(csrPem[fields.Base64Data])
                : throw new InvalidOperationException("The request PEM could not be read back.");
            var (leaf, chain) = Order(spec.CommonName, names, csrDer, key.ExportSubjectPublicKeyInfo());
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
    /// name and DNS names are the identifiers to prove, so it must carry DNS names only.
    /// </summary>
    public DcosCertificate Sign(Requests.DcosCertificateRequest request, CertificateUsage usage)
    {
        if (request.IPAddressValues.Count > 0)
            throw new CertificateSpecException("IPAddress",
                $"ACME certificates carry DNS names only, and the request for '{request.Subject}' asks for {request.IPAddressValues[0]}. Make the request without IP addresses, or sign it with the DC/OS CA or a local CA.");
        var names = new List<string>();
        if (request.CommonName.Length > 0)
        {
            if (!CertificateSpec.IsValidDnsName(request.CommonName))
                throw new CertificateSpecException("CommonName",
                    $"For ACME the request's common name is also a DNS name to prove, and '{request.CommonName}' is not one. Make the request with a host name as its common name.");
            names.Add(request.CommonName);
        }
        names.AddRange(request.DnsNames.Where(d => !names.Contains(d, StringComparer.OrdinalIgnoreCase)));
        var (leaf, chain) = Order(request.CommonName.Length > 0 ? request.CommonName : names[0], names, request.Der, request.PublicKeyInfo);
        return new DcosCertificate(leaf, chain, request.PrivateKey);
    }

    /// <summary>Runs one order for the names with the given request and checks what comes back against it.</summary>
    private (X509Certificate2 Leaf, List<X509Certificate2> Chain) Order(string commonName, List<string> names, byte[] csrDer, byte[] publicKeyInfo)
    {
        string chainPem;
        using (var client = new AcmeClient(_settings.Directory, _settings.TrustedCa, _log, _cancel))
        using (var solver = _settings.Solver())
        {
            var account = AcmeAccountOpener.Open(client, new AcmeAccountKeyStore(_settings.AccountFolder), create: true,
                _settings.AcceptTermsOfService, _settings.Contacts, _log);
            if (account.Status != "valid")
                throw new AcmeProblemException("AcmeAccountNotValid", ErrorCategory.PermissionDenied,
                    $"The ACME account {account.Url} is {account.Status}. Use another -AccountPath to create a new account.");
            chainPem = AcmeOrderFlow.Run(client, names, csrDer, solver, _log, _cancel);
        }
        var certificates = PemBlock.ReadCertificates(chainPem);
        if (certificates.Count == 0)
            throw new AcmeProblemException("AcmeCertificateInvalid", ErrorCategory.InvalidResult,
                $"The ACME server's certificate for '{commonName}' holds no PEM certificate. Check -AcmeDirectory.", identifier: commonName);
        var leaf = certificates[0];
        var chain = certificates.Skip(1).ToList();
        string? problem = IssuedCertificateCheck.Problem(leaf, publicKeyInfo, commonName, names,
            Array.Empty<System.Net.IPAddress>(), chain.LastOrDefault(), "the chain the ACME server delivered with it", chain, signingCaMayBeIntermediate: true);
        if (problem != null)
            throw new AcmeProblemException("AcmeCertificateInvalid", ErrorCategory.InvalidResult,
                $"The ACME server returned a certificate for '{commonName}' that was not used: {problem}. Nothing was written.", identifier: commonName);
        return (leaf, chain);
    }
}
