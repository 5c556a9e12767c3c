using DcosTls.Acme;
using DcosTls.Certificates;
using DcosTls.Common;
using DcosTls.Files;
using DcosTls.Lifecycle;
using DcosTls.Session;

namespace DcosTls.Cmdlets;

/// <summary>
/// Update-DcosCertificate: renews the certificates DcosTls wrote, from the renewal description kept
/// beside each (Export-DcosCertificate, Set-DockerDaemonTls, Install-DockerClientCertificate), when they
/// are due: the same issuer, names, key type and format, a new key unless -ReuseKey, every file switched
/// in one step. Emits a row per renewed certificate (and, with -PassThru, per certificate not due).
/// </summary>
// -TsigSecret (of a DNS-01 description whose key was given as -TsigSecret: a description never holds it)
// and -CaCertificatePath (the ACME server's TLS trust, when the description's is gone) are declared by
// DcosTls.Generators from its one table; -Root and -PassThru are partial so that SYNTAX lists them after.
[Cmdlet(VerbsData.Update, "DcosCertificate", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(DescribedRenewalResult))]
[AcmeParameters(AcmeRole.DescribedRenewal)]
public sealed partial class UpdateDcosCertificateCommand : DcosSessionCmdlet
{
    /// <summary>A renewal description, a certificate file with its description beside it, or a folder searched for descriptions.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "RenewalDescription")]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Renew this many days before expiry ("30"), or when this share of the lifetime is left ("1/3", "33%"). Default: after two thirds of the lifetime, with jitter.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RenewBefore { get; set; }

    /// <summary>Renew now, due or not.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Keep the key in place (a pinned key); by default every renewal makes a new key of the same type and size.</summary>
    [Parameter]
    public SwitchParameter ReuseKey { get; set; }

    /// <summary>The local CA with its key, when the description does not name its files or they are kept elsewhere (an encrypted key).</summary>
    [Parameter]
    public DcosCertificate? Issuer { get; set; }

    /// <summary>The password of a key or PKCS#12 file the description says is protected; the new one is protected with it too.</summary>
    [Parameter]
    public SecureString? Password { get; set; }

    /// <summary>Staging root standing in for the agent's /: the files must lie under it (paths given as on this machine).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public partial string Root { get => field; set => field = value; } = "/";

    /// <summary>Also emit a row for each certificate that was not due.</summary>
    [Parameter]
    public partial SwitchParameter PassThru { get => field; set => field = value; }

    private RenewBefore? _window;
    private BatchProgress? _acmeProgress;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private string? _target;

    protected override void Begin()
    {
        if (RenewBefore == null) return;
        _window = Lifecycle.RenewBefore.Parse(RenewBefore, out string? problem);
        if (_window == null) Fail("InvalidRenewBefore", ErrorCategory.InvalidArgument, problem!, RenewBefore);
    }

    // Each description is its own input: one that cannot be renewed is reported, and the next is renewed.
    protected override bool EndsOnlyThisInput(DcosTlsException error) => error.ErrorId != "NoDcosSession";

    protected override object? TargetOf(DcosTlsException error) => error.TargetObject ?? _target ?? base.TargetOf(error);

    protected override void Process()
    {
        var writer = _writer = CreateWriter(Root);
        foreach (string given in Path)
        {
            string full = ResolvePath(given);
            var descriptions = Directory.Exists(full) ? DescribedRenewal.FindUnder(full).ToList() : new List<string> { DescriptionOf(full) };
            // Piped rows (the inventory, Get-ChildItem) name every file, and a key or a trust anchor has
            // no description of its own: passed over. A path given by name must have one.
            if (MyInvocation.ExpectingInput && !Directory.Exists(full) && !full.EndsWith(RenewalDescription.Suffix, StringComparison.Ordinal)
                && StagedFileWriter.Entry(descriptions[0]) == null)
            {
                WriteVerbose($"'{full}' has no renewal description beside it; passed over.");
                continue;
            }
            if (descriptions.Count == 0) WriteVerbose($"'{full}' holds no renewal description ('*{RenewalDescription.Suffix}'); nothing to renew there.");
            foreach (string description in descriptions)
            {
                // A certificate and its chain are two inventory rows for one description.
                if (!_seen.Add(description)) continue;
                RunInput(() => RenewOne(writer, description));
            }
        }
    }

    /// <summary>A description as given, or the one beside a certificate file.</summary>
    private static string DescriptionOf(string path)
        => path.EndsWith(RenewalDescription.Suffix, StringComparison.Ordinal) ? path : RenewalDescription.PathFor(path);

