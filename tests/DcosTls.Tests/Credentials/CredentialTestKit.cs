using DcosTls.Tests.Infrastructure;
using System.Management.Automation;
using System.Security;
using System.Text;
using Xunit;

namespace DcosTls.Tests.Credentials;

/// <summary>Credentials for tests, and the checks that secrets stay where they belong.</summary>
internal static class CredentialTestKit
{
    public const string User = "deployer";
    public const string Password = "Zq8-unique-Pa55word!";

    public static string AuthOf(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password));

    public static PSCredential Cred(string user = User, string password = Password) => Secrets.Credential(user, password);

    /// <summary>A password as it could leak: itself, its auth string and its base64 form.</summary>
    public static string[] FormsOf(string user, string password)
        => new[] { password, AuthOf(user, password), Convert.ToBase64String(Encoding.UTF8.GetBytes(password)) };

    /// <summary>The password, its auth string and its base64 form appear nowhere in the text.</summary>
    public static void AssertNoSecret(string text, string user = User, string password = Password)
        => Secrets.AssertNotIn(text, FormsOf(user, password));

    /// <summary>...nor in anything any run of the engine produced (Secrets.AssertNoLeak).</summary>
    public static void AssertNoSecret(Pwsh ps, string user = User, string password = Password)
        => Secrets.AssertNoLeak(ps, FormsOf(user, password));

    /// <summary>...and nowhere in these files either.</summary>
    public static void AssertNoSecretInFiles(string root, IEnumerable<string> allowed, string user = User, string password = Password)
    {
        var allowedSet = new HashSet<string>(allowed.Select(Path.GetFullPath));
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            if (allowedSet.Contains(Path.GetFullPath(file))) continue;
            AssertNoSecret(File.ReadAllText(file), user, password);
        }
    }

    public static string Escape(string s) => s.Replace("'", "''");
}
