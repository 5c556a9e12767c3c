using System.Text.RegularExpressions;
using DcosTls.DockerDaemon;
using DcosTls.Trust;
using Xunit;

namespace DcosTls.UnitTests;

/// <summary>
/// Scripts match on FullyQualifiedErrorId, so every error id the module can raise is listed in
/// error-ids.txt beside this file. The ids are read from the source where they are written: a literal
/// followed by an ErrorCategory, the first literal given to Fail/Report or an exception, an ErrorId
/// assignment or an errorId: argument, a ConfigEntry's id; the two computed families expand from their enums. A new id adds a
/// line; a renamed id is a deliberate change to that file, seen in review.
/// </summary>
public partial class ErrorIdCatalogueTests
{
    [GeneratedRegex("\"([A-Z][A-Za-z0-9]+,?)\"\\s*,\\s*(?:System\\.Management\\.Automation\\.)?ErrorCategory\\.")]
    private static partial Regex BeforeCategory();

    [GeneratedRegex("(?<!Spec)(?:Exception|Fail|Report|base|Problem|ConfigEntry\\([^\"]*)\\(?\\s*\"([A-Z][A-Za-z0-9]+,?)\"\\s*[,+]")]
    private static partial Regex FirstArgument();

    // An id chosen by a condition, as the first argument: Exception(expired ? "TokenExpired" : "TokenRefused", ...).
    [GeneratedRegex("(?:Exception|Fail|Report|base)\\([^\"()]*\\?\\s*\"([A-Z][A-Za-z0-9]+)\"\\s*:\\s*\"([A-Z][A-Za-z0-9]+)\"")]
    private static partial Regex TernaryFirst();

    // A bad parameter of a certificate or registry app spec: the id is the family and the parameter.
    [GeneratedRegex("(Certificate|RegistryApp)SpecException\\(\"([A-Z][A-Za-z0-9]+)\"")]
    private static partial Regex SpecParameter();

    [GeneratedRegex("(?:ErrorId\\s*=|errorId:)\\s*\"([A-Z][A-Za-z0-9]+)\"")]
    private static partial Regex Assigned();

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "DcosTls.psd1"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("The repository root (DcosTls.psd1) was not found above " + AppContext.BaseDirectory);
    }

    internal static SortedSet<string> IdsInSource(string root)
    {
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(Path.Combine(root, "src", "DcosTls"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")) continue;
            string text = File.ReadAllText(file);
            foreach (var regex in new[] { BeforeCategory(), FirstArgument(), Assigned() })
                foreach (Match m in regex.Matches(text))
                    if (!m.Groups[1].Value.EndsWith(',')) ids.Add(m.Groups[1].Value);
            foreach (Match m in TernaryFirst().Matches(text))
            {
                ids.Add(m.Groups[1].Value);
                ids.Add(m.Groups[2].Value);
            }
            foreach (Match m in SpecParameter().Matches(text))
                ids.Add((m.Groups[1].Value == "Certificate" ? "InvalidCertificateRequest," : "InvalidRegistryApp,") + m.Groups[2].Value);
        }
        foreach (var reason in Enum.GetNames<TrustTestReason>()) ids.Add("RegistryTrust" + reason);
        foreach (var problem in Enum.GetNames<Credentials.AuthProblem>().Where(p => p != "None")) ids.Add("InvalidAuth," + problem);
        foreach (var check in Enum.GetNames<DaemonTlsCheckName>()) ids.Add($"DaemonTls{check}Failed");
        return ids;
    }

    [Fact]
    public void Every_error_id_in_the_source_is_in_the_checked_in_list_and_no_other()
    {
        string root = RepoRoot();
        string listFile = Path.Combine(root, "tests", "DcosTls.UnitTests", "error-ids.txt");
        var listed = new SortedSet<string>(File.ReadAllLines(listFile).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')), StringComparer.Ordinal);
        var found = IdsInSource(root);
        Assert.True(found.SetEquals(listed),
            $"New in the source (add to {listFile} if meant): {string.Join(", ", found.Except(listed))}\n" +
            $"Listed but gone from the source (a renamed or removed id breaks scripts): {string.Join(", ", listed.Except(found))}");
    }

    [Fact]
    public void The_scan_finds_the_ids_of_each_kind_of_site()
    {
        var found = IdsInSource(RepoRoot());
        // One id per kind of site, so a scan that silently stopped matching one kind fails here.
        Assert.Contains("RootNotDirectory", found);                        // Fail("...", ErrorCategory...)
        Assert.Contains("PathOutsideRoot", found);                         // const string ErrorId = "..."
        Assert.Contains("InvalidCertificateRequest,CommonName", found);    // new CertificateSpecException("CommonName", ...)
        Assert.Contains("KeyPasswordRequired", found);                     // needed ? "..." : "..."
        Assert.Contains("CredentialsInHelper", found);                     // new ConfigEntry(..., "...", ...)
        Assert.Contains("RegistryTrustUnknownAuthority", found);           // enum family
        Assert.Contains("CaRequestRefused", found);                        // base("...", ...)
    }
}
