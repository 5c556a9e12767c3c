using DcosTls.Common;

namespace DcosTls.Credentials;

/// <summary>Why an auth string cannot be used as it is.</summary>
internal enum AuthProblem
{
    None,
    NotBase64,
    NoColon,
    TrailingNewline,
    EmptyUser,
    EmptyPassword,
}

/// <summary>
/// The config.json "auth" field: base64 of exactly "user:password". Docker, containers/image and
/// Mesos split on the first ':' and keep everything after it, so a newline from `echo | base64`
/// becomes part of the password and the registry answers 401.
/// </summary>
internal static class DockerAuth
{
    private static readonly UTF8Encoding Utf8 = new(false, true);

    /// <summary>base64(user ":" password); the plain bytes are zeroed before returning.</summary>
    internal static string Encode(DockerRegistryCredential credential)
    {
        return SecureStrings.Use(credential.Password, password =>
        {
            int length = Utf8.GetByteCount(credential.UserName) + 1 + Utf8.GetByteCount(password);
            byte[] plain = new byte[length];
            try
            {
                int n = Utf8.GetBytes(credential.UserName, plain);
                plain[n++] = (byte)':';
                Utf8.GetBytes(password, plain.AsSpan(n));
                return Convert.ToBase64String(plain);
            }
            finally
            {
                Array.Clear(plain);
            }
        });
    }

    /// <summary>
    /// Decodes an auth string. On success the user and password come back; with
    /// <paramref name="repair"/>, a trailing CR/LF is stripped instead of reported.
    /// </summary>
    internal static AuthProblem Decode(string auth, bool repair, out string userName, out SecureString? password, out bool repaired)
    {
        userName = string.Empty;
        password = null;
        repaired = false;
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(auth);
        }
        catch (FormatException)
        {
            return AuthProblem.NotBase64;
        }
        char[] chars;
        try
        {
            chars = Utf8.GetChars(bytes);
        }
        catch (DecoderFallbackException)
        {
            Array.Clear(bytes);
            return AuthProblem.NotBase64;
        }
        finally
        {
            Array.Clear(bytes);
        }
        try
        {
            int colon = Array.IndexOf(chars, ':');
            if (colon < 0) return AuthProblem.NoColon;
            int end = chars.Length;
            while (end > colon + 1 && (chars[end - 1] == '\n' || chars[end - 1] == '\r')) end--;
            if (end != chars.Length)
            {
                if (!repair) return AuthProblem.TrailingNewline;
                repaired = true;
            }
            if (colon == 0) return AuthProblem.EmptyUser;
            if (end == colon + 1) return AuthProblem.EmptyPassword;
            userName = new string(chars, 0, colon);
            var secure = new SecureString();
            for (int i = colon + 1; i < end; i++) secure.AppendChar(chars[i]);
            password = secure;
            return AuthProblem.None;
        }
        finally
        {
            Array.Clear(chars);
        }
    }

    /// <summary>What to tell the user about a bad auth string (never quoting it).</summary>
    internal static string Explain(AuthProblem problem, string registry) => problem switch
    {
        AuthProblem.NotBase64 => $"The auth for '{registry}' is not valid padded base64. Make it with: printf '%s' 'user:password' | base64 -w0",
        AuthProblem.NoColon => $"The auth for '{registry}' does not decode to 'user:password' (there is no ':'). Make it with: printf '%s' 'user:password' | base64 -w0",
        AuthProblem.TrailingNewline => $"The auth for '{registry}' decodes with a trailing newline, so the registry sees a wrong password (it was made with `echo user:password | base64`). " +
            "Make it with: printf '%s' 'user:password' | base64 -w0, or run Import-DockerAuthConfig with -Repair.",
        AuthProblem.EmptyUser => $"The auth for '{registry}' has an empty user name. Make it with: printf '%s' 'user:password' | base64 -w0",
        AuthProblem.EmptyPassword => $"The auth for '{registry}' has an empty password. Make it with: printf '%s' 'user:password' | base64 -w0",
        _ => string.Empty,
    };
}
