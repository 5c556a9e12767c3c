namespace DcosTls.Tests.Infrastructure;

/// <summary>Where things are in the checkout the tests run from.</summary>
public static class Repo
{
    public static readonly string Root = FindRoot();

    /// <summary>The assembled module's manifest: what users import, never src/bin.</summary>
    public static string Manifest => Path.Combine(Root, "DcosTls.psd1");

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
