namespace DcosTls.Trust;

/// <summary>The trust stores of a DC/OS agent that Install-DockerRegistryTrust writes.</summary>
public enum TrustTarget
{
    /// <summary>/etc/docker/certs.d/&lt;host:port&gt;/ (Docker containerizer; read on every pull).</summary>
    Docker,
    /// <summary>/var/lib/dcos/pki/tls/certs with OpenSSL hash links (Mesos fetcher, UCR).</summary>
    Mesos,
    /// <summary>The OS anchors (Debian or RHEL, from the root's os-release) plus the distro's update command.</summary>
    System,
    /// <summary>/etc/containers/certs.d/&lt;host:port&gt;/ (podman, skopeo, CRI-O).</summary>
    Containers,
}
