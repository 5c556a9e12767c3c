namespace DcosTls.Lifecycle;

/// <summary>
/// One certificate an agent relies on for what DcosTls manages, as Get-DcosTlsCertificate lists it:
/// a registry CA in a trust store, the Docker daemon's CA or server certificate, or the docker CLI's
/// client files. Only plain values, so a row read over remoting keeps every property.
/// </summary>
public sealed class AgentCertificate
{
    /// <summary>Docker, Containers, Mesos, System (trust stores), DockerDaemon, DockerClient, File (a certificate with a renewal description in a -Path folder).</summary>
    public string Store { get; internal set; } = string.Empty;

    /// <summary>The registry a certs.d folder is for; empty for the shared stores and the daemon files.</summary>
    public string? Registry { get; internal set; }

    /// <summary>RegistryCa, DaemonCa, DaemonServer, DaemonServerChain, ClientCa, Client, ClientChain, Certificate, CertificateChain.</summary>
    public string Role { get; internal set; } = string.Empty;

    public string? Subject { get; internal set; }
    public string? Issuer { get; internal set; }

    /// <summary>UTC.</summary>
    public DateTime? NotAfter { get; internal set; }

    /// <summary>Whole days until NotAfter when the row was read (negative once expired).</summary>
    public int? DaysLeft { get; internal set; }

    /// <summary>SHA-1, upper-case hex (as X509Certificate2.Thumbprint).</summary>
    public string? Thumbprint { get; internal set; }

    /// <summary>SHA-256, upper-case hex.</summary>
    public string? Sha256Fingerprint { get; internal set; }

    /// <summary>
    /// OK, Expired, or what is wrong with the file or link (Missing, Empty, NotPem, MissingLink, Gap,
    /// DanglingLink, WrongHash, Bundle); for an entry that was not read (an error says why),
    /// OutsideRoot, NotRegularFile, TooLarge or Unreadable.
    /// </summary>
    public string Health { get; internal set; } = "OK";

    /// <summary>The file on this machine (under -Root for agent files).</summary>
    public string Path { get; internal set; } = string.Empty;

    /// <summary>The root the file was read under (-Root for agent files, / for the -Path folders), so a row pipes into the renewal cmdlets by property name.</summary>
    public string Root { get; internal set; } = "/";

    /// <summary>The renewal description beside the certificate (Update-DcosCertificate renews from it), or empty.</summary>
    public string? RenewalDescription { get; internal set; }

    public override string ToString() => $"{Store} {Registry ?? Role} {Subject} ({Health})";
}