    private void RenewOne(StagedFileWriter writer, string full)
    {
        _target = full;
        _issuing = null;
        _acmeProgress = null;
        if (!writer.Paths.Contains(full))
            throw new PathOutsideRootException($"'{full}' is not under the root '{writer.Root}'. Give a path inside -Root, or leave -Root out.", full);
        string agentPath = writer.Paths.AgentPathOf(full);
        var plan = DescribedRenewal.Plan(writer, agentPath, Password, _window, Force, Environment.MachineName, RenewalInfo);
        _target = plan.Path;
        if (!plan.Decision.Due)
        {
            WriteVerbose($"'{plan.Path}' is not due: it expires {plan.Current.NotAfter:yyyy-MM-dd HH:mm} UTC and the {plan.Decision.Rule} rule renews it from {plan.Decision.RenewAt:yyyy-MM-dd HH:mm} UTC (use -Force to renew now).");
            if (PassThru) WriteResult(new DescribedRenewalResult(plan, null, Array.Empty<string>(), plan.Slot.CurrentVersion));
            return;
        }
        var issuer = CreateIssuer(plan);
        _issuing = (plan, issuer);
        issuer.Validate();
        if (!ShouldProcess(plan.Path, $"Renew '{plan.Current.Subject}' (expires {plan.Current.NotAfter:yyyy-MM-dd}; rule {plan.Decision.Rule}) with {(ReuseKey ? "the same key" : "a new key")} from the {issuer.Description}, switching {string.Join(", ", plan.Description.Files.Select(f => f.Name))} and the description together"))
        {
            _issuing = null;
            return;
        }
        var (spec, usage) = DescribedRenewal.SpecOf(plan);
        DescribedRenewalResult result = null!;
        // An ACME order waits on the server: one progress activity per renewal, completed when it ends.
        void Renew()
        {
            var issued = ReuseKey
                ? issuer.Sign(new KeptKeyRequest(spec, DescribedRenewal.ReadKey(plan, Password), usage), usage)
                : issuer.Issue(spec, usage);
            result = DescribedRenewal.Install(writer, plan, issued, issuer, Password);
        }
        if (_acmeProgress == null) Renew();
        else
        {
            _acmeProgress.Next(plan.Path);
            _acmeProgress.CompleteOnStop(Renew);
            _acmeProgress.Complete();
            _acmeProgress = null;
        }
        _issuing = null;
        WriteVerbose($"Renewed '{plan.Path}' ({plan.Decision.Rule}): {result.PreviousThumbprint} -> {result.Thumbprint}, until {result.NotAfter:yyyy-MM-dd}.");
        WriteResult(result);
    }

    /// <summary>The issuer the description names, built only once the certificate is due (nothing is contacted before).</summary>
    private ICertificateIssuer CreateIssuer(DescribedPlan plan)
    {
        var origin = plan.Description.Issuer;
        int lifetime = Math.Max(1, (int)Math.Round((plan.Current.NotAfter - plan.Current.NotBefore).TotalDays));
        return origin.Kind switch
        {
            CertificateOrigin.Cluster => new ClusterIssuer(RequireSession(), origin.Profile, serverGeneratedKey: false, Log, Cancel),
            CertificateOrigin.LocalCa => new LocalCaIssuer(LocalCa(plan, origin), origin.ValidDays ?? lifetime),
            CertificateOrigin.SelfSigned => new SelfSignedIssuer(origin.ValidDays ?? lifetime),
            _ => AcmeIssuerFor(plan, origin),
        };
    }

    /// <summary>The local CA: -Issuer, or the files the description names; either way the one that signed the certificate.</summary>
    private DcosCertificate LocalCa(DescribedPlan plan, CertificateOrigin origin)
    {
        var ca = Issuer;
        if (ca == null)
        {
            if (origin.CaCertificatePath == null || !File.Exists(origin.CaCertificatePath) || (origin.CaKeyPath != null && !File.Exists(origin.CaKeyPath)))
                throw new DcosTlsException("RenewalIssuerNotFound", ErrorCategory.ObjectNotFound,
                    (origin.CaCertificatePath == null
                        ? $"'{plan.Path}' comes from the local CA '{origin.CaSubject}', and its renewal description does not say where that CA's files are"
                        : $"'{plan.Path}' comes from the local CA '{origin.CaSubject}', whose files '{origin.CaCertificatePath}' and '{origin.CaKeyPath}' are not there") +
                    "; nothing was written. Give the CA with its key as -Issuer (Import-DcosCertificate -Path ca.crt -KeyPath ca.key).", plan.Path);
            ca = CertificateFileReader.Read(origin.CaCertificatePath, origin.CaKeyPath, null).FirstOrDefault(c => c.HasPrivateKey)
                ?? throw new DcosTlsException("RenewalIssuerNotFound", ErrorCategory.ObjectNotFound,
                    $"'{origin.CaCertificatePath}' holds no CA with its key, which '{plan.Path}' is renewed from; nothing was written. Give the CA with its key as -Issuer.", plan.Path);
        }
        if (origin.CaThumbprint != null && !ca.Thumbprint.Equals(origin.CaThumbprint, StringComparison.OrdinalIgnoreCase))
            throw new DcosTlsException("RenewalIssuerMismatch", ErrorCategory.InvalidArgument,
                $"'{plan.Path}' comes from the local CA '{origin.CaSubject}' ({origin.CaThumbprint}), not from '{ca.Subject}' ({ca.Thumbprint}); nothing was written. " +
                "A certificate from another CA would be refused by everyone who trusts the current one: give the CA that signed it, or issue a new certificate from the new CA with New-DcosCertificate.", plan.Path);
        return ca;
    }

