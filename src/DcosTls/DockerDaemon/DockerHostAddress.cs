namespace DcosTls.DockerDaemon;

/// <summary>The kinds of listener dockerd's "hosts" accepts.</summary>
internal enum DockerHostKind
{
    Tcp,
    Unix,
    Fd,
}

/// <summary>
/// One entry of daemon.json "hosts" (tcp://host:port, unix:///path, fd://), parsed so that the
/// certificate check knows which names clients will dial and the warnings know what is exposed.
/// </summary>
internal sealed class DockerHostAddress(string text, DockerHostKind kind, string host, int port, string path)
{
    /// <summary>dockerd's default port when TLS is on.</summary>
    internal const int DefaultTlsPort = 2376;

    internal string Text { get; } = text;
    internal DockerHostKind Kind { get; } = kind;

    /// <summary>For TCP: the host part, without brackets; empty or 0.0.0.0/:: means every interface.</summary>
    internal string Host { get; } = host;
    internal int Port { get; } = port;
    internal string Path { get; } = path;

    internal bool IsAnyInterface => Kind == DockerHostKind.Tcp && (Host.Length == 0 || Host is "0.0.0.0" or "::");

    /// <summary>A TCP listener only reachable from this machine.</summary>
    internal bool IsLoopback => Kind == DockerHostKind.Tcp && !IsAnyInterface
        && (Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(Host, out var ip) && IPAddress.IsLoopback(ip)));

    internal IPAddress? IPAddress => Kind == DockerHostKind.Tcp && System.Net.IPAddress.TryParse(Host, out var ip) ? ip : null;

    /// <summary>Parses one entry; null and a reason when it is not something dockerd can listen on.</summary>
    internal static DockerHostAddress? TryParse(string? text, out string? problem)
    {
        problem = null;
        text = (text ?? string.Empty).Trim();
        if (text.Length == 0 || text.Any(char.IsWhiteSpace))
        {
            problem = $"'{text}' is empty or contains spaces.";
            return null;
        }
        if (text.StartsWith("fd://", StringComparison.Ordinal))
            return new DockerHostAddress(text, DockerHostKind.Fd, string.Empty, 0, string.Empty);
        if (text.StartsWith("unix://", StringComparison.Ordinal))
        {
            string path = text["unix://".Length..];
            if (!path.StartsWith('/') || path.Split('/').Contains(".."))
            {
                problem = $"'{text}' needs an absolute socket path without '..', e.g. unix:///var/run/docker.sock.";
                return null;
            }
            return new DockerHostAddress(text, DockerHostKind.Unix, string.Empty, 0, path);
        }
        if (!text.StartsWith("tcp://", StringComparison.Ordinal))
        {
            problem = $"'{text}' is not tcp://host:port, unix:///path or fd://.";
            return null;
        }
        string rest = text["tcp://".Length..];
        if (rest.Contains('/') && rest.IndexOf('/') != rest.Length - 1)
        {
            problem = $"'{text}' has a path; give tcp://host:port.";
            return null;
        }
        rest = rest.TrimEnd('/');
        string host;
        string portText;
        if (rest.StartsWith('['))
        {
            int close = rest.IndexOf(']');
            if (close < 0) { problem = $"'{text}' has an unclosed IPv6 bracket."; return null; }
            host = rest[1..close];
            portText = rest[(close + 1)..].TrimStart(':');
        }
        else
        {
            int colon = rest.LastIndexOf(':');
            host = colon < 0 ? rest : rest[..colon];
            portText = colon < 0 ? string.Empty : rest[(colon + 1)..];
            if (host.Contains(':')) { problem = $"'{text}': put an IPv6 address in brackets, e.g. tcp://[::1]:2376."; return null; }
        }
        int port = DefaultTlsPort;
        if (portText.Length > 0 && (!int.TryParse(portText, System.Globalization.NumberStyles.None, null, out port) || port is < 1 or > 65535))
        {
            problem = $"'{text}' has no valid port (1-65535).";
            return null;
        }
        // 010.0.0.5 is 8.0.0.5 to some readers and 10.0.0.5 to others: dotted decimal only.
        if (host.Length > 0 && Common.IpAddressText.LooksLikeAddress(host) && Common.IpAddressText.Parse(host, out string? ipProblem) == null)
        {
            problem = $"'{text}': {ipProblem}";
            return null;
        }
        if (host.Length > 0 && !System.Net.IPAddress.TryParse(host, out _) && !Certificates.CertificateSpec.IsValidDnsName(host))
        {
            problem = $"'{text}' has no valid host name or IP address.";
            return null;
        }
        return new DockerHostAddress(text, DockerHostKind.Tcp, host, port, string.Empty);
    }

    public override string ToString() => Text;
}
