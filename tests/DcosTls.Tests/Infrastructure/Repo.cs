namespace DcosTls.Tests.Infrastructure;

/// <summary>Where things are in the checkout the tests run from.</summary>
public static class Repo
{
    public static readonly string Root = FindRoot();

    /// <summary>The assembled module's manifest: what users import, never src/bin.</summary>
    public static string Manifest => Path.Combine(Root, "DcosTls.psd1");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DcosTls.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("DcosTls.sln not found above " + AppContext.BaseDirectory);
    }
}
