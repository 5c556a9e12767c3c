using DcosTls.Common;

namespace DcosTls.Trust;

/// <summary>
/// A certificate (or a broken hash link) found in a trust store by Get-DockerRegistryTrust. It
/// carries Registry and CertificatePem, so it pipes straight into Uninstall-DockerRegistryTrust.
/// </summary>
public sealed class InstalledRegistryTrust
{
    public string Target { get; internal set; } = string.Empty;
    public string? Registry { get; internal set; }

    /// <summary>The certificate file (or, for a dangling link, the link).</summary>
    public string Path { get; internal set; } = string.Empty;

    public string? Subject { get; internal set; }
    public string? CommonName { get; internal set; }
    public DateTime? NotAfter { get; internal set; }

    /// <summary>Whole days until NotAfter (negative once expired).</summary>
    public int? DaysLeft => NotAfter == null ? null : (int)Math.Floor((NotAfter.Value - DateTime.UtcNow).TotalDays);

    public string? SubjectHash { get; internal set; }
    /// <summary>SHA-1, upper-case hex (as X509Certificate2.Thumbprint).</summary>
    public string? Thumbprint { get; internal set; }

    /// <summary>SHA-256, upper-case hex.</summary>
    public string? Sha256Fingerprint { get; internal set; }

    /// <summary>Hash links (file names) that point at this certificate (Mesos only).</summary>
    public ValueList<string> Links { get; internal set; } = ValueList<string>.None;

    /// <summary>
    /// OK, or what is wrong: MissingLink, Gap, DanglingLink, WrongHash, Expired, NotPem, Bundle, Empty;
    /// for an entry that was not read, OutsideRoot, NotRegularFile, TooLarge or Unreadable.
    /// </summary>
    public string Health { get; internal set; } = "OK";

    /// <summary>Why the entry was not read (with its stable id), for the inventory to report; not a property users see.</summary>
    internal DcosTlsException? ReadError { get; set; }

    public string? CertificatePem { get; internal set; }

    public override string ToString() => $"{Target} {Path} ({Health})";

    /// <summary>This row of a shared store, as listed for one registry that relies on it.</summary>
    internal InstalledRegistryTrust ForRegistry(string registry)
    {
        var copy = (InstalledRegistryTrust)MemberwiseClone();
        copy.Registry = registry;
        return copy;
    }
}
