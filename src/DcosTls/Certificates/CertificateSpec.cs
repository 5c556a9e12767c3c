using DcosTls.Common;

namespace DcosTls.Certificates;

/// <summary>
/// A validated certificate request: subject, SANs and key. Everything is checked here, before any
/// key is made or any call is sent, so that a bad row in a batch costs nothing.
/// </summary>
internal sealed class CertificateSpec
{
    internal const int MaxCommonNameLength = 64; // X.520 ub-common-name; openssl req refuses longer

    // RFC 1123 host name labels: no '_' (RFC 5280's preferred name syntax for dNSName; CAs under the
    // CA/Browser Forum rules refuse it, and a client may too).
    private static readonly Regex DnsLabel = new("^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$", RegexOptions.CultureInvariant);

    internal string CommonName { get; init; } = string.Empty;
    internal string? Country { get; init; }
    internal string? State { get; init; }
    internal string? Locality { get; init; }
    internal string? Organization { get; init; }
    internal string? OrganizationalUnit { get; init; }
    internal IReadOnlyList<string> DnsNames { get; init; } = Array.Empty<string>();
    internal IReadOnlyList<IPAddress> IPAddresses { get; init; } = Array.Empty<IPAddress>();
    internal KeyAlgorithm KeyAlgorithm { get; init; }
    internal int KeySize { get; init; }

    /// <summary>All SAN entries in cfssl's "hosts" form.</summary>
    internal IEnumerable<string> Hosts => DnsNames.Concat(IPAddresses.Select(ip => ip.ToString()));

    /// <summary>
    /// Splits list-like strings (CSV cells such as "a.example;b.example"), moves IP literals given
    /// as DNS names to the IP SANs (as cfssl does), and validates everything.
    /// </summary>
    /// <exception cref="CertificateSpecException">with the parameter at fault.</exception>
    internal static CertificateSpec Create(string commonName, IEnumerable<string>? dnsNames, IEnumerable<string>? ipAddresses,
        KeyAlgorithm algorithm, int? keySize, bool forAuthority,
        string? country = null, string? state = null, string? locality = null, string? organization = null, string? unit = null)
    {
        commonName = (commonName ?? string.Empty).Trim();
        if (commonName.Length == 0)
            throw new CertificateSpecException("CommonName", "The common name is empty. Give -CommonName, e.g. 'registry.example.com'.");
        if (commonName.Length > MaxCommonNameLength)
            throw new CertificateSpecException("CommonName",
                $"The common name is {commonName.Length} characters long; at most {MaxCommonNameLength} are allowed (X.520). Put the long name in -DnsName and use a shorter -CommonName.");
        // A control character (newline, NUL, tab) in a subject field ends up in file names, logs and
        // openssl's one-line subjects, where it splits or cuts the text.
        foreach (var (parameter, value) in new[] { ("CommonName", (string?)commonName), ("State", state), ("Locality", locality), ("Organization", organization), ("OrganizationalUnit", unit) })
            if (value != null && value.Any(char.IsControl))
                throw new CertificateSpecException(parameter,
                    $"-{parameter} '{Printable(value)}' holds a control character (newline, tab or NUL). Give the name on one line, without control characters.");
        if (country != null && !Regex.IsMatch(country, "^[A-Za-z]{2}$"))
            throw new CertificateSpecException("Country", $"The country '{country}' is not a two-letter ISO 3166 code such as 'US' or 'DE'.");

        var dns = new List<string>();
        var ips = new List<IPAddress>();
        foreach (string entry in SplitList(dnsNames))
        {
            if (IpAddressText.LooksLikeAddress(entry))
            {
                AddDistinct(ips, IpAddressText.Parse(entry, out string? problem) ?? throw new CertificateSpecException("DnsName", problem + " Host names go in -DnsName, addresses in -IPAddress."));
                continue;
            }
            if (!IsValidDnsName(entry))
                throw new CertificateSpecException("DnsName",
                    $"'{Printable(entry)}' is not a valid DNS name: use letters, digits and hyphens (no spaces or '_') in dot-separated labels of at most 63 characters, at most 253 in all (a leading '*.' is allowed). Separate several names with ',' or ';'.");
            if (!dns.Contains(entry, StringComparer.OrdinalIgnoreCase)) dns.Add(entry);
        }
        foreach (string entry in SplitList(ipAddresses))
        {
            var ip = IpAddressText.Parse(entry, out string? problem)
                ?? throw new CertificateSpecException("IPAddress", problem + " Put host names in -DnsName.");
            AddDistinct(ips, ip);
        }

        int size = keySize ?? KeyFactory.DefaultSize(algorithm, forAuthority);
        string? sizeProblem = KeyFactory.ValidateSize(algorithm, size);
        if (sizeProblem != null) throw new CertificateSpecException("KeySize", sizeProblem);

        return new CertificateSpec
        {
            CommonName = commonName,
            Country = country?.ToUpperInvariant(),
            State = NullIfEmpty(state),
            Locality = NullIfEmpty(locality),
            Organization = NullIfEmpty(organization),
            OrganizationalUnit = NullIfEmpty(unit),
            DnsNames = dns,
            IPAddresses = ips,
            KeyAlgorithm = algorithm,
            KeySize = size,
        };
    }

