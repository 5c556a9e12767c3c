using DcosTls.Common;

namespace DcosTls.Credentials;

/// <summary>
/// DC/OS secret paths (default store): segments of letters, digits, '.', '_' and '-', separated by
/// '/', without traversal or spaces. Also the "spaces" rule: an app may read a secret only when
/// the secret's folder is a prefix of the app's id (the secrets service's rule).
/// </summary>
internal static partial class SecretPath
{
    [GeneratedRegex(@"^[A-Za-z0-9._-]+$")]
    private static partial Regex Segment();

    /// <summary>The path without a leading '/'; one that is not valid is refused (InvalidSecretPath, naming it as given).</summary>
    internal static string Normalize(string? path)
    {
        string text = (path ?? string.Empty).Trim();
        if (text.StartsWith('/')) text = text[1..];
        if (text.Length == 0)
            throw Invalid("The secret path is empty. Give it as folder/name, e.g. mesos-docker/pullConfig.", path);
        foreach (string segment in text.Split('/'))
        {
            if (segment.Length == 0 || segment == "." || segment == ".." || !Segment().IsMatch(segment))
                throw Invalid($"The secret path '{text}' is not valid: use folder/name segments of letters, digits, '.', '_' and '-' (no spaces, no '..', no empty segments), e.g. mesos-docker/pullConfig.", path);
        }
        return text;
    }

    private static DcosTlsException Invalid(string message, string? path)
        => new("InvalidSecretPath", System.Management.Automation.ErrorCategory.InvalidArgument, message, path);

    /// <summary>True when the app (by id) may read the secret under the spaces rule.</summary>
    internal static bool Readable(string secretPath, string appId)
    {
        var folder = secretPath.Split('/')[..^1];
        var app = appId.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (folder.Length > app.Length) return false;
        return folder.Zip(app).All(p => string.Equals(p.First, p.Second, StringComparison.Ordinal));
    }
}
