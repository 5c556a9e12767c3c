using DcosTls.Acme;
using DcosTls.Certificates;

namespace DcosTls.Cmdlets;

/// <summary>
/// The values of the ACME challenge and account parameters of a cmdlet that orders certificates
/// (New-DcosCertificate; Update-DockerDaemonCertificate and Update-DockerClientCertificate through
/// <see cref="RenewalCmdlet"/>): the one shape the one builder below reads. The properties, with their
/// [Parameter] lines, are declared on each cmdlet by DcosTls.Generators from its one table
/// (src/DcosTls.Generators/AcmeParameterTable.cs; see ARCHITECTURE.md, "The ACME parameters").
/// </summary>
internal interface IAcmeParameters
{
    Uri AcmeDirectory { get; }
    AcmeServer Acme { get; }
    string? AccountPath { get; }
    SwitchParameter AcceptTermsOfService { get; }
    string[]? Contact { get; }
    string? CaCertificatePath { get; }
    string? WebRoot { get; }
    int HttpPort { get; }
    string? HttpListenAddress { get; }
    string? DnsServer { get; }
    string? TsigKeyName { get; }
    System.Security.SecureString? TsigSecret { get; }
    string? TsigKeyFile { get; }
    string TsigAlgorithm { get; }
}

internal static class AcmeParameters
{
    /// <summary>
    /// The one builder of an ACME issuer from what the user gave: the directory (<paramref name="named"/>:
    /// -Acme's public CA, else -AcmeDirectory), the paths resolved as every user path is
    /// (<paramref name="resolve"/>), -HttpPort only when given; the options are checked by
    /// <see cref="AcmeSettingsFactory"/> before any key is made. <paramref name="waiting"/> is the caller's
    /// progress status while the ACME server is polled.
    /// </summary>
    internal static AcmeIssuer CreateIssuer(IAcmeParameters given, bool named, IDictionary<string, object> bound, Func<string?, string?> resolve,
        Action<string> log, CancellationToken cancel, Action<string>? waiting)
        => new(AcmeSettingsFactory.Create(new AcmeOptions(
            named ? AcmeServers.Directory(given.Acme) : given.AcmeDirectory, resolve(given.CaCertificatePath), resolve(given.AccountPath),
            given.AcceptTermsOfService, given.Contact, resolve(given.WebRoot), bound.ContainsKey(nameof(IAcmeParameters.HttpPort)) ? given.HttpPort : null,
            given.HttpListenAddress, given.DnsServer, given.TsigKeyName, given.TsigSecret, resolve(given.TsigKeyFile), given.TsigAlgorithm), log, cancel),
            log, cancel, waiting);

    /// <summary>
    /// The same values as a certificate's origin, for its renewal description: the directory, the
    /// account folder, the challenge settings and the TSIG key's name and file, never its secret.
    /// </summary>
    internal static CertificateOrigin Origin(IAcmeParameters given, bool named, IDictionary<string, object> bound, Func<string?, string?> resolve)
        => new()
        {
            Kind = CertificateOrigin.Acme,
            AcmeDirectory = (named ? AcmeServers.Directory(given.Acme) : given.AcmeDirectory).AbsoluteUri,
            AccountPath = resolve(given.AccountPath),
            AcmeServerCaPath = resolve(given.CaCertificatePath),
            WebRoot = resolve(given.WebRoot),
            HttpPort = bound.ContainsKey(nameof(IAcmeParameters.HttpPort)) ? given.HttpPort : null,
            HttpListenAddress = given.HttpListenAddress,
            DnsServer = given.DnsServer,
            TsigKeyName = given.TsigKeyName,
            TsigKeyFile = resolve(given.TsigKeyFile),
            TsigAlgorithm = given.DnsServer == null ? null : given.TsigAlgorithm,
        };
}
