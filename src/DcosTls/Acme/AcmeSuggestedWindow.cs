namespace DcosTls.Acme;

/// <summary>
/// The renewal window an ACME server suggests for a certificate it issued (RFC 9773), for the due rule
/// of a renewal: null when the server offers no renewal information, and also when its answer cannot be
/// used (the RFC asks a client to treat an unusable answer as none), said in <paramref name="log"/>
/// so the operator sees why the certificate's own dates decided.
/// </summary>
internal static class AcmeSuggestedWindow
{
    internal static (DateTime Start, DateTime End)? Ask(Uri directory, X509Certificate2? trustedCa, X509Certificate2 certificate, Action<string> log, CancellationToken cancel)
    {
        try
        {
            var window = AcmeRenewalInfo.Fetch(directory, trustedCa, certificate, log, cancel);
            if (window == null)
            {
                log($"{directory} offers no renewal information; the certificate's own dates decide.");
                return null;
            }
            log($"{directory} suggests renewing '{certificate.Subject}' between {window.Start:yyyy-MM-dd HH:mm} and {window.End:yyyy-MM-dd HH:mm} UTC.");
            return (window.Start.UtcDateTime, window.End.UtcDateTime);
        }
        catch (AcmeProblemException e)
        {
            log($"The renewal information for '{certificate.Subject}' was not used ({e.ErrorId}): {e.Message}");
            return null;
        }
    }
}
