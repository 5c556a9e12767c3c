namespace DcosTls.Tests.Infrastructure;

public static class FileModes
{
    /// <summary>The permission bits as ls shows them in octal: "600", "644", "700".</summary>
    public static string Of(string path) => Convert.ToString((int)File.GetUnixFileMode(path), 8);
}