    private AcmeIssuer AcmeIssuerFor(DescribedPlan plan, CertificateOrigin origin)
    {
        var options = new AcmeOptions(new Uri(origin.AcmeDirectory!), ResolveOptionalPath(CaCertificatePath) ?? origin.AcmeServerCaPath, origin.AccountPath,
            AcceptTermsOfService: false, Contact: null, origin.WebRoot, origin.HttpPort, origin.HttpListenAddress, origin.DnsServer, origin.TsigKeyName,
            TsigSecret, origin.TsigKeyFile, origin.TsigAlgorithm ?? "hmac-sha256");
        string account = AcmeSettingsFactory.AccountFolder(options);
        if (!new AcmeAccountKeyStore(account).Exists)
            throw new DcosTlsException("RenewalAcmeAccountMissing", ErrorCategory.ObjectNotFound,
                $"'{plan.Path}' was ordered with the ACME account in '{account}', which holds no account key any more; nothing was sent or written. " +
                "Put the account back, or create one (New-DcosAcmeAccount) and issue the certificate again with New-DcosCertificate.", plan.Path);
        _acmeProgress = ProgressReporter.Batch(this, ProgressReporter.AcmeRenewal, MyInvocation.MyCommand.Name);
        return new AcmeIssuer(AcmeSettingsFactory.Create(options, Log, Cancel), Log, Cancel, _acmeProgress.Status);
    }

    /// <summary>
    /// The ACME server's suggested renewal time (RFC 9773), for a description from an ACME CA: the answer
    /// kept beside the description until its Retry-After, else one unauthenticated GET whose answer is
    /// kept; none when the server offers none or its answer cannot be used (said in Verbose).
    /// </summary>
    private DateTime? RenewalInfo(RenewalDescription description, string descriptionPath, DcosCertificate current, double jitter)
        => description.Issuer.Kind != CertificateOrigin.Acme ? null
        : AcmeSuggestedWindow.Ask(_writer!, KeptRenewalInfo.PathFor(descriptionPath[..^RenewalDescription.Suffix.Length]), new Uri(description.Issuer.AcmeDirectory!),
            () => AcmeSettingsFactory.ReadTrust(ResolveOptionalPath(CaCertificatePath) ?? description.Issuer.AcmeServerCaPath), current.Certificate, jitter, Log, Cancel);

    private StagedFileWriter? _writer;

    /// <summary>The description being renewed and its issuer, from the issuer's check to the switch.</summary>
    private (DescribedPlan Plan, ICertificateIssuer Issuer)? _issuing;

    /// <summary>
    /// What these mean while a certificate is renewed: an issuer that cannot sign, an answer with no
    /// readable certificate, a write beside the files that failed.
    /// </summary>
    protected override DcosTlsException? Meaning(Exception e)
    {
        if (_issuing is not { } issuing) return null;
        var (plan, issuer) = issuing;
        return e switch
        {
            CertificateSpecException => new DcosTlsException("RenewalCertificateUnsupported", ErrorCategory.InvalidData,
                $"'{plan.Path}' cannot be renewed from the {issuer.Description}: {e.Message} The old files are kept.", plan.Path),
            CryptographicException => new DcosTlsException("CaResponseInvalid", ErrorCategory.ProtocolError,
                $"The answer for '{plan.Current.CommonName}' holds no readable certificate; the old files are kept. Check that the session's cluster address is a DC/OS Enterprise master.", plan.Path),
            IOException or UnauthorizedAccessException => new DcosTlsException("RenewalWriteFailed", ErrorCategory.WriteError,
                $"Writing the new files beside '{plan.Path}' failed ({e.GetType().Name}); the files the names give are still the old ones. Check that the folder is writable.", plan.Path),
            _ => null,
        };
    }
}
