namespace DcosTls.DockerDaemon;

/// <summary>The checks Test-DockerDaemonTls makes, in the order it makes them.</summary>
public enum DaemonTlsCheckName
{
    /// <summary>/etc/docker/daemon.json exists and is a JSON object.</summary>
    DaemonConfig,
    /// <summary>"tlsverify": true — dockerd only accepts clients with a certificate from tlscacert.</summary>
    TlsVerify,
    /// <summary>tlscacert, tlscert and tlskey are set, exist and hold a certificate / an unencrypted key.</summary>
    TlsFiles,
    /// <summary>The server certificate chains to the tlscacert CA (that CA only).</summary>
    ServerChain,
    /// <summary>The server certificate may be used by a TLS server (serverAuth).</summary>
    ServerAuth,
    /// <summary>The server certificate and its CA are within their validity period.</summary>
    Validity,
    /// <summary>Every tcp:// host in "hosts" (except 0.0.0.0 / ::) is a SAN of the server certificate.</summary>
    HostNames,
    /// <summary>tlskey is the private key of tlscert.</summary>
    KeyMatch,
    /// <summary>tlskey is not readable or writable by group or others.</summary>
    KeyPermissions,
    /// <summary>-Address: a TLS handshake that verifies the daemon against the CA.</summary>
    Handshake,
    /// <summary>-Address: GET /version over that connection answers 200.</summary>
    VersionRequest,
}

/// <summary>One -Detailed answer of Test-DockerDaemonTls.</summary>
public sealed class DockerDaemonTlsCheck
{
    internal DockerDaemonTlsCheck(DaemonTlsCheckName check, bool passed, string detail, ErrorCategory? category = null)
    {
        Check = check;
        Passed = passed;
        Detail = detail;
        Category = category ?? DefaultCategory(check);
    }

    public DaemonTlsCheckName Check { get; }
    public bool Passed { get; }

    /// <summary>What was found, and for a failure what to do about it.</summary>
    public string Detail { get; }

    /// <summary>The id of the error Test-DockerDaemonTls writes when this check fails.</summary>
    internal string ErrorId => $"DaemonTls{Check}Failed";

    /// <summary>The category of that error.</summary>
    internal ErrorCategory Category { get; }

    /// <summary>What kind of failure each check reports, unless the check knows better (a missing file).</summary>
    private static ErrorCategory DefaultCategory(DaemonTlsCheckName check) => check switch
    {
        DaemonTlsCheckName.DaemonConfig or DaemonTlsCheckName.TlsFiles or DaemonTlsCheckName.KeyMatch => ErrorCategory.InvalidData,
        DaemonTlsCheckName.Handshake => ErrorCategory.SecurityError,
        DaemonTlsCheckName.VersionRequest => ErrorCategory.ProtocolError,
        // tlsverify off, a foreign chain, no serverAuth, dates, SANs, a readable key: the daemon is not safe.
        _ => ErrorCategory.SecurityError,
    };

    public override string ToString() => $"{Check}: {(Passed ? "passed" : "failed")} - {Detail}";
}
