using DcosTls.Acme;
using DcosTls.Certificates;
using DcosTls.Common;
using DcosTls.Requests;
using DcosTls.Session;

namespace DcosTls.Cmdlets;

/// <summary>
/// New-DcosCertificate: a certificate from the DC/OS CA (key made here, only the CSR is sent),
/// from a local CA (-Issuer), or self-signed (-SelfSigned). Rows with CommonName/DnsName/IPAddress
/// properties (Import-Csv) issue one certificate each.
/// </summary>
// The default set is RequestCluster: -CertificateRequest alone is also in the name sets (optional, for
// piping), and with the name form as default the binder picked it and asked for -CommonName. A name,
// a row or a string still goes to the name sets, the only ones that take it.
// The ACME parameters (-AcmeDirectory ... -TsigAlgorithm) are declared by DcosTls.Generators from its
// one table, after the properties below; -SkipIfValid is partial so that SYNTAX lists it after them.
[Cmdlet(VerbsCommon.New, "DcosCertificate", SupportsShouldProcess = true, DefaultParameterSetName = RequestClusterSet)]
[OutputType(typeof(DcosCertificate))]
[AcmeParameters(AcmeRole.Issue, DirectorySets = [AcmeSet, RequestAcmeSet], NamedSets = [AcmeNamedSet, RequestAcmeNamedSet])]
public sealed partial class NewDcosCertificateCommand : DcosSessionCmdlet
{
    private const string ClusterSet = "Cluster";
    private const string IssuerSet = "Issuer";
    private const string SelfSignedSet = "SelfSigned";
    private const string RequestClusterSet = "RequestCluster";
    private const string RequestIssuerSet = "RequestIssuer";
    private const string AcmeSet = "Acme";
    private const string RequestAcmeSet = "RequestAcme";
    private const string AcmeNamedSet = "AcmeNamed";
    private const string RequestAcmeNamedSet = "RequestAcmeNamed";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ClusterSet)]
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = IssuerSet)]
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = SelfSignedSet)]
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = AcmeSet)]
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = AcmeNamedSet)]
    // A piped request named only by its alternative names binds its empty CommonName here by property
    // name; the binder would refuse it before the request could be signed. An empty name without a
    // request is still refused, by CertificateSpec, with InvalidCertificateRequest,CommonName.
    [AllowEmptyString]
    [Alias("CN")]
    public string CommonName { get; set; } = string.Empty;

    /// <summary>DNS subject alternative names; IP literals are moved to the IP SANs.</summary>
    [Parameter(ParameterSetName = ClusterSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = IssuerSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = SelfSignedSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = AcmeSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = AcmeNamedSet, ValueFromPipelineByPropertyName = true)]
    [Alias("DnsNames", "Hosts")]
    public string[]? DnsName { get; set; }

    [Parameter(ParameterSetName = ClusterSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = IssuerSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = SelfSignedSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = AcmeSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = AcmeNamedSet, ValueFromPipelineByPropertyName = true)]
    [Alias("IPAddresses", "IP")]
    public string[]? IPAddress { get; set; }

    [Parameter(ParameterSetName = ClusterSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = IssuerSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = SelfSignedSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = AcmeSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = AcmeNamedSet, ValueFromPipelineByPropertyName = true)]
    public KeyAlgorithm KeyAlgorithm { get; set; } = KeyAlgorithm.RSA;

    [Parameter(ParameterSetName = ClusterSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = IssuerSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = SelfSignedSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = AcmeSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = AcmeNamedSet, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(KeySizeCompleter))]
    public int KeySize { get; set; }

    [Parameter(ParameterSetName = ClusterSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = IssuerSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = SelfSignedSet, ValueFromPipelineByPropertyName = true)]
    public string? Country { get; set; }
    [Parameter(ParameterSetName = ClusterSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = IssuerSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = SelfSignedSet, ValueFromPipelineByPropertyName = true)]
    public string? State { get; set; }
    [Parameter(ParameterSetName = ClusterSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = IssuerSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = SelfSignedSet, ValueFromPipelineByPropertyName = true)]
    public string? Locality { get; set; }
    [Parameter(ParameterSetName = ClusterSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = IssuerSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = SelfSignedSet, ValueFromPipelineByPropertyName = true)]
    public string? Organization { get; set; }
    [Parameter(ParameterSetName = ClusterSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = IssuerSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = SelfSignedSet, ValueFromPipelineByPropertyName = true)]
    public string? OrganizationalUnit { get; set; }

    /// <summary>Server (serverAuth), Client (clientAuth) or ServerAndClient.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public CertificateUsage Usage { get; set; } = CertificateUsage.Server;

    /// <summary>Validity for local and self-signed certificates (the cluster CA's profile decides its own).</summary>
    [Parameter(ParameterSetName = IssuerSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = SelfSignedSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = RequestIssuerSet, ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 36500)]
    public int ValidDays { get; set; } = 365;

    /// <summary>The cfssl signing profile of the DC/OS CA.</summary>
    [Parameter(ParameterSetName = ClusterSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = RequestClusterSet, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProfileCompleter))]
    public string? Profile { get; set; }

    /// <summary>The hand-run flow: the CA makes the key (newkey) and it comes back over TLS.</summary>
    [Parameter(ParameterSetName = ClusterSet)]
    public SwitchParameter ServerGeneratedKey { get; set; }

    /// <summary>A local CA with its key (New-TlsCertificateAuthority, Import-DcosCertificate).</summary>
    [Parameter(Mandatory = true, ParameterSetName = IssuerSet)]
    [Parameter(Mandatory = true, ParameterSetName = RequestIssuerSet)]
    public DcosCertificate Issuer { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = SelfSignedSet)]
    public SwitchParameter SelfSigned { get; set; }

    /// <summary>
    /// A request made elsewhere (Import-DcosCertificateRequest) or by New-DcosCertificateRequest, or the
    /// path of its PEM or DER file (as certbot, step and Posh-ACME take a CSR). It is also in the name
    /// sets, optional: a request piped with a name-set parameter (-Country) binds CommonName and DnsNames
    /// by property name there, and the request must still win.
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = RequestClusterSet)]
    [Parameter(ValueFromPipeline = true, ParameterSetName = ClusterSet)]
    [Parameter(ValueFromPipeline = true, ParameterSetName = IssuerSet)]
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = RequestIssuerSet)]
    [Parameter(ValueFromPipeline = true, ParameterSetName = AcmeSet)]
    [Parameter(ValueFromPipeline = true, ParameterSetName = AcmeNamedSet)]
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = RequestAcmeSet)]
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = RequestAcmeNamedSet)]
    [Alias("Csr")]
    [CertificateRequestFile]
    public DcosCertificateRequest CertificateRequest { get; set; } = null!;

    /// <summary>
    /// Where this row's certificate is exported (Export-DcosCertificate -Path, Pem): when that file and
    /// its key already hold a valid certificate for the same names (with -Issuer: signed by that CA; with
    /// -SelfSigned: self-signed), the row is skipped (nothing is sent, nothing is output). A script block gives a path per row: -SkipIfValid { "./certs/$($_.CommonName).crt" }.
    /// </summary>
    [Parameter(ParameterSetName = ClusterSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = IssuerSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = SelfSignedSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = AcmeSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = AcmeNamedSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public partial string? SkipIfValid { get => field; set => field = value; }

    private BatchProgress _progress = null!;

    protected override void Begin()
    {
        // Parameters alone name one certificate; piped rows are counted only as they come.
        _progress = ProgressReporter.Batch(this, ProgressReporter.NewCertificate, "New-DcosCertificate",
            MyInvocation.ExpectingInput ? null : 1);
    }

    // Inside the bar's guard, so that a row that fails does not end the batch's bar.
    protected override void Process() => _progress.CompleteOnStop(() => RunInput(ProcessRow));

    // Every refusal ends its row only (a refused login holds the batch back: WriteInputError); it names the row.
    protected override bool EndsOnlyThisInput(DcosTlsException error) => true;

    /// <summary>
    /// One row failed: its error, with its own id, and the batch goes on with the next row; only a
    /// refused login stops the batch (every later row would be refused the same way).
    /// </summary>
    protected override void WriteInputError(ErrorRecord record, DcosTlsException error)
    {
        if (error is DcosAuthenticationException) StopBatch(record);
        else WriteError(record);
    }

    private void ProcessRow()
    {
        _clusterAnswer = null;
        if (_loginRefused != null)
        {
            SkipAfterLoginRefused();
            return;
        }
        if (CertificateRequest != null)
        {
            SignRequest();
            return;
        }
        ErrorTarget = CommonName;
        // ACME: ECDSA P-256 unless asked otherwise (smaller, and what ACME clients default to).
        var algorithm = ParameterSetName is AcmeSet or AcmeNamedSet && !MyInvocation.BoundParameters.ContainsKey(nameof(KeyAlgorithm)) ? KeyAlgorithm.ECDSA : KeyAlgorithm;
        var spec = CertificateSpec.Create(CommonName, DnsName, IPAddress, algorithm,
            MyInvocation.BoundParameters.ContainsKey(nameof(KeySize)) ? KeySize : null, forAuthority: false,
            Country, State, Locality, Organization, OrganizationalUnit);
        // Before the issuer is chosen or asked anything: a row already written sends nothing.
        if (SkipIfValid != null && AlreadyValid(spec)) return;
        var issuer = ChooseIssuer();
        issuer.Validate();
        if (!ShouldProcess(spec.CommonName, $"Issue certificate ({issuer.Description})")) return;

        _progress.Next(spec.CommonName);
        Issue(() => issuer.Issue(spec, Usage), CommonName, "certificate or key", ClusterSet);
    }

    /// <summary>Issues one row and writes it; an answer from the DC/OS CA that cannot be read is this row's error.</summary>
    private void Issue(Func<DcosCertificate> issue, string target, string unreadable, params string[] clusterSets)
    {
        _clusterAnswer = clusterSets.Contains(ParameterSetName) ? (target, unreadable) : null;
        var issued = issue();
        issued.Origin = DescribeOrigin().ToJson();
        WarnOnUsageMismatch(issued);
        WriteObject(issued);
        _clusterAnswer = null;
    }

    /// <summary>The row and what the DC/OS CA's answer holds, while that answer is read.</summary>
    private (string Target, string Unreadable)? _clusterAnswer;

    // The CA answered 200 with a key or certificate that cannot be read: this row's error.
    protected override DcosTlsException? Meaning(Exception e)
        => _clusterAnswer is { } answer && e is CryptographicException or InvalidDataException or FormatException
        ? new DcosTlsException("CaResponseInvalid", ErrorCategory.ProtocolError,
            $"The DC/OS CA's answer for '{answer.Target}' holds no readable {answer.Unreadable}. Check that the session's cluster address is a DC/OS Enterprise master.", answer.Target)
        : null;

    /// <summary>
    /// A request made elsewhere: it was checked when it was read (signature, key, names, no CA flag); its
    /// names and key are shown before it is signed or sent.
    /// </summary>
    private void SignRequest()
    {
        var request = CertificateRequest;
        if (request.ReadError != null)
        {
            Report(request.ReadError, request.Path);
            return;
        }
        string target = request.CommonName.Length > 0 ? request.CommonName : request.Subject;
        ErrorTarget = target;
        var issuer = ChooseIssuer();
        issuer.Validate();
        if (ServerGeneratedKey)
        {
            Report("InvalidCertificateRequest,ServerGeneratedKey", ErrorCategory.InvalidArgument,
                $"-ServerGeneratedKey asks the CA to make a key, but the request for '{target}' already has one. Leave out -ServerGeneratedKey.", target);
            return;
        }
        if (!ShouldProcess(request.Describe(), $"Sign certificate request ({issuer.Description})")) return;
        _progress.Next(target);
        Issue(() => issuer.Sign(request, Usage), target, "certificate", ClusterSet, RequestClusterSet);
    }

    private ErrorRecord? _loginRefused;
    private string _refusedAt = string.Empty;
    private readonly List<string> _notAttempted = new();

    /// <summary>
    /// The cluster refused the session (401/403): every later row would fail the same way. Each later row is
    /// named as not attempted (nothing is sent for it), and the command ends with the refusal, with its id,
    /// as a terminating error that names the row it happened at and lists the rows not attempted.
    /// </summary>
    private void StopBatch(ErrorRecord record)
    {
        _loginRefused = record;
        _refusedAt = RowName();
    }

    private void SkipAfterLoginRefused()
    {
        string row = RowName();
        _notAttempted.Add(row);
        Report("CertificateNotAttempted", ErrorCategory.OperationStopped,
            $"'{row}' was not attempted: the cluster refused the session's login at '{_refusedAt}'. Run Connect-DcosCluster again, then rerun the rows not attempted.", row);
    }

    private string RowName() => CertificateRequest != null
        ? (CertificateRequest.CommonName.Length > 0 ? CertificateRequest.CommonName : CertificateRequest.Subject)
        : CommonName;

    protected override void End()
    {
        _progress.Complete();
        if (_loginRefused == null) return;
        string rest = _notAttempted.Count == 0 ? "No later row was waiting."
            : $"{_notAttempted.Count} later row(s) were not attempted: {string.Join(", ", _notAttempted.Select(r => "'" + r + "'"))}.";
        string message = $"{_loginRefused.Exception.Message} The batch stopped at '{_refusedAt}'. {rest} Run Connect-DcosCluster again, then rerun from '{_refusedAt}'.";
        Terminate(new ErrorRecord(_loginRefused.Exception, _loginRefused.FullyQualifiedErrorId.Split(',')[0], _loginRefused.CategoryInfo.Category, _refusedAt)
            { ErrorDetails = new ErrorDetails(message) });
    }

    /// <summary>One issuer per parameter set; the cluster's needs a connected session.</summary>
    private ICertificateIssuer ChooseIssuer() => ParameterSetName switch
    {
        IssuerSet or RequestIssuerSet => new LocalCaIssuer(Issuer, ValidDays),
        SelfSignedSet => new SelfSignedIssuer(ValidDays),
        AcmeSet or RequestAcmeSet or AcmeNamedSet or RequestAcmeNamedSet => AcmeParameters.CreateIssuer(this,
            ParameterSetName is AcmeNamedSet or RequestAcmeNamedSet, MyInvocation.BoundParameters, ResolveOptionalPath, Log, Cancel, _progress.Status),
        _ => new ClusterIssuer(RequireSession(), Profile, ServerGeneratedKey, Log, Cancel),
    };


    /// <summary>How this parameter set makes a certificate, for its renewal description (no secret: see CertificateOrigin).</summary>
    private CertificateOrigin DescribeOrigin()
    {
        var origin = ParameterSetName switch
        {
            IssuerSet or RequestIssuerSet => new CertificateOrigin
            {
                Kind = CertificateOrigin.LocalCa, ValidDays = ValidDays, CaSubject = Issuer.Subject, CaThumbprint = Issuer.Thumbprint,
                CaCertificatePath = Issuer.Files?.Certificate, CaKeyPath = Issuer.Files?.Key,
            },
            SelfSignedSet => new CertificateOrigin { Kind = CertificateOrigin.SelfSigned, ValidDays = ValidDays },
            AcmeSet or RequestAcmeSet or AcmeNamedSet or RequestAcmeNamedSet => AcmeParameters.Origin(this,
                ParameterSetName is AcmeNamedSet or RequestAcmeNamedSet, MyInvocation.BoundParameters, ResolveOptionalPath),
            _ => new CertificateOrigin { Kind = CertificateOrigin.Cluster, Profile = Profile },
        };
        origin.Usage = Usage.ToString();
        return origin;
    }

    private void WarnOnUsageMismatch(DcosCertificate issued)
    {
        bool needServer = Usage is CertificateUsage.Server or CertificateUsage.ServerAndClient;
        bool needClient = Usage is CertificateUsage.Client or CertificateUsage.ServerAndClient;
        if ((needServer && !issued.ExtendedKeyUsages.Contains("serverAuth")) || (needClient && !issued.ExtendedKeyUsages.Contains("clientAuth")))
            WriteWarning($"'{issued.CommonName}' was issued with extended key usage [{string.Join(", ", issued.ExtendedKeyUsages)}], not {Usage}: the CA's profile decides. Pick a -Profile that gives it.");
    }

    /// <summary>True (and said in Verbose) when -SkipIfValid already holds this row's certificate.</summary>
    private bool AlreadyValid(CertificateSpec spec)
    {
        string path = ResolvePath(SkipIfValid!);
        // A local CA or self-signing is known here without asking anyone; a cluster's or an ACME
        // server's CA is not, and a row is not worth a request just to skip it.
        string? problem = ExistingCertificate.Problem(path, spec, out var found,
            ParameterSetName == IssuerSet ? Issuer.Certificate : null, selfSigned: ParameterSetName == SelfSignedSet);
        if (problem != null)
        {
            WriteVerbose($"Issuing '{spec.CommonName}': {problem}.");
            return false;
        }
        WriteVerbose($"Skipped '{spec.CommonName}': '{ExistingCertificate.PemPaths(path).Certificate}' holds a valid certificate for the same names (thumbprint {found!.Thumbprint}, expires {found.NotAfter:yyyy-MM-dd}).");
        return true;
    }
}
