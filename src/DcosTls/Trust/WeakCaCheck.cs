namespace DcosTls.Trust;

/// <summary>
/// Names what makes a CA certificate weak: an RSA or DSA key under 2048 bits, an EC key under 256
/// bits, or a signature made with MD2, MD5 or SHA-1. Such a CA still installs (it may be all a site
/// has), but clients with a strict security level (OpenSSL's default on current distributions, Go)
/// can refuse chains that use it, which looks like a trust failure later.
/// </summary>
internal static class WeakCaCheck
{
    private static readonly Dictionary<string, string> WeakSignatures = new()
    {
        ["1.2.840.113549.1.1.2"] = "MD2",
        ["1.2.840.113549.1.1.4"] = "MD5",
        ["1.2.840.113549.1.1.5"] = "SHA-1",
        ["1.3.14.3.2.29"] = "SHA-1",
        ["1.2.840.10045.4.1"] = "SHA-1",
        ["1.2.840.10040.4.3"] = "SHA-1",
    };

    /// <summary>One phrase per weakness ("an RSA key of 1024 bits", "an MD5 signature"); empty when none.</summary>
    internal static IReadOnlyList<string> Weaknesses(X509Certificate2 certificate)
    {
        var found = new List<string>();
        string keyOid = certificate.PublicKey.Oid.Value ?? string.Empty;
        if (keyOid == "1.2.840.113549.1.1.1")
        {
            using var rsa = certificate.GetRSAPublicKey();
            if (rsa != null && rsa.KeySize < 2048) found.Add($"an RSA key of {rsa.KeySize} bits (2048 or more expected)");
        }
        else if (keyOid == "1.2.840.10045.2.1")
        {
            using var ec = certificate.GetECDsaPublicKey();
            if (ec != null && ec.KeySize < 256) found.Add($"an EC key of {ec.KeySize} bits (256 or more expected)");
        }
        else if (keyOid == "1.2.840.10040.4.1")
        {
            using var dsa = certificate.GetDSAPublicKey();
            if (dsa != null && dsa.KeySize < 2048) found.Add($"a DSA key of {dsa.KeySize} bits (2048 or more expected)");
        }
        if (certificate.SignatureAlgorithm.Value is { } sig && WeakSignatures.TryGetValue(sig, out string? hash))
            found.Add($"a{(hash.StartsWith('M') ? "n" : string.Empty)} {hash} signature");
        return found;
    }

    /// <summary>The warning for a weak CA, or null when it is not weak.</summary>
    internal static string? Warning(X509Certificate2 certificate, string name)
    {
        var weaknesses = Weaknesses(certificate);
        if (weaknesses.Count == 0) return null;
        return $"'{name}' is a weak CA: it has {string.Join(" and ", weaknesses)}. It is installed, but clients with a strict "
            + "security level (OpenSSL's default on current distributions, Go) may refuse certificates it signed. Replace it with a CA that has "
            + "an RSA 2048+ or EC P-256+ key and a SHA-256 signature.";
    }
}
