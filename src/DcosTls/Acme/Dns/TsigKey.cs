using DcosTls.Common;

namespace DcosTls.Acme.Dns;

/// <summary>
/// A TSIG key (RFC 8945): its name, HMAC algorithm and secret. The secret stays in this object and is
/// never part of ToString or a message.
/// </summary>
internal sealed class TsigKey
{
    private readonly byte[] _secret;

    private TsigKey(string name, string algorithm, byte[] secret)
    {
        Name = name.TrimEnd('.').ToLowerInvariant() + ".";
        Algorithm = algorithm.TrimEnd('.').ToLowerInvariant() + ".";
        _secret = secret;
    }

    internal string Name { get; }
    internal string Algorithm { get; }

    public override string ToString() => $"TSIG key {Name} ({Algorithm.TrimEnd('.')})";

    internal static readonly string[] Algorithms = { "hmac-sha256", "hmac-sha384", "hmac-sha512", "hmac-sha1" };

    internal byte[] Mac(byte[] data) => Algorithm switch
    {
        "hmac-sha256." => HMACSHA256.HashData(_secret, data),
        "hmac-sha384." => HMACSHA384.HashData(_secret, data),
        "hmac-sha512." => HMACSHA512.HashData(_secret, data),
        "hmac-sha1." => HMACSHA1.HashData(_secret, data),
        _ => throw new InvalidOperationException("unsupported TSIG algorithm"),
    };

    internal static TsigKey FromSecret(string name, string algorithm, SecureString secret)
    {
        CheckAlgorithm(algorithm, "TsigAlgorithm");
        byte[]? bytes = SecureStrings.Use(secret, chars =>
        {
            byte[] buffer = new byte[chars.Length];
            return Convert.TryFromBase64Chars(chars, buffer, out int written) ? buffer[..written] : null;
        });
        if (bytes == null || bytes.Length == 0)
            throw new AcmeProblemException("TsigSecretInvalid", ErrorCategory.InvalidArgument,
                $"The TSIG secret for key '{name}' is not base64 (the 'secret' of a BIND key, as tsig-keygen prints it). Give it as a SecureString, or use -TsigKeyFile.");
        return new TsigKey(name, algorithm, bytes);
    }

    private static readonly Regex KeyBlock = new(
        @"key\s+""?(?<name>[^""\s{]+)""?\s*\{(?<body>[^}]*)\}\s*;", RegexOptions.CultureInvariant | RegexOptions.Singleline);
    private static readonly Regex AlgorithmLine = new(@"algorithm\s+""?(?<v>[A-Za-z0-9.-]+)""?\s*;", RegexOptions.CultureInvariant);
    private static readonly Regex SecretLine = new(@"secret\s+""(?<v>[A-Za-z0-9+/=\s]+)""\s*;", RegexOptions.CultureInvariant);

    /// <summary>A BIND key file (tsig-keygen, ddns-confgen): key "name" { algorithm ...; secret "..."; };</summary>
    internal static TsigKey FromFile(string path, string? name)
    {
        string text = File.ReadAllText(path);
        var blocks = KeyBlock.Matches(text).Where(m => name == null || m.Groups["name"].Value.TrimEnd('.').Equals(name.TrimEnd('.'), StringComparison.OrdinalIgnoreCase)).ToList();
        if (blocks.Count != 1)
            throw new AcmeProblemException("TsigKeyFileInvalid", ErrorCategory.InvalidData,
                blocks.Count == 0
                    ? $"'{path}' holds no BIND key block{(name != null ? $" named '{name}'" : string.Empty)} (key \"name\" {{ algorithm hmac-sha256; secret \"...\"; }};). Check -TsigKeyFile and -TsigKeyName."
                    : $"'{path}' holds {blocks.Count} keys. Name the one to use with -TsigKeyName.");
        string keyName = blocks[0].Groups["name"].Value;
        string body = blocks[0].Groups["body"].Value;
        var algorithm = AlgorithmLine.Match(body);
        var secret = SecretLine.Match(body);
        if (!algorithm.Success || !secret.Success)
            throw new AcmeProblemException("TsigKeyFileInvalid", ErrorCategory.InvalidData,
                $"The key '{keyName}' in '{path}' has no algorithm or no base64 secret. Check the file (tsig-keygen writes both).");
        CheckAlgorithm(algorithm.Groups["v"].Value, "TsigKeyFile");
        byte[] bytes;
        try { bytes = Convert.FromBase64String(Regex.Replace(secret.Groups["v"].Value, @"\s", string.Empty)); }
        catch (FormatException)
        {
            throw new AcmeProblemException("TsigKeyFileInvalid", ErrorCategory.InvalidData,
                $"The secret of key '{keyName}' in '{path}' is not base64. Check the file (tsig-keygen writes it).");
        }
        return new TsigKey(keyName, algorithm.Groups["v"].Value, bytes);
    }

    private static void CheckAlgorithm(string algorithm, string parameter)
    {
        if (!Algorithms.Contains(algorithm.TrimEnd('.').ToLowerInvariant()))
            throw new AcmeProblemException("TsigAlgorithmUnsupported", ErrorCategory.InvalidArgument,
                $"The TSIG algorithm '{algorithm}' (from -{parameter}) is not supported: use {string.Join(", ", Algorithms)}.");
    }
}
