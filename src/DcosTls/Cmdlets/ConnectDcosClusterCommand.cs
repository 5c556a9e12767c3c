using System.Management.Automation;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
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
public sealed class ConnectDcosClusterCommand : DcosCmdlet
{
    private const string PasswordSet = "Password";
    private const string ServiceAccountSet = "ServiceAccount";
    private readonly CancellationTokenSource _cancel = new();

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

    protected override void ProcessRecord()
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
        ServiceAccountLogin? serviceAccount = ParameterSetName == ServiceAccountSet ? LoadServiceAccount() : null;
        X509Certificate2? pinned = CaCertificate?.Certificate ?? (CaCertificatePath != null ? LoadCaFile(CaCertificatePath) : null);
        if (CaFingerprint != null) pinned = FetchAndCheckFingerprint(baseUri, CaFingerprint);

        string userName = ParameterSetName == ServiceAccountSet ? ServiceAccount : (Credential.UserName ?? string.Empty).TrimStart('\\');
        var session = new DcosSession(baseUri, userName,
            ParameterSetName, new TlsPolicy(pinned, SkipCertificateCheck), serviceAccount);
        try
        {
            if (serviceAccount != null)
                session.Client.Login(serviceAccount.Uid, ReadOnlySpan<char>.Empty, serviceAccount.CreateLoginToken(), WriteVerbose, _cancel.Token);
            else if (Credential.Password == null || Credential.Password.Length == 0 || string.IsNullOrEmpty(Credential.UserName))
                Fail("EmptyCredential", ErrorCategory.InvalidArgument, "The credential needs a user name and a password (Get-Credential).");
            else
                SecureStrings.Use(Credential.Password, chars =>
                {
                    session.Client.Login(userName, chars, null, WriteVerbose, _cancel.Token);
                    return 0;
                });
        }
        catch (DcosApiException e)
        {
            session.Dispose();
            ThrowTerminatingError(new ErrorRecord(e, e.ErrorId,
                e is DcosAuthenticationException ? ErrorCategory.AuthenticationError : e.StatusCode == 0 ? ErrorCategory.ConnectionError : ErrorCategory.ProtocolError,
                baseUri) { ErrorDetails = new ErrorDetails(e.Message) });
        }
        WriteVerbose($"Connected to {baseUri} as {session.UserId}; token expires {session.ExpiresAt:yyyy-MM-dd HH:mm}Z");
        var previous = SessionStore.Default;
        SessionStore.Default = session;
        if (previous != null && !ReferenceEquals(previous, session)) WriteVerbose($"The default session is now {session.ClusterUri} (was {previous.ClusterUri}).");
        WriteObject(session);
    }

    private ServiceAccountLogin LoadServiceAccount()
    {
        string path = ResolvePath(PrivateKeyPath);
        if (!File.Exists(path))
            Fail("ServiceAccountKeyNotFound", ErrorCategory.ObjectNotFound, $"The key file '{path}' does not exist. Check -PrivateKeyPath.", PrivateKeyPath);
        string text = string.Empty;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail("ServiceAccountKeyUnreadable", ErrorCategory.PermissionDenied, $"The key file '{path}' cannot be read ({e.GetType().Name}). Check its permissions.", PrivateKeyPath);
        }
        var block = PemBlock.ReadAll(text).FirstOrDefault(PrivateKeyReader.IsKey);
        AsymmetricAlgorithm? key = null;
        try
        {
            if (block != null) key = PrivateKeyReader.Read(block, ReadOnlySpan<char>.Empty, hasPassword: false);
        }
        catch (Exception e) when (e is CryptographicException or KeyPasswordException) { key = null; }
        if (key is not RSA rsa)
        {
            key?.Dispose();
            Fail("ServiceAccountKeyInvalid", ErrorCategory.InvalidData,
                $"'{path}' holds no unencrypted RSA private key. Service accounts sign their login with RS256: give the PEM from 'dcos security org service-accounts keypair'.", PrivateKeyPath);
            return null!;
        }
        return new ServiceAccountLogin(ServiceAccount, rsa);
    }

    private X509Certificate2 LoadCaFile(string caPath)
    {
        string path = ResolvePath(caPath);
        try
        {
            return CertificateFileReader.Read(path, null, null)[0].Certificate;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or CryptographicException)
        {
            Fail("CaCertificateInvalid", ErrorCategory.InvalidData, $"'{path}' could not be read as a CA certificate: {e.Message}", caPath);
            return null!;
        }
    }

    private X509Certificate2 FetchAndCheckFingerprint(Uri baseUri, string fingerprint)
    {
        string wanted = fingerprint.Replace(":", string.Empty).Replace(" ", string.Empty).ToUpperInvariant();
        if (wanted.Length == 40 && wanted.All(Uri.IsHexDigit))
            Fail("InvalidCaFingerprint", ErrorCategory.InvalidArgument,
                "-CaFingerprint takes the SHA-256 of the CA certificate (64 hex digits); 40 hex digits is a SHA-1 thumbprint. Get the SHA-256 with 'openssl x509 -noout -fingerprint -sha256', or pin the CA file with -CaCertificatePath.", fingerprint);
        if (wanted.Length != 64 || !wanted.All(Uri.IsHexDigit))
            Fail("InvalidCaFingerprint", ErrorCategory.InvalidArgument,
                "-CaFingerprint takes the SHA-256 of the CA certificate as 64 hex digits (colons allowed), e.g. from 'openssl x509 -noout -fingerprint -sha256'.", fingerprint);
        // Fetch without trust (we do not know the CA yet), then trust only what the fingerprint proves.
        using var probe = new DcosSession(baseUri, "anonymous", "Probe", new TlsPolicy(null, skip: true), null);
        DcosResponse response;
        try
        {
            response = probe.Client.Get("/ca/dcos-ca.crt", WriteVerbose, _cancel.Token);
        }
        catch (DcosApiException e)
        {
            Fail(e.ErrorId, ErrorCategory.ConnectionError, e.Message, baseUri);
            return null!;
        }
        var candidates = PemBlock.ReadCertificates(response.Body);
        var match = candidates.FirstOrDefault(c => Convert.ToHexString(SHA256.HashData(c.RawData)) == wanted);
        if (match == null)
        {
            string got = string.Join(", ", candidates.Select(c => Convert.ToHexString(SHA256.HashData(c.RawData))));
            Fail("CaFingerprintMismatch", ErrorCategory.SecurityError,
                $"The CA served by {baseUri}ca/dcos-ca.crt has SHA-256 {(got.Length == 0 ? "(none)" : got)}, not {wanted}. Not connecting: check the fingerprint with your cluster administrator.", baseUri);
        }
        return match!;
    }

    protected override void StopProcessing() => _cancel.Cancel();
}
