using System.Management.Automation;
using System.Security;

namespace DcosTls.Tests.Infrastructure;

public static class Secrets
{
    public static SecureString Secure(string plain)
    {
        var s = new SecureString();
        foreach (char c in plain) s.AppendChar(c);
        s.MakeReadOnly();
        return s;
    }

    public static PSCredential Credential(string user, string password) => new(user, Secure(password));

    /// <summary>Fails when any of the secrets appears in any file below the folder.</summary>
    public static void AssertNotInFiles(string directory, IEnumerable<string> secrets)
    {
        var list = secrets.Where(s => !string.IsNullOrEmpty(s)).ToList();
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            string text = File.ReadAllText(file);
            foreach (var s in list) Xunit.Assert.DoesNotContain(s, text);
        }
    }

    /// <summary>
    /// The leak check for a test that claims a secret never shows: every run of the engine, every
    /// stream (all switched on), outputs serialized deep, error records in full (see Pwsh.AllText).
    /// Also fails when the engine never ran anything, so an empty search cannot pass.
    /// </summary>
    public static void AssertNoLeak(Pwsh ps, IEnumerable<string> secrets)
    {
        Xunit.Assert.NotEmpty(ps.Runs);
        AssertNotIn(ps.AllText(), secrets);
    }

    public static void AssertNotIn(string text, IEnumerable<string> secrets)
    {
        foreach (var s in secrets.Where(s => !string.IsNullOrEmpty(s))) Xunit.Assert.DoesNotContain(s, text);
    }
}