    internal X500DistinguishedName BuildSubject()
    {
        // The DER order openssl req and cfssl use is C, ST, L, O, OU, CN. The builder encodes the
        // RDNs in the reverse of the order they are added (the display order), so add CN first.
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCommonName(CommonName);
        if (OrganizationalUnit != null) builder.AddOrganizationalUnitName(OrganizationalUnit);
        if (Organization != null) builder.AddOrganizationName(Organization);
        if (Locality != null) builder.AddLocalityName(Locality);
        if (State != null) builder.AddStateOrProvinceName(State);
        if (Country != null) builder.AddCountryOrRegion(Country);
        return builder.Build();
    }

    internal X509Extension? BuildSubjectAlternativeName()
    {
        if (DnsNames.Count == 0 && IPAddresses.Count == 0) return null;
        var san = new SubjectAlternativeNameBuilder();
        foreach (string d in DnsNames) san.AddDnsName(d);
        foreach (var ip in IPAddresses) san.AddIpAddress(ip);
        return san.Build();
    }

    internal static bool IsValidDnsName(string name)
    {
        if (name.Length == 0 || name.Length > 253) return false;
        string body = name.StartsWith("*.", StringComparison.Ordinal) ? name[2..] : name;
        return body.Split('.').All(label => DnsLabel.IsMatch(label));
    }

    private static void AddDistinct(List<IPAddress> list, IPAddress ip)
    {
        if (!list.Contains(ip)) list.Add(ip);
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    internal static IEnumerable<string> SplitList(IEnumerable<string>? values)
        => (values ?? Enumerable.Empty<string>())
            .Where(v => v != null)
            .SelectMany(v => v.Split(new[] { ',', ';' }, StringSplitOptions.RemoveEmptyEntries))
            .Select(v => v.Trim())
            .Where(v => v.Length > 0);

    /// <summary>A value as a message can show it: control characters written as \n, \t, \0 or \uXXXX.</summary>
    internal static string Printable(string value)
        => string.Concat(value.Select(c => c switch
        {
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\0' => "\\0",
            _ when char.IsControl(c) => $"\\u{(int)c:X4}",
            _ => c.ToString(),
        }));
}

/// <summary>Bad certificate input, naming the parameter to fix.</summary>
internal sealed class CertificateSpecException : DcosTlsException
{
    internal CertificateSpecException(string parameter, string message)
        : base("InvalidCertificateRequest," + parameter, ErrorCategory.InvalidArgument, message) => Parameter = parameter;

    internal string Parameter { get; }
}
