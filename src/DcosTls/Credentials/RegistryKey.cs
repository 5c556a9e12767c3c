using DcosTls.Common;

namespace DcosTls.Credentials;

/// <summary>A registry name that cannot be turned into a config.json key.</summary>
internal sealed class RegistryKeyException : DcosTlsException
{
    internal RegistryKeyException(string message) : base("InvalidRegistry", System.Management.Automation.ErrorCategory.InvalidArgument, message) { }
}

/// <summary>
/// Turns what a user calls a registry into the key config.json needs. Mesos (UCR) compares keys
/// with the image's host[:port] exactly after stripping a scheme and a path, so keys are written as
/// bare host[:port]; Docker Hub is the one exception and is always https://index.docker.io/v1/.
/// </summary>
internal static class RegistryKey
{
    internal const string DockerHub = "https://index.docker.io/v1/";

    private static readonly HashSet<string> HubNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com",
    };

    /// <summary>The normalised key; <paramref name="normalised"/> says whether the input was changed (scheme, path, case).</summary>
    internal static string Normalize(string? registry, out bool normalised)
    {
        string input = registry ?? string.Empty;
        string text = input.Trim();
        if (text.Length == 0)
            throw new RegistryKeyException("The registry name is empty. Give it as host[:port], for example repo.internal:5000.");
        // First, so that no later message quotes a user name or password given as user:pw@host.
        if (text.Contains('@'))
            throw new RegistryKeyException($"The registry '{RegistryName.Redact(Printable(text))}' holds a user name or password before '@'. Give it as host[:port] and the login with -Credential.");
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

        // host[:port] itself follows the one rule shared with certs.d folder names (RegistryName);
        // config.json keys are lower-case, as Docker writes them.
        RegistryName parsed;
        try { parsed = RegistryName.Parse(hostPort.ToLowerInvariant()); }
        catch (RegistryNameException e) { throw new RegistryKeyException(e.Message.Replace($"'{hostPort.ToLowerInvariant()}'", $"'{Printable(text)}'")); }
        string key = HubNames.Contains(parsed.Host) && (parsed.Port == null || parsed.Port == 443) ? DockerHub : parsed.Value;
        normalised = !string.Equals(key, text, StringComparison.Ordinal);
        return key;
    }

    internal static string Normalize(string? registry) => Normalize(registry, out _);

    private static string Printable(string s) => new(s.Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
