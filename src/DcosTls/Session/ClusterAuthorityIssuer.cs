using DcosTls.Certificates;

namespace DcosTls.Session;

/// <summary>
/// An intermediate CA from the DC/OS CA: the key is made here, a CA request goes to /ca/api/v2/sign with
/// a profile that signs CAs (cfssl's ca_constraint), and the answer must be a CA for our key and name that
/// chains to the profile's signing CA. cfssl answers an unknown profile with its default one, so the
/// profile's usages are read first: a profile without "cert sign" would hand back a leaf, and nothing is
/// sent for it.
/// </summary>
internal sealed class ClusterAuthorityIssuer
{
    private readonly DcosSession _session;
    private readonly CfsslClient _ca;
    private readonly string _profile;

    internal ClusterAuthorityIssuer(DcosSession session, string profile, Action<string> log, CancellationToken cancel)
    {
        _session = session;
        _profile = profile;
        _ca = new CfsslClient(session, log, cancel);
    }

    internal string Description => $"DC/OS CA, profile '{_profile}'";

    /// <summary>Refuses a profile that does not sign CAs, before any request is sent.</summary>
    internal void ValidateProfile()
    {
        var (usages, _) = _ca.ProfileInfo(_profile);
        if (!usages.Contains("cert sign", StringComparer.OrdinalIgnoreCase))
            throw new DcosApiException("CaProfileNotForAuthorities",
                $"The DC/OS CA's profile '{_profile}' gives [{string.Join(", ", usages)}], not \"cert sign\": it signs leaf certificates (cfssl answers a profile it does not know with its default one). Name a profile with ca_constraint is_ca true and the \"cert sign\" usage, or make the intermediate with -Issuer and a local CA.",
                category: ErrorCategory.InvalidArgument) { TargetObject = _profile };
    }

    internal DcosCertificate Issue(CertificateSpec spec)
    {
        var key = CertificateBuilder.CreateKey(spec);
        try
        {
            string csr = CertificateBuilder.CreateAuthorityRequestPem(spec, key);
            string certPem = _ca.Sign(csr, Array.Empty<string>(), _profile);
            var issued = PemBlock.ReadCertificates(certPem).FirstOrDefault()
                ?? throw Invalid(spec.CommonName, "the answer holds no readable certificate");
            var signingCa = _session.SigningCas.GetOrAdd(_profile, _ => PemBlock.ReadCertificates(_ca.Info(_profile)).FirstOrDefault());
            string? problem = IssuedCertificateCheck.Problem(issued, key.ExportSubjectPublicKeyInfo(), spec.CommonName,
                Array.Empty<string>(), Array.Empty<System.Net.IPAddress>(), signingCa, "the profile's signing CA");
            var constraint = issued.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
            problem ??= constraint is not { CertificateAuthority: true }
                ? "it is not a CA certificate (no basic constraints CA:TRUE)"
                : !issued.Extensions.OfType<X509KeyUsageExtension>().Any(u => u.KeyUsages.HasFlag(X509KeyUsageFlags.KeyCertSign))
                    ? "its key usage does not allow signing certificates (keyCertSign)"
                    : null;
            if (problem != null) throw Invalid(spec.CommonName, problem);
            return new DcosCertificate(issued, new[] { signingCa! }, key);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    private DcosApiException Invalid(string commonName, string reason)
        => new("CaResponseInvalid",
            $"The DC/OS CA's profile '{_profile}' returned a certificate for '{commonName}' that was not used: {reason}. Nothing was output. Check the profile's ca_constraint and usages on the cluster's CA.", 200);
}
