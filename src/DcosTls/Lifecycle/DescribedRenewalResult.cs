using DcosTls.Certificates;
using DcosTls.Common;

namespace DcosTls.Lifecycle;

/// <summary>
/// What Update-DcosCertificate did with one renewal description: renewed (the files switched, old and new
/// thumbprint and expiry, the rule that decided) or, with -PassThru, not due (when it will be). Plain
/// values only, so the next pipeline step can act on it (put the pem into a DC/OS secret, reload a service)
/// also over remoting.
/// </summary>
public sealed class DescribedRenewalResult
{
    internal DescribedRenewalResult(DescribedPlan plan, DcosCertificate? issued, string[] files, string? version)
    {
        var current = plan.Current;
        Name = current.CommonName;
        Path = plan.Path;
        Description = plan.Description.Issuer.Describe();
        Format = plan.Description.Format;
        Renewed = issued != null;
        Rule = plan.Decision.Rule;
        RenewAt = plan.Decision.RenewAt;
        PreviousThumbprint = issued == null ? null : current.Thumbprint;
        PreviousNotAfter = issued == null ? null : current.NotAfter;
        Thumbprint = (issued ?? current).Thumbprint;
        NotAfter = (issued ?? current).NotAfter;
        DaysLeft = (int)Math.Floor((NotAfter - DateTime.UtcNow).TotalDays);
        Files = new ValueList<string>(files);
        Version = version;
    }

    /// <summary>The certificate's common name.</summary>
    public string Name { get; }

    /// <summary>The certificate's file (the fixed name its readers open).</summary>
    public string Path { get; }

    /// <summary>The issuer, as the description names it.</summary>
    public string Description { get; }

    /// <summary>Pem, HaproxyPem or Pkcs12.</summary>
    public string Format { get; }

    /// <summary>False when the certificate was not due (a row only with -PassThru).</summary>
    public bool Renewed { get; }

    /// <summary>What decided: TwoThirds (the default), Days or Share (-RenewBefore), RenewalInfo (the ACME server's window), Force.</summary>
    public string Rule { get; }

    /// <summary>When the rule makes (or made) the certificate in place due, UTC.</summary>
    public DateTime RenewAt { get; }

    public string? PreviousThumbprint { get; }
    public DateTime? PreviousNotAfter { get; }

    /// <summary>SHA-1 of the certificate in place now.</summary>
    public string Thumbprint { get; }

    /// <summary>UTC.</summary>
    public DateTime NotAfter { get; }
    public int DaysLeft { get; }

    /// <summary>Every file switched (the certificate, its key, the description); empty when not renewed.</summary>
    public ValueList<string> Files { get; }

    /// <summary>The folder beside the fixed names that holds the files in use now, when renewed.</summary>
    public string? Version { get; }

    public override string ToString() => $"{Name} {(Renewed ? "renewed" : "not due")} ({Rule}): until {NotAfter:yyyy-MM-dd}";
}
