namespace DcosTls.Trust;

/// <summary>Why Test-DockerRegistryTrust said true or false.</summary>
public enum TrustTestReason
{
    Trusted,
    /// <summary>The server's chain does not end at a CA installed for this registry and target.</summary>
    UnknownAuthority,
    /// <summary>The certificate is not valid for the registry's host name or IP.</summary>
    NameMismatch,
    /// <summary>A certificate in the chain is expired or not yet valid.</summary>
    Expired,
    /// <summary>No TCP connection, or the TLS handshake failed for another reason.</summary>
    Unreachable,
    /// <summary>Nothing is installed for this registry and target.</summary>
    NoInstalledCertificates,
    /// <summary>TLS is trusted but GET /v2/ did not answer like a registry (200 or 401).</summary>
    NotARegistry,
}

/// <summary>The -Detailed answer of Test-DockerRegistryTrust, one per target.</summary>
public sealed class RegistryTrustTestResult
{
    public string Registry { get; internal set; } = string.Empty;
    public TrustTarget Target { get; internal set; }
    public bool Trusted { get; internal set; }
    public TrustTestReason Reason { get; internal set; }
    public string Message { get; internal set; } = string.Empty;

    /// <summary>How many certificates were used as the only trust anchors.</summary>
    public int InstalledCertificates { get; internal set; }

    public string? ServerSubject { get; internal set; }

    /// <summary>HTTP status of GET /v2/ when the handshake was trusted.</summary>
    public int? StatusCode { get; internal set; }

    /// <summary>The id of the error Test-DockerRegistryTrust writes for this result when it is not trusted.</summary>
    internal string ErrorId => "RegistryTrust" + Reason;

    /// <summary>The category of that error.</summary>
    internal ErrorCategory Category => Reason switch
    {
        TrustTestReason.NoInstalledCertificates => ErrorCategory.ObjectNotFound,
        TrustTestReason.Unreachable => ErrorCategory.ConnectionError,
        TrustTestReason.NotARegistry => ErrorCategory.ProtocolError,
        _ => ErrorCategory.SecurityError,
    };

    public override string ToString() => $"{Registry} {Target}: {Reason}";
}
