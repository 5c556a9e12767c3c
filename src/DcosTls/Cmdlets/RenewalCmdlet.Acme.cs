using DcosTls.Acme;
using DcosTls.Common;

namespace DcosTls.Cmdlets;

/// <summary>
/// Renewal from an ACME CA: the order is run again for the names of the certificate in place, with a
/// new key of the same type, proved by the challenge method given here (the account in -AccountPath is
/// reused).
/// </summary>
public abstract partial class RenewalCmdlet : IAcmeParameters
{
    private protected const string AcmeSet = "Acme";
    private protected const string AcmeNamedSet = "AcmeNamed";

    /// <summary>The ACME directory that issued the certificate in place.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AcmeSet, ValueFromPipelineByPropertyName = true)]
    public Uri AcmeDirectory { get; set; } = null!;

    /// <summary>A public ACME CA by name instead of -AcmeDirectory.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AcmeNamedSet, ValueFromPipelineByPropertyName = true)]
    public AcmeServer Acme { get; set; }

    /// <summary>The folder of the ACME account key (default: the user's config folder, per directory host).</summary>
    [Parameter(ParameterSetName = AcmeSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = AcmeNamedSet, ValueFromPipelineByPropertyName = true)]
    public string? AccountPath { get; set; }

    /// <summary>Agrees to the ACME server's terms of service when the account has to be created.</summary>
    [Parameter(ParameterSetName = AcmeSet)]
    [Parameter(ParameterSetName = AcmeNamedSet)]
    public SwitchParameter AcceptTermsOfService { get; set; }

    /// <summary>E-mail addresses for the ACME account: a new account gets them, an existing one is updated when its differ.</summary>
    [Parameter(ParameterSetName = AcmeSet)]
    [Parameter(ParameterSetName = AcmeNamedSet)]
    public string[]? Contact { get; set; }

    /// <summary>The CA that issued the ACME server's TLS certificate, when the system trust does not hold it.</summary>
    [Parameter(ParameterSetName = AcmeSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = AcmeNamedSet, ValueFromPipelineByPropertyName = true)]
    public string? CaCertificatePath { get; set; }

    /// <summary>HTTP-01 through a running web server's document root.</summary>
    [Parameter(ParameterSetName = AcmeSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = AcmeNamedSet, ValueFromPipelineByPropertyName = true)]
    public string? WebRoot { get; set; }

    /// <summary>HTTP-01 with a listener of our own on this port.</summary>
    [Parameter(ParameterSetName = AcmeSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = AcmeNamedSet, ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 65535)]
    public int HttpPort { get; set; }

    /// <summary>The local address of the -HttpPort listener (default: all).</summary>
    [Parameter(ParameterSetName = AcmeSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = AcmeNamedSet, ValueFromPipelineByPropertyName = true)]
    public string? HttpListenAddress { get; set; }

    /// <summary>DNS-01: the authoritative DNS server that takes RFC 2136 updates.</summary>
    [Parameter(ParameterSetName = AcmeSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = AcmeNamedSet, ValueFromPipelineByPropertyName = true)]
    public string? DnsServer { get; set; }

    [Parameter(ParameterSetName = AcmeSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = AcmeNamedSet, ValueFromPipelineByPropertyName = true)]
    public string? TsigKeyName { get; set; }

    [Parameter(ParameterSetName = AcmeSet)]
    [Parameter(ParameterSetName = AcmeNamedSet)]
    public System.Security.SecureString? TsigSecret { get; set; }

    [Parameter(ParameterSetName = AcmeSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = AcmeNamedSet, ValueFromPipelineByPropertyName = true)]
    public string? TsigKeyFile { get; set; }

    [Parameter(ParameterSetName = AcmeSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = AcmeNamedSet, ValueFromPipelineByPropertyName = true)]
    [ValidateSet("hmac-sha256", "hmac-sha384", "hmac-sha512", "hmac-sha1")]
    public string TsigAlgorithm { get; set; } = "hmac-sha256";

    private protected bool IsAcme => ParameterSetName is AcmeSet or AcmeNamedSet;

    /// <summary>
    /// The one activity of an ACME renewal: shown when the order starts, told what each poll waits for,
    /// completed when the renewal ends (also when it fails or the command is stopped).
    /// </summary>
    private BatchProgress? _acmeProgress;

    private protected AcmeIssuer CreateAcmeIssuer()
    {
        _acmeProgress = ProgressReporter.Batch(this, ProgressReporter.AcmeRenewal, MyInvocation.MyCommand.Name);
        return AcmeParameters.CreateIssuer(this, ParameterSetName == AcmeNamedSet, MyInvocation.BoundParameters, ResolveOptionalPath, Log, Cancel, _acmeProgress.Status);
    }

    /// <summary>Runs the switch of one pair; from an ACME CA under the renewal's one progress activity.</summary>
    private protected T WithAcmeProgress<T>(string path, Func<T> renew)
    {
        if (!IsAcme || _acmeProgress == null) return renew();
        T result = default!;
        _acmeProgress.Next(path);
        _acmeProgress.CompleteOnStop(() => result = renew());
        _acmeProgress.Complete();
        return result;
    }
}
