using System.Management.Automation;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DcosTls.Certificates;
using DcosTls.Common;
using DcosTls.Session;

namespace DcosTls.Cmdlets;

/// <summary>
/// New-DcosCertificate: a certificate from the DC/OS CA (key made here, only the CSR is sent),
/// from a local CA (-Issuer), or self-signed (-SelfSigned). Rows with CommonName/DnsName/IPAddress
/// properties (Import-Csv) issue one certificate each.
/// </summary>
[Cmdlet(VerbsCommon.New, "DcosCertificate", SupportsShouldProcess = true, DefaultParameterSetName = ClusterSet)]
[OutputType(typeof(DcosCertificate))]
public sealed class NewDcosCertificateCommand : DcosSessionCmdlet
{
    private const string ClusterSet = "Cluster";
    private const string IssuerSet = "Issuer";
    private const string SelfSignedSet = "SelfSigned";
    private int _index;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("CN")]
    public string CommonName { get; set; } = string.Empty;

    /// <summary>DNS subject alternative names; IP literals are moved to the IP SANs.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("DnsNames", "Hosts")]
    public string[]? DnsName { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("IPAddresses", "IP")]
    public string[]? IPAddress { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public KeyAlgorithm KeyAlgorithm { get; set; } = KeyAlgorithm.RSA;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(KeySizeCompleter))]
    public int KeySize { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)] public string? Country { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? State { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? Locality { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? Organization { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? OrganizationalUnit { get; set; }

    /// <summary>Server (serverAuth), Client (clientAuth) or ServerAndClient.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public CertificateUsage Usage { get; set; } = CertificateUsage.Server;

    /// <summary>Validity for local and self-signed certificates (the cluster CA's profile decides its own).</summary>
    [Parameter(ParameterSetName = IssuerSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = SelfSignedSet, ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 36500)]
    public int ValidDays { get; set; } = 365;

    /// <summary>The cfssl signing profile of the DC/OS CA.</summary>
    [Parameter(ParameterSetName = ClusterSet, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProfileCompleter))]
    public string? Profile { get; set; }

    /// <summary>The hand-run flow: the CA makes the key (newkey) and it comes back over TLS.</summary>
    [Parameter(ParameterSetName = ClusterSet)]
    public SwitchParameter ServerGeneratedKey { get; set; }

    /// <summary>A local CA with its key (New-TlsCertificateAuthority, Import-DcosCertificate).</summary>
    [Parameter(Mandatory = true, ParameterSetName = IssuerSet)]
    public DcosCertificate Issuer { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = SelfSignedSet)]
    public SwitchParameter SelfSigned { get; set; }

    protected override void ProcessRecord()
    {
        _index++;
        CertificateSpec spec;
        try
        {
            spec = CertificateSpec.Create(CommonName, DnsName, IPAddress, KeyAlgorithm,
                MyInvocation.BoundParameters.ContainsKey(nameof(KeySize)) ? KeySize : null, forAuthority: false,
                Country, State, Locality, Organization, OrganizationalUnit);
            if (ParameterSetName == IssuerSet) CheckIssuer();
        }
        catch (CertificateSpecException e)
        {
            Report("InvalidCertificateRequest," + e.Parameter, ErrorCategory.InvalidArgument, e.Message, CommonName);
            return;
        }
        string source = ParameterSetName switch { IssuerSet => $"local CA '{Issuer.CommonName}'", SelfSignedSet => "self-signed", _ => "DC/OS CA" };
        if (!ShouldProcess(spec.CommonName, $"Issue certificate ({source})")) return;

        var progress = new ProgressRecord(0x0DC06, "New-DcosCertificate", $"Certificate {_index}: {spec.CommonName}");
        WriteProgress(progress);
        try
        {
            DcosCertificate issued = ParameterSetName switch
            {
                IssuerSet => CertificateBuilder.IssueLocally(spec, Usage, ValidDays, Issuer),
                SelfSignedSet => CertificateBuilder.CreateSelfSigned(spec, Usage, ValidDays),
                _ => IssueFromCluster(spec),
            };
            WarnOnUsageMismatch(issued);
            WriteObject(issued);
        }
        catch (CertificateSpecException e)
        {
            Report("InvalidCertificateRequest," + e.Parameter, ErrorCategory.InvalidArgument, e.Message, CommonName);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or InvalidOperationException or InvalidDataException)
        {
            // The CA answered 200 but with something that is not a certificate (or key) we can read.
            Report("CaResponseInvalid", ErrorCategory.ProtocolError,
                $"The DC/OS CA's answer for '{CommonName}' holds no readable certificate or key. Check that -Uri is a DC/OS Enterprise master.", CommonName);
        }
        catch (DcosApiException e)
        {
            var record = ToErrorRecord(e, CommonName);
            if (e is DcosAuthenticationException) ThrowTerminatingError(record);
            WriteError(record);
        }
        finally
        {
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
        }
    }

    private void CheckIssuer()
    {
        if (!Issuer.IsCertificateAuthority)
            throw new CertificateSpecException("Issuer",
                $"The issuer '{Issuer.CommonName}' is not a certificate authority (its basic constraints have no CA flag). Use New-TlsCertificateAuthority, or import the CA certificate with its key.");
        if (!Issuer.HasPrivateKey)
            throw new CertificateSpecException("Issuer",
                $"The issuer '{Issuer.CommonName}' carries no private key. Import it with Import-DcosCertificate -KeyPath.");
        if (Issuer.NotAfter <= DateTime.UtcNow)
            throw new CertificateSpecException("Issuer", $"The issuer '{Issuer.CommonName}' expired on {Issuer.NotAfter:yyyy-MM-dd}. Make a new CA.");
    }

    private DcosCertificate IssueFromCluster(CertificateSpec spec)
    {
        var session = RequireSession();
        var ca = new CfsslClient(session, Log, Cancel);
        AsymmetricAlgorithm key;
        string csr;
        if (ServerGeneratedKey)
        {
            var (keyPem, csrPem) = ca.NewKey(spec);
            key = PrivateKeyReader.Read(PemBlock.ReadAll(keyPem).First(PrivateKeyReader.IsKey), ReadOnlySpan<char>.Empty, false);
            csr = csrPem;
        }
        else
        {
            key = CertificateBuilder.CreateKey(spec);
            csr = CertificateBuilder.CreateSigningRequestPem(spec, key, Usage);
        }
        string certPem = ca.Sign(csr, spec.Hosts, Profile);
        session.SigningCa ??= PemBlock.ReadCertificates(ca.Info(Profile)).FirstOrDefault();
        var cert = PemBlock.ReadCertificates(certPem).First();
        var chain = session.SigningCa != null ? new[] { session.SigningCa } : Array.Empty<X509Certificate2>();
        return new DcosCertificate(cert, chain, key);
    }

    private void WarnOnUsageMismatch(DcosCertificate issued)
    {
        bool needServer = Usage is CertificateUsage.Server or CertificateUsage.ServerAndClient;
        bool needClient = Usage is CertificateUsage.Client or CertificateUsage.ServerAndClient;
        if ((needServer && !issued.ExtendedKeyUsages.Contains("serverAuth")) || (needClient && !issued.ExtendedKeyUsages.Contains("clientAuth")))
            WriteWarning($"'{issued.CommonName}' was issued with extended key usage [{string.Join(", ", issued.ExtendedKeyUsages)}], not {Usage}: the CA's profile decides. Pick a -Profile that gives it.");
    }
}
