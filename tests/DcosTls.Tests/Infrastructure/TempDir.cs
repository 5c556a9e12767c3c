namespace DcosTls.Tests.Infrastructure;

/// <summary>A scratch folder deleted after the test.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string prefix = "dcostls-")
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    public string Path { get; }

    public string this[string relative] => System.IO.Path.Combine(Path, relative.TrimStart('/'));

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
