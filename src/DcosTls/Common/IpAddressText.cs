using System.Net.Sockets;

namespace DcosTls.Common;

/// <summary>
/// IP addresses as operators write them, read strictly. .NET (like inet_aton) reads "010.001.002.003"
/// as octal 8.1.2.3 and "10.1" as 10.0.0.1, so an address pasted from a spreadsheet would end up in a
/// certificate as another machine's address. IPv4 is taken in dotted-decimal only, four parts from 0
/// to 255 without leading zeros; IPv6 without a zone id (a zone is local to one host, never in a SAN).
/// </summary>
internal static class IpAddressText
{
    /// <summary>Whether the text is meant as an IP address at all (four dotted numbers, or a ':').</summary>
    internal static bool LooksLikeAddress(string text)
        => text.Contains(':') || (text.Split('.') is { Length: 4 } parts && parts.All(p => p.Length > 0 && p.All(char.IsAsciiDigit)));

    /// <summary>The address, or null and a reason that names the text and says how to write it.</summary>
    internal static IPAddress? Parse(string text, out string? problem)
    {
        problem = null;
        if (text.Contains(':'))
        {
            if (text.Contains('%'))
            {
                problem = $"'{text}' carries an IPv6 zone id ('%...'), which only means something on one host. Give the address without it.";
                return null;
            }
            if (IPAddress.TryParse(text, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6) return v6;
            problem = $"'{text}' is not an IPv6 address.";
            return null;
        }
        string[] parts = text.Split('.');
        if (parts.Length != 4 || parts.Any(p => p.Length == 0 || p.Length > 3 || !p.All(char.IsAsciiDigit)))
        {
            problem = $"'{text}' is not an IPv4 address in dotted-decimal form (four numbers from 0 to 255, e.g. 10.0.0.21).";
            return null;
        }
        if (parts.Any(p => p.Length > 1 && p[0] == '0'))
        {
            problem = $"'{text}' has a part with a leading zero, which other tools read as octal. Write it without leading zeros: {string.Join('.', parts.Select(p => p.TrimStart('0').PadLeft(1, '0')))}.";
            return null;
        }
        var bytes = new byte[4];
        for (int i = 0; i < 4; i++)
        {
            int value = int.Parse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture);
            if (value > 255)
            {
                problem = $"'{text}' has the part {value}, above 255.";
                return null;
            }
            bytes[i] = (byte)value;
        }
        return new IPAddress(bytes);
    }
}
