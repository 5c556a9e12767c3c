namespace DcosTls.Certificates;

/// <summary>
/// Says why a certificate does not chain when a CA with its issuer's very name is among the anchors
/// but holds another key: a CA made again under the same name, or a second cluster's CA. Chain
/// building reports that as an unknown or partial chain and never mentions the key, so the user
/// looks for a missing CA that is in fact there.
/// </summary>
internal static class IssuerKeyMismatch
{
    /// <returns>
    /// A sentence (with a leading space) that names both keys and what to do, or an empty string
    /// when no anchor has the issuer's name or one that has it did sign the certificate.
    /// </returns>
    internal static string Explain(X509Certificate2 certificate, IEnumerable<X509Certificate2> anchors)
    {
        var sameName = anchors.Where(a => a.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData)).ToList();
        if (sameName.Count == 0 || sameName.Any(a => AnchoredChain.IsSignedBy(certificate, a))) return string.Empty;
        string? wanted = certificate.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().FirstOrDefault()?.KeyIdentifier is { } id
            ? Convert.ToHexString(id.Span)
            : null;
        var found = sameName.Select(a => a.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()?.SubjectKeyIdentifier)
            .OfType<string>().Distinct().ToList();
        string keys = wanted != null && found.Count > 0
            ? $" (it was signed by key {wanted}; the CA here has key {string.Join(", ", found)})"
            : string.Empty;
        return $" The CA here has the issuer's name '{certificate.Issuer}' but a different key{keys}: it is another CA with the same name, " +
            "for example one made again. Install the CA certificate that really issued this certificate, or issue the certificate again from this CA.";
    }
}
