using System;
using System.Linq;

namespace DcosTls.Generators;

/// <summary>
/// The kinds of cmdlet that take ACME parameters. A cmdlet names its kind, and its parameter sets, in
/// [AcmeParameters(...)]; the kind says which of the parameters below it takes and how they bind.
/// </summary>
public enum AcmeRole
{
    /// <summary>
    /// New-DcosCertificate: orders a certificate. The rows piped into it are names, so no ACME parameter
    /// binds by property name: a row's column must not steer the row into an ACME set.
    /// </summary>
    Issue,

    /// <summary>
    /// Update-DockerDaemonCertificate, Update-DockerClientCertificate: orders the renewal of the pair in
    /// place. The settings a piped row can carry bind by property name; the terms, the contacts and the
    /// TSIG secret are given, never taken from a row.
    /// </summary>
    Renew,

    /// <summary>
    /// Get-DcosAcmeAccount, New-DcosAcmeAccount (through AcmeAccountCmdlet): the directory (the first
    /// positional argument, also piped as a value), the key folder and the server's TLS trust. The
    /// cmdlets have only the directory and the named set, so the options are in every set.
    /// </summary>
    Account,

    /// <summary>New-DcosAcmeAccount: what a new account is made with, in every set, bound by property name too.</summary>
    AccountCreation,

    /// <summary>
    /// Update-DcosCertificate: renews from a renewal description, which holds every ACME setting but
    /// the TSIG secret, and whose ACME server trust may be gone: the two values given here.
    /// </summary>
    DescribedRenewal,
}

/// <summary>Where a parameter is: mandatory in the sets that name the directory, in those that name a public CA, or optional.</summary>
public enum AcmeChoice
{
    Directory,
    Named,
    Option,
}

/// <summary>One ACME parameter.</summary>
/// <param name="Name">The parameter's name.</param>
/// <param name="Type">Its C# type, as the generated property declares it.</param>
/// <param name="Initializer">Its default, as C# (null: the type's own).</param>
/// <param name="Summary">What it is, for the reader of the generated code (the user's help is en-US/*.md).</param>
/// <param name="Choice">Where it is mandatory, if anywhere.</param>
/// <param name="ByPropertyName">The roles whose cmdlets bind it by property name from the pipeline.</param>
/// <param name="Validation">Its checks, as C# attributes without the brackets.</param>
public sealed record AcmeParameter(string Name, string Type, string? Initializer, string Summary, AcmeChoice Choice, AcmeRole[] ByPropertyName,
    params string[] Validation);

/// <summary>The parameters of one role, in the order SYNTAX lists them, and how the role places them.</summary>
/// <param name="Role">The role.</param>
/// <param name="Parameters">Its parameters, in SYNTAX order.</param>
/// <param name="OptionsInEverySet">The optional parameters are in every set of the cmdlet ([Parameter] without a set), not in each ACME set by name.</param>
/// <param name="DirectoryFirstAndPiped">-AcmeDirectory is the first positional argument and is taken from the pipeline by value.</param>
/// <param name="OrdersCertificates">The cmdlet takes every parameter and implements IAcmeParameters, which the one builder (Cmdlets/AcmeParameters.cs) reads.</param>
public sealed record AcmeRoleShape(AcmeRole Role, string[] Parameters, bool OptionsInEverySet = false, bool DirectoryFirstAndPiped = false,
    bool OrdersCertificates = false);

/// <summary>
/// The one home of the ACME parameters of the cmdlets: the generator (AcmeParameterGenerator) declares each
/// property, with its [Parameter] lines, on every cmdlet marked [AcmeParameters(role, sets)] from this table.
/// </summary>
public static class AcmeParameterTable
{
    private static readonly AcmeRole[] None = new AcmeRole[0];
    private static readonly AcmeRole[] Renewal = { AcmeRole.Renew };
    private static readonly AcmeRole[] RenewalAndAccount = { AcmeRole.Renew, AcmeRole.Account };
    private static readonly AcmeRole[] Creation = { AcmeRole.AccountCreation };

