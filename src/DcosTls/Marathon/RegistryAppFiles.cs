using DcosTls.Common;
using DcosTls.Files;

namespace DcosTls.Marathon;

/// <summary>A file New-MarathonRegistryApp was asked to write, and why it may not.</summary>
internal sealed class RegistryAppFileException : DcosTlsException
{
    internal RegistryAppFileException(string errorId, string path, string message)
        : base(errorId, errorId switch
        {
            "MarathonAppFileExists" => ErrorCategory.ResourceExists,
            "MarathonAppWriteFailed" => ErrorCategory.WriteError,
            _ => ErrorCategory.InvalidArgument,
        }, message, path)
    {
        Path = path;
    }

    internal string Path { get; }
}

/// <summary>
/// Writes the app definition and the marathon-lb options to operator files (not agent files, so
/// there is no staging root): both are checked before either is written, a missing folder is created (as the other cmdlets do), each is written atomically,
/// and a file that already holds the same JSON is left as it is.
/// </summary>
internal sealed class RegistryAppFiles
{
    private readonly StagedFileWriter _writer;
    private readonly bool _force;

    internal RegistryAppFiles(Func<string, string, bool> shouldProcess, bool force)
    {
        _writer = new StagedFileWriter("/", shouldProcess);
        _force = force;
    }

    /// <summary>Writes what was asked; a path comes back set only when its file holds the JSON.</summary>
    internal (string? AppPath, string? OptionsPath) Write(MarathonRegistryApp app, string? appPath, string? optionsPath)
    {
        var planned = new List<(string Path, byte[] Content)>();
        if (appPath != null) planned.Add((appPath, Utf8(app.AppDefinition)));
        if (optionsPath != null) planned.Add((optionsPath, Utf8(app.MarathonLbOptions)));
        if (planned.Count == 2 && planned[0].Path == planned[1].Path)
            throw new RegistryAppFileException("MarathonAppFilesSame", appPath!,
                $"-Path and -MarathonLbOptionsPath both name '{appPath}'. Give each document its own file.");
        foreach (var (path, content) in planned)
        {
            if (Directory.Exists(path))
                throw new RegistryAppFileException("MarathonAppFileIsFolder", path, $"'{path}' is a folder. Give a file name, such as registry.json.");
            if (!_force && File.Exists(path) && !File.ReadAllBytes(path).AsSpan().SequenceEqual(content))
                throw new RegistryAppFileException("MarathonAppFileExists", path, $"'{path}' exists with other content. Use -Force to replace it, or choose another path.");
        }
        string? writtenApp = null, writtenOptions = null;
        foreach (var (path, content) in planned)
        {
            FileAction action;
            try { action = _writer.WriteBytes(path, content, StagedFileWriter.PublicFile); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new RegistryAppFileException("MarathonAppWriteFailed", path, $"Writing '{path}' failed ({e.GetType().Name}). Check that the folder is writable, or choose another path.");
            }
            if (action == FileAction.Skipped) continue;
            if (path == appPath) writtenApp = path; else writtenOptions = path;
        }
        return (writtenApp, writtenOptions);
    }

    private static byte[] Utf8(string json) => new UTF8Encoding(false).GetBytes(json + "\n");
}
