using DcosTls.Certificates;
using DcosTls.Common;
using DcosTls.Session;

namespace DcosTls.Cmdlets;

/// <summary>
/// Connect-DcosCluster: logs in (password or service account), returns the session and makes it
/// the default. The token stays in memory, inside the session object.
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "DcosCluster", DefaultParameterSetName = PasswordSet)]
[OutputType(typeof(DcosSession))]
public sealed class ConnectDcosClusterCommand : DcosNetworkCmdlet
{
    private const string PasswordSet = "Password";
    private const string ServiceAccountSet = "ServiceAccount";
    private const string ServiceAccountSecretSet = "ServiceAccountSecret";

    /// <summary>https://master (or its load balancer).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("ClusterUri", "Url")]
    public Uri Uri { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = PasswordSet, Position = 1)]
    [Credential]
    public PSCredential Credential { get; set; } = null!;

    /// <summary>The service account's uid.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ServiceAccountSet)]
    public string ServiceAccount { get; set; } = string.Empty;

    /// <summary>The service account's RSA private key (PKCS#8 or PKCS#1 PEM).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ServiceAccountSet)]
    public string PrivateKeyPath { get; set; } = string.Empty;

    /// <summary>The service-account secret's JSON (scheme, uid, private_key, login_endpoint), e.g. Get-DcosSecret -AsSecureString.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ServiceAccountSecretSet)]
    public SecureString ServiceAccountSecret { get; set; } = null!;

    /// <summary>Pins the cluster CA from a PEM file: only that CA is trusted for this cluster.</summary>
    [Parameter]
    public string? CaCertificatePath { get; set; }

    /// <summary>Pins the cluster CA from a certificate object (Get-DcosCaCertificate, Import-DcosCertificate).</summary>
    [Parameter]
    public DcosCertificate? CaCertificate { get; set; }

    /// <summary>SHA-256 of the cluster CA: /ca/dcos-ca.crt is fetched and pinned only if it matches.</summary>
    [Parameter]
    public string? CaFingerprint { get; set; }

    /// <summary>Accepts any TLS certificate from the cluster. Warns: anyone on the path can read the token.</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    /// <summary>Allows an http:// cluster address (password and token unencrypted). Warns.</summary>
    [Parameter]
    public SwitchParameter AllowUnencryptedAuthentication { get; set; }

    private Uri? _cluster;

    // What the cluster answered is about the cluster; a refused key or CA file names that file itself.
    protected override object? TargetOf(DcosTlsException error) => error is DcosApiException ? _cluster : null;

    protected override void Process()
    {
        // A user:password in the address would travel on in ClusterUri, Verbose and errors: refuse
        // it, naming the address with the part before '@' left out.
        if (Uri.IsAbsoluteUri && Uri.UserInfo.Length > 0)
            Fail("CredentialInClusterUri", ErrorCategory.InvalidArgument,
                $"The cluster address '{Uri.Scheme}://***@{Uri.Authority}' holds a user name or password before '@'. Give {Uri.Scheme}://{Uri.Authority} and the login with -Credential.");
        if (!Uri.IsAbsoluteUri || (Uri.Scheme != "https" && Uri.Scheme != "http"))
            Fail("InvalidClusterUri", ErrorCategory.InvalidArgument, $"'{Uri}' is not a cluster address. Give https://<master>.", Uri);
        if (Uri.Scheme == "http" && !AllowUnencryptedAuthentication)
            Fail("UnencryptedClusterUri", ErrorCategory.SecurityError,
                $"'{Uri}' is plain HTTP: the password and the token would cross the network unencrypted. Use https://, or -AllowUnencryptedAuthentication on a lab network.", Uri);
        if (Uri.Scheme == "http")
            WriteWarning($"'{Uri}' is plain HTTP: the password and the token cross the network unencrypted.");
        int pins = (CaCertificatePath != null ? 1 : 0) + (CaCertificate != null ? 1 : 0) + (CaFingerprint != null ? 1 : 0);
        if (pins > 1 || (pins == 1 && SkipCertificateCheck))
            Fail("ConflictingTlsOptions", ErrorCategory.InvalidArgument,
                "Give one of -CaCertificatePath, -CaCertificate, -CaFingerprint or -SkipCertificateCheck.");
        if (SkipCertificateCheck)
            WriteWarning("-SkipCertificateCheck: the cluster's identity is not checked, so the password and token can be read by anyone on the path. Pin the CA with -CaFingerprint instead.");

        var baseUri = new Uri(Uri.GetLeftPart(UriPartial.Authority) + "/");
        ServiceAccountLogin? fromSecret = null;
        if (ParameterSetName == ServiceAccountSecretSet)
        {
            fromSecret = SecureStrings.Use(ServiceAccountSecret, chars => Session.ServiceAccountSecret.Read(chars, "given to -ServiceAccountSecret"));
        }
        string userName = fromSecret != null ? fromSecret.Uid
            : ParameterSetName == ServiceAccountSet ? ServiceAccount : (Credential.UserName ?? string.Empty).TrimStart('\\');
        if (ParameterSetName == PasswordSet && (Credential.Password == null || Credential.Password.Length == 0 || userName.Length == 0))
            Fail("EmptyCredential", ErrorCategory.InvalidArgument, "The credential needs a user name and a password (Get-Credential).");

        _cluster = baseUri;
        ServiceAccountLogin? serviceAccount = fromSecret ?? (ParameterSetName == ServiceAccountSet
            ? ClusterConnector.LoadServiceAccount(ServiceAccount, ResolvePath(PrivateKeyPath), PrivateKeyPath) : null);
        X509Certificate2? pinned = CaCertificate?.Certificate
            ?? (CaCertificatePath != null ? ClusterConnector.LoadCaFile(ResolvePath(CaCertificatePath), CaCertificatePath) : null)
            ?? (CaFingerprint != null ? ClusterConnector.FetchPinnedCa(baseUri, CaFingerprint, WriteVerbose, Cancel) : null);
        var session = ClusterConnector.Connect(baseUri, userName, ParameterSetName == PasswordSet ? PasswordSet : ServiceAccountSet, new TlsPolicy(pinned, SkipCertificateCheck),
            serviceAccount, serviceAccount == null ? Credential.Password : null, WriteVerbose, Cancel);
        WriteVerbose($"Connected to {baseUri} as {session.UserId}; token expires {session.ExpiresAt:yyyy-MM-dd HH:mm}Z");
        var previous = SessionStore.Default;
        SessionStore.Default = session;
        if (previous != null && !ReferenceEquals(previous, session)) WriteVerbose($"The default session is now {session.ClusterUri} (was {previous.ClusterUri}).");
        WriteObject(session);
    }
}
