using DcosTls.Certificates;

namespace DcosTls.Lifecycle;

/// <summary>What renewing one certificate-and-key pair did (Update-DockerDaemonCertificate, Update-DockerClientCertificate).</summary>
public sealed class CertificateRenewal
{
    internal CertificateRenewal(string role, string path, bool renewed, DcosCertificate current, DcosCertificate? issued, string? version, string rule)
    {
        Rule = rule;
        Role = role;
        Path = path;
        Renewed = renewed;
        Subject = (issued ?? current).Subject;
        PreviousThumbprint = renewed ? current.Thumbprint : null;
        Thumbprint = (issued ?? current).Thumbprint;
        SerialNumber = (issued ?? current).SerialNumber;
        NotAfter = (issued ?? current).NotAfter;
        DaysLeft = (int)Math.Floor((NotAfter - DateTime.UtcNow).TotalDays);
        Version = version;
    }

    /// <summary>DaemonServer or Client.</summary>
    public string Role { get; }

    /// <summary>The certificate's fixed name (what daemon.json or DOCKER_CERT_PATH names).</summary>
    public string Path { get; }

    /// <summary>False when the certificate was not due (outside -RenewWithin) and -Force was not given.</summary>
    public bool Renewed { get; }

    public string Subject { get; }

    /// <summary>SHA-1 of the certificate that was replaced; empty when nothing was renewed.</summary>
    public string? PreviousThumbprint { get; }

    /// <summary>SHA-1 of the certificate in place now.</summary>
    public string Thumbprint { get; }

    public string SerialNumber { get; }
    public DateTime NotAfter { get; }
    public int DaysLeft { get; }

    /// <summary>What decided: Days (-RenewWithin), TwoThirds (a certificate shorter than the default window), Force.</summary>
    public string Rule { get; }

    /// <summary>The folder (beside the fixed names) that holds the pair in use now, when renewed.</summary>
    public string? Version { get; }

    public override string ToString() => $"{Role} {(Renewed ? "renewed" : "not due")}: {Subject} until {NotAfter:yyyy-MM-dd}";
}
