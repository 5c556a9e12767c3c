namespace DcosTls.Session;

/// <summary>
/// A logged-in DC/OS cluster. The auth token is a private field: it is not a property, is not in
/// ToString, is not serialized (only the properties below are), and is never logged. It is used
/// only to build the Authorization header of a request (DcosApiClient).
/// </summary>
public sealed class DcosSession : IDisposable
{
    private SecureString? _token;
    private readonly object _gate = new();

    internal DcosSession(Uri clusterUri, string userId, string loginType, TlsPolicy tls, ServiceAccountLogin? serviceAccount)
    {
        ClusterUri = clusterUri;
        UserId = userId;
        LoginType = loginType;
        Tls = tls;
        ServiceAccount = serviceAccount;
        Client = new DcosApiClient(this);
    }

    /// <summary>The cluster's address (the master or its load balancer).</summary>
    public Uri ClusterUri { get; }

    /// <summary>The uid the token was issued to.</summary>
    public string UserId { get; }

    /// <summary>Password, ServiceAccount.</summary>
    public string LoginType { get; }

    /// <summary>When the token expires (its exp claim), UTC.</summary>
    public DateTime? ExpiresAt { get; private set; }

    public bool IsExpired => ExpiresAt.HasValue && ExpiresAt.Value <= DateTime.UtcNow;

    /// <summary>False after Disconnect-DcosCluster.</summary>
    public bool IsConnected { get { lock (_gate) return _token != null; } }

    /// <summary>SHA-1 of the pinned cluster CA (as X509Certificate2.Thumbprint), when one is pinned.</summary>
    public string? CaThumbprint => Tls.PinnedCa?.Thumbprint;

    /// <summary>SHA-256 of the pinned cluster CA, when one is pinned: the value -CaFingerprint takes.</summary>
    public string? CaSha256Fingerprint => Tls.PinnedCa == null ? null : Convert.ToHexString(SHA256.HashData(Tls.PinnedCa.RawData));

    public bool SkipCertificateCheck => Tls.SkipCertificateCheck;

    internal TlsPolicy Tls { get; }
    internal ServiceAccountLogin? ServiceAccount { get; }
    internal DcosApiClient Client { get; }

    /// <summary>
    /// Signing CAs from /ca/api/v2/info, by profile ("" for the default): the chain of issued certificates
    /// and what their answers are checked against.
    /// </summary>
    internal System.Collections.Concurrent.ConcurrentDictionary<string, X509Certificate2?> SigningCas { get; } = new(StringComparer.Ordinal);

    internal void SetToken(SecureString token, DateTime? expiresAt)
    {
        token.MakeReadOnly();
        lock (_gate)
        {
            _token?.Dispose();
            _token = token;
            ExpiresAt = expiresAt;
        }
    }

    /// <summary>The Authorization header value; the only place the token is read.</summary>
    internal string? AuthorizationHeader()
    {
        lock (_gate)
        {
            if (_token == null) return null;
            return "token=" + Common.SecureStrings.Use(_token, chars => new string(chars));
        }
    }

    internal void Forget()
    {
        lock (_gate)
        {
            _token?.Dispose();
            _token = null;
        }
        ServiceAccount?.Dispose();
    }

    public void Dispose()
    {
        Forget();
        Client.Dispose();
    }

    public override string ToString()
        => $"{ClusterUri} ({UserId}{(ExpiresAt.HasValue ? ", expires " + ExpiresAt.Value.ToString("yyyy-MM-dd HH:mm") + "Z" : string.Empty)})";
}
