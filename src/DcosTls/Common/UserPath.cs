using Microsoft.PowerShell.Commands;

namespace DcosTls.Common;

/// <summary>
/// Turns a path the user typed (-Root, -Path, -KeyPath, a completer's -Root...) into a full file
/// system path the way pwsh cmdlets do: relative to the current PowerShell location, never to the
/// process's working directory (Set-Location does not change that one). When the current location
/// is not on the file system (Env:, Cert:...), relative paths and ~ go by the current file system
/// location; a path on another provider's drive is refused.
/// </summary>
internal static class UserPath
{
    /// <exception cref="ArgumentException">The path names something that is not a file or folder.</exception>
    internal static string Resolve(PathIntrinsics paths, string path)
    {
        if (string.IsNullOrEmpty(path)) throw new ArgumentException("The path is empty. Give a file or folder path.");
        bool onFileSystem = paths.CurrentLocation.Provider.ImplementingType == typeof(FileSystemProvider);
        if (!onFileSystem && !paths.IsPSAbsolute(path, out _))
        {
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            if (path == "~") return home;
            if (path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal))
                return System.IO.Path.GetFullPath(path[2..], home);
            return System.IO.Path.GetFullPath(path, paths.CurrentFileSystemLocation.ProviderPath);
        }
        string full = paths.GetUnresolvedProviderPathFromPSPath(path, out ProviderInfo provider, out _);
        if (provider.ImplementingType != typeof(FileSystemProvider))
            throw new ArgumentException($"it is on the {provider.Name} provider");
        return full;
    }

    /// <summary>
    /// For argument completers, which get no SessionState: the path resolved against the location of
    /// the runspace that asked for completion; null when it cannot be resolved (a completer offers
    /// nothing rather than failing).
    /// </summary>
    internal static string? ResolveForCompletion(string path)
    {
        try
        {
            // The runspace's SessionStateProxy gives no Path while completion runs; a nested pipeline
            // on the current runspace reads the engine's own ($ExecutionContext needs no module).
            using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
            ps.AddScript("$ExecutionContext");
            var engine = ps.Invoke<EngineIntrinsics>().FirstOrDefault();
            if (engine != null) return Resolve(engine.SessionState.Path, path);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or SessionStateException
            or NotSupportedException or RuntimeException)
        {
            // Tab must not fail; fall through to what can be known without the engine.
        }
        // No engine to ask (completion outside a pipeline): an absolute path needs none.
        return System.IO.Path.IsPathFullyQualified(path) ? System.IO.Path.GetFullPath(path) : null;
    }
}
