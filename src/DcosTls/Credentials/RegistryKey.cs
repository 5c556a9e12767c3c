using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace DcosTls.Credentials;

/// <summary>A registry name that cannot be turned into a config.json key.</summary>
internal sealed class RegistryKeyException : ArgumentException
{
    internal RegistryKeyException(string message) : base(message) { }
}

/// <summary>
/// Turns what a user calls a registry into the key config.json needs. Mesos (UCR) compares keys
/// with the image's host[:port] exactly after stripping a scheme and a path, so keys are written as
/// bare host[:port]; Docker Hub is the one exception and is always https://index.docker.io/v1/.
/// </summary>
internal static partial class RegistryKey
{
    internal const string DockerHub = "https://index.docker.io/v1/";

    private static readonly HashSet<string> HubNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com",
    };

    [GeneratedRegex(@"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")]
    private static partial Regex DnsName();

    /// <summary>The normalised key; <paramref name="normalised"/> says whether the input was changed (scheme, path, case).</summary>
    internal static string Normalize(string? registry, out bool normalised)
    {
        string input = registry ?? string.Empty;
        string text = input.Trim();
        if (text.Length == 0)
            throw new RegistryKeyException("The registry name is empty. Give it as host[:port], for example repo.internal:5000.");
        if (text.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            throw new RegistryKeyException($"The registry name '{Printable(text)}' contains spaces or control characters. Give it as host[:port].");

        string rest = text;
        int scheme = rest.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            string name = rest[..scheme].ToLowerInvariant();
            if (name != "https" && name != "http")
                throw new RegistryKeyException($"The registry '{text}' has the scheme '{name}://'. Give it as host[:port] (https:// and a path are dropped; other schemes are not registries).");
            rest = rest[(scheme + 3)..];
        }
        if (rest.Contains('\\') || rest.Contains('@'))
            throw new RegistryKeyException($"The registry '{text}' contains '\\' or '@'. Give it as host[:port], without user names or Windows separators.");
        int slash = rest.IndexOf('/');
        string hostPort = slash >= 0 ? rest[..slash] : rest;
        string path = slash >= 0 ? rest[slash..] : string.Empty;
        if (path.Split('/').Any(segment => segment == ".." || segment == "."))
            throw new RegistryKeyException($"The registry '{text}' contains a '..' or '.' path segment. Give it as host[:port].");

        var (host, port) = SplitPort(hostPort, text);
        string key;
        if (HubNames.Contains(host) && (port == null || port == "443"))
        {
            key = DockerHub;
        }
        else
        {
            key = port == null ? host : host + ":" + port;
        }
        normalised = !string.Equals(key, text, StringComparison.Ordinal);
        return key;
    }

    internal static string Normalize(string? registry) => Normalize(registry, out _);

    private static (string Host, string? Port) SplitPort(string hostPort, string original)
    {
        if (hostPort.Length == 0)
            throw new RegistryKeyException($"The registry '{original}' has no host name. Give it as host[:port].");
        string host;
        string? port = null;
        if (hostPort.StartsWith('['))
        {
            int close = hostPort.IndexOf(']');
            if (close < 0 || !IPAddress.TryParse(hostPort[1..close], out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
                throw new RegistryKeyException($"The registry '{original}' has a malformed IPv6 address. Write it as [address]:port.");
            host = "[" + v6 + "]";
            string after = hostPort[(close + 1)..];
            if (after.Length > 0)
            {
                if (!after.StartsWith(':')) throw new RegistryKeyException($"The registry '{original}' has text after the IPv6 address. Give it as [address]:port.");
                port = after[1..];
            }
        }
        else
        {
            int colon = hostPort.IndexOf(':');
            host = colon >= 0 ? hostPort[..colon] : hostPort;
            if (colon >= 0) port = hostPort[(colon + 1)..];
            host = host.ToLowerInvariant();
            bool isIp = IPAddress.TryParse(host, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
                && host.Count(c => c == '.') == 3;
            if (!isIp && !DnsName().IsMatch(host))
                throw new RegistryKeyException($"The registry host '{Printable(host)}' (from '{original}') is not a valid host name or IPv4 address. Give it as host[:port].");
        }
        if (port != null)
        {
            if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number < 1 || number > 65535
                || port.Length > 5 || port.StartsWith('0'))
                throw new RegistryKeyException($"The registry '{original}' has the port '{Printable(port)}'. A port is a number from 1 to 65535: give the registry as host[:port].");
        }
        return (host, port);
    }

    private static string Printable(string s) => new(s.Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
