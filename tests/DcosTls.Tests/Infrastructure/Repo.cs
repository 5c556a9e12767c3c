namespace DcosTls.Tests.Infrastructure;

/// <summary>Where things are in the checkout the tests run from.</summary>
public static class Repo
{
    public static readonly string Root = FindRoot();

    /// <summary>The assembled module's manifest: what users import, never src/bin.</summary>
    public static string Manifest => Path.Combine(Root, "DcosTls.psd1");

    /// <summary>
    /// The manifest's data (ModuleVersion, PowerShellVersion, ...), parsed as pwsh parses a .psd1: the
    /// version has one home, DcosTls.psd1, and the tests read it from there.
    /// </summary>
    public static System.Collections.Hashtable ManifestData()
    {
        var ast = System.Management.Automation.Language.Parser.ParseFile(Manifest, out _, out var errors);
        if (errors.Length > 0) throw new InvalidOperationException($"{Manifest}: {errors[0].Message}");
        var table = (System.Management.Automation.Language.HashtableAst)ast.Find(a => a is System.Management.Automation.Language.HashtableAst, false)!;
        return (System.Collections.Hashtable)table.SafeGetValue();
    }

    /// <summary>
    /// $PSHOME of the repository's pwsh tool (.config/dotnet-tools.json) in the NuGet package folder: the
    /// hosted engine has only System.Management.Automation, and this is where Format-List,
    /// ConvertTo-Json and the rest of Microsoft.PowerShell.Utility live, in the same version.
    /// </summary>
    public static string PwshToolHome()
    {
        var tools = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, ".config", "dotnet-tools.json"))).RootElement;
        string version = tools.GetProperty("tools").GetProperty("powershell").GetProperty("version").GetString()!;
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string home = Path.Combine(packages, "powershell", version, "tools", "net10.0", "any", "unix");
        if (!File.Exists(Path.Combine(home, "Microsoft.PowerShell.Commands.Utility.dll")))
            throw new InvalidOperationException($"pwsh {version} is not restored at {home}: run 'dotnet tool restore' in {Root}");
        return home;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DcosTls.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("DcosTls.sln not found above " + AppContext.BaseDirectory);
    }
}