    /// <summary>Every ACME parameter, in the order SYNTAX lists them on the cmdlets that order certificates.</summary>
    public static readonly AcmeParameter[] Parameters =
    {
        new("AcmeDirectory", "Uri", "null!", "The ACME server's directory URL (Let's Encrypt, pebble).", AcmeChoice.Directory, RenewalAndAccount),
        new("Acme", "AcmeServer", null, "A public ACME CA by name instead of -AcmeDirectory: LetsEncrypt or LetsEncryptStaging.", AcmeChoice.Named, Renewal),
        new("AccountPath", "string?", null, "The folder of the ACME account key (default: the user's config folder, per directory host).", AcmeChoice.Option, RenewalAndAccount),
        new("AcceptTermsOfService", "SwitchParameter", null, "Agrees to the ACME server's terms of service when the account has to be created (never done silently).", AcmeChoice.Option, Creation),
        new("Contact", "string[]?", null, "E-mail addresses for the ACME account: a new account gets them, an existing one is updated when its differ.", AcmeChoice.Option, Creation),
        new("CaCertificatePath", "string?", null, "The CA that issued the ACME server's TLS certificate, when the system trust does not hold it.", AcmeChoice.Option, RenewalAndAccount),
        new("WebRoot", "string?", null, "HTTP-01 through a running web server's document root.", AcmeChoice.Option, Renewal),
        new("HttpPort", "int", null, "HTTP-01 with a listener of our own on this port.", AcmeChoice.Option, Renewal, "ValidateRange(1, 65535)"),
        new("HttpListenAddress", "string?", null, "The local address of the -HttpPort listener (default: all).", AcmeChoice.Option, Renewal),
        new("DnsServer", "string?", null, "DNS-01: the authoritative DNS server that takes RFC 2136 updates (host, host:port or address).", AcmeChoice.Option, Renewal),
        new("TsigKeyName", "string?", null, "DNS-01: the name of the TSIG key that may update the zone, or which key of -TsigKeyFile to take.", AcmeChoice.Option, Renewal),
        new("TsigSecret", "SecureString?", null, "DNS-01: the TSIG key's secret (never in any output, description or message).", AcmeChoice.Option, None),
        new("TsigKeyFile", "string?", null, "DNS-01: a BIND key file (as tsig-keygen writes it) with the key's name, algorithm and secret.", AcmeChoice.Option, Renewal),
        new("TsigAlgorithm", "string", "\"hmac-sha256\"", "DNS-01: the TSIG key's algorithm.", AcmeChoice.Option, Renewal,
            "ValidateSet(\"hmac-sha256\", \"hmac-sha384\", \"hmac-sha512\", \"hmac-sha1\")"),
    };

    private static readonly string[] All = Parameters.Select(p => p.Name).ToArray();

    /// <summary>What each role takes, in its SYNTAX order.</summary>
    public static readonly AcmeRoleShape[] Roles =
    {
        new(AcmeRole.Issue, All, OrdersCertificates: true),
        new(AcmeRole.Renew, All, OrdersCertificates: true),
        new(AcmeRole.Account, new[] { "AcmeDirectory", "Acme", "AccountPath", "CaCertificatePath" }, OptionsInEverySet: true, DirectoryFirstAndPiped: true),
        new(AcmeRole.AccountCreation, new[] { "Contact", "AcceptTermsOfService" }, OptionsInEverySet: true),
        new(AcmeRole.DescribedRenewal, new[] { "TsigSecret", "CaCertificatePath" }, OptionsInEverySet: true),
    };

    public static AcmeParameter Parameter(string name) => Parameters.Single(p => p.Name == name);

    public static AcmeRoleShape Role(AcmeRole role) => Roles.Single(r => r.Role == role);

    /// <summary>One property's [Parameter] lines in a cmdlet of <paramref name="role"/>: the set's name, or null for every set, with its arguments.</summary>
    public static string[] ParameterLines(AcmeRoleShape role, AcmeParameter parameter, string[] directorySets, string[] namedSets)
    {
        string?[] sets = parameter.Choice switch
        {
            AcmeChoice.Directory => directorySets,
            AcmeChoice.Named => namedSets,
            _ when role.OptionsInEverySet => new string?[] { null },
            // Each ACME set by name, a directory set followed by its named twin, as the cmdlets list them.
            _ => directorySets.Zip(namedSets, (d, n) => new[] { d, n }).SelectMany(s => s)
                .Concat(directorySets.Skip(namedSets.Length)).Concat(namedSets.Skip(directorySets.Length)).ToArray(),
        };
        bool first = parameter.Choice == AcmeChoice.Directory && role.DirectoryFirstAndPiped;
        bool byName = parameter.ByPropertyName.Contains(role.Role);
        return sets.Select(set =>
        {
            var args = new[]
            {
                parameter.Choice == AcmeChoice.Option ? null : "Mandatory = true",
                first ? "Position = 0" : null,
                first ? "ValueFromPipeline = true" : null,
                byName ? "ValueFromPipelineByPropertyName = true" : null,
                set == null ? null : $"ParameterSetName = \"{set}\"",
            }.Where(a => a != null);
            string joined = string.Join(", ", args);
            return joined.Length == 0 ? "[Parameter]" : $"[Parameter({joined})]";
        }).ToArray();
    }
}
