namespace DcosTls.Common;

/// <summary>A registry name that cannot be turned into a usable host[:port]; the message says what to do.</summary>
public sealed class RegistryNameException : DcosTlsException
{
    internal RegistryNameException(string message, string? name)
        : base("InvalidRegistryName", System.Management.Automation.ErrorCategory.InvalidArgument, message, RegistryName.Redact(name))
    {
        Name = name;
    }

    /// <summary>The rejected input, as given.</summary>
    public string? Name { get; }
}

/// <summary>
/// A registry as written in image references: host or host:port (IPv6 literals in brackets).
/// The name becomes a directory (certs.d/&lt;host:port&gt;) and a config.json key, so anything that
/// could climb out of a folder or never match an image reference is refused: no scheme, no path,
/// no "..", no whitespace, not empty. The case and the port are kept exactly as given, because
/// Docker and containers/image look the directory up by the reference's text.
/// </summary>
internal sealed class RegistryName
{
    private static readonly Regex HostPattern = new(
        @"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?))*$",
        RegexOptions.CultureInvariant);

    private RegistryName(string value, string host, int? port)
    {
        Value = value;
        Host = host;
        Port = port;
    }

    /// <summary>host[:port] exactly as it names the certs.d folder.</summary>
    internal string Value { get; }

    /// <summary>The host without port; IPv6 literals without brackets.</summary>
    internal string Host { get; }

    internal int? Port { get; }

    /// <summary>The port to connect to: the given one, or 443 as Docker assumes.</summary>
    internal int EffectivePort => Port ?? 443;

    public override string ToString() => Value;

    /// <summary>
    /// The input as it may be quoted in a message or an error's target: whatever stands before an
    /// '@' (a user name and password, as in https://user:pw@host) is replaced by "***".
    /// </summary>
    internal static string? Redact(string? input)
    {
        if (input == null || !input.Contains('@')) return input;
        int at = input.LastIndexOf('@');
        int scheme = input.IndexOf("://", StringComparison.Ordinal);
        int start = scheme >= 0 && scheme < at ? scheme + 3 : 0;
        return input[..start] + "***" + input[at..];
    }

    /// <summary>Redacts each of several inputs (for an error's target).</summary>
    internal static string?[]? Redact(IEnumerable<string?>? inputs) => inputs?.Select(Redact).ToArray();

    /// <summary>Validates a registry name and returns its normalized form (the name itself).</summary>
    internal static string Validate(string? name) => Parse(name).Value;

    internal static RegistryName Parse(string? name)
    {
        const string Example = "Give it as in image references, host[:port], e.g. repo.internal:5000";
        if (string.IsNullOrWhiteSpace(name))
            throw new RegistryNameException($"The registry name is empty. {Example}.", name);
        // First, so that no later message quotes a user name or password.
        if (name.Contains('@'))
            throw new RegistryNameException($"The registry name '{Redact(name)}' holds a user name or password before '@'. Give the login with -Credential. {Example}.", Redact(name));
        if (name.Contains("://", StringComparison.Ordinal))
            throw new RegistryNameException($"The registry name '{name}' has a scheme. Drop 'https://': {Example}.", name);
        if (name.Any(char.IsWhiteSpace) || name.Any(char.IsControl))
            throw new RegistryNameException($"The registry name '{name}' contains whitespace. {Example}.", name);
        if (name.Contains("..", StringComparison.Ordinal))
            throw new RegistryNameException($"The registry name '{name}' contains '..'. {Example}.", name);
        if (name.Contains('/') || name.Contains('\\'))
            throw new RegistryNameException($"The registry name '{name}' contains a path separator. Give the registry only, without the repository path or a trailing '/'. {Example}.", name);

        string hostPart;
        string? portText = null;
        if (name.StartsWith('['))
        {
            int close = name.IndexOf(']');
            if (close < 0) throw new RegistryNameException($"The registry name '{name}' opens '[' without ']'. Write IPv6 addresses as [addr]:port.", name);
            hostPart = name[1..close];
            string rest = name[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':') throw new RegistryNameException($"The registry name '{name}' has text after ']'. Write IPv6 addresses as [addr]:port.", name);
                portText = rest[1..];
            }
            if (!System.Net.IPAddress.TryParse(hostPart, out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
                throw new RegistryNameException($"The registry name '{name}' has '{hostPart}' in brackets, which is not an IPv6 address.", name);
        }
        else
        {
            int colon = name.IndexOf(':');
            if (colon >= 0 && name.IndexOf(':', colon + 1) >= 0)
                throw new RegistryNameException($"The registry name '{name}' has more than one ':'. Write IPv6 addresses in brackets: [addr]:port.", name);
            hostPart = colon >= 0 ? name[..colon] : name;
            portText = colon >= 0 ? name[(colon + 1)..] : null;
            if (!HostPattern.IsMatch(hostPart))
                throw new RegistryNameException($"The registry name '{name}' has an invalid host '{hostPart}': use letters, digits, '-' and '.'. {Example}.", name);
            // RFC 1123 lengths, checked here rather than found when the certs.d folder is made.
            if (hostPart.Length > 253 || hostPart.Split('.').Any(label => label.Length > 63))
                throw new RegistryNameException($"The registry name '{name}' has a host name longer than DNS allows (labels of at most 63 characters, 253 in all). {Example}.", name);
        }

        int? port = null;
        if (portText != null)
        {
            if (portText.Length == 0 || portText.Length > 5 || !portText.All(char.IsAsciiDigit)
                || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int p) || p < 1 || p > 65535)
                throw new RegistryNameException($"The registry name '{name}' has an invalid port '{portText}': give a number from 1 to 65535, or leave out ':' (host[:port]).", name);
            port = p;
        }
        return new RegistryName(name, hostPart, port);
    }
}
