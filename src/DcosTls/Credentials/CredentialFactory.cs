using DcosTls.Common;

namespace DcosTls.Credentials;

/// <summary>A registry/credential pair that cannot become a login; says what to do.</summary>
internal sealed class CredentialInputException : DcosTlsException
{
    internal CredentialInputException(string errorId, string message) : base(errorId, System.Management.Automation.ErrorCategory.InvalidArgument, message) { }
}

/// <summary>Builds credentials from -Registry and -Credential, refusing what would never log in.</summary>
internal static class CredentialFactory
{
    /// <param name="normalisedFrom">The input, when the registry had to be rewritten (scheme, path, Hub alias); else null.</param>
    internal static DockerRegistryCredential Create(string registry, PSCredential credential, out string? normalisedFrom)
    {
        string key;
        bool normalised;
        try
        {
            key = RegistryKey.Normalize(registry, out normalised);
        }
        catch (RegistryKeyException e)
        {
            throw new CredentialInputException("InvalidRegistry", e.Message);
        }
        normalisedFrom = normalised ? registry : null;
        string user = credential.UserName ?? string.Empty;
        // PSCredential prefixes a leading backslash for domain-less names typed as "\user".
        if (user.StartsWith('\\')) user = user[1..];
        if (string.IsNullOrWhiteSpace(user))
            throw new CredentialInputException("EmptyUserName", $"The user name for '{key}' is empty. Give -Credential (Get-Credential) a user name.");
        if (user.Contains(':'))
            throw new CredentialInputException("UserNameHasColon", $"The user name for '{key}' contains ':', which cannot be stored in a docker auth (user and password are split on the first ':'). Use a user name without ':'.");
        if (user.Any(char.IsControl))
            throw new CredentialInputException("UserNameHasControlCharacters", $"The user name for '{key}' contains a line break or another control character. Type it again without one.");
        var password = credential.Password;
        if (password == null || password.Length == 0)
            throw new CredentialInputException("EmptyPassword", $"The password for '{key}' is empty. Give -Credential (Get-Credential) the registry password.");
        bool hasLineBreak = SecureStrings.Use(password, chars => chars.IndexOfAny('\r', '\n') >= 0);
        if (hasLineBreak)
            throw new CredentialInputException("PasswordHasLineBreak",
                $"The password for '{key}' contains a line break; the registry would refuse it (this is the `echo | base64` mistake). Give the password without the newline.");
        return new DockerRegistryCredential(key, user, password.Copy(), "Credential");
    }

    /// <summary>The warning for a registry name that was rewritten into its key.</summary>
    internal static string NormalisedWarning(string from, string key) => key == RegistryKey.DockerHub
        ? $"The registry '{from}' is written as '{key}', the key Docker and Mesos use for Docker Hub."
        : $"The registry '{from}' is written as '{key}': Mesos matches bare host[:port] keys only.";
}
