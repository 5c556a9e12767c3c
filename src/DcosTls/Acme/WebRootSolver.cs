namespace DcosTls.Acme;

/// <summary>
/// HTTP-01 through a web server that is already running (nginx, marathon-lb's backend): the key
/// authorization goes to &lt;web root&gt;/.well-known/acme-challenge/&lt;token&gt; (world-readable: it is
/// public by design) and is removed afterwards, with the two folders when this created them.
/// </summary>
internal sealed class WebRootSolver : IAcmeChallengeSolver
{
    private readonly string _webRoot;

    internal WebRootSolver(string webRoot) => _webRoot = webRoot;

    public string ChallengeType => "http-01";

    public string Description => $"HTTP-01 through web root '{_webRoot}'";

    public IDisposable Publish(string identifier, string token, string keyAuthorization)
    {
        // The token names the file: refused here too, so no caller can send it outside the folder.
        AcmeChallengeToken.Require(token, identifier);
        if (!Directory.Exists(_webRoot))
            throw new AcmeProblemException("AcmeWebRootNotFound", ErrorCategory.ObjectNotFound,
                $"The web root '{_webRoot}' does not exist. Give the folder the web server for '{identifier}' serves as its document root.");
        string wellKnown = Path.Combine(_webRoot, ".well-known");
        string folder = Path.Combine(wellKnown, "acme-challenge");
        bool madeWellKnown = !Directory.Exists(wellKnown);
        bool madeFolder = !Directory.Exists(folder);
        string file = Path.Combine(folder, token);
        const UnixFileMode readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        const UnixFileMode listable = readable | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        try
        {
            if (madeWellKnown) Directory.CreateDirectory(wellKnown, listable);
            if (madeFolder) Directory.CreateDirectory(folder, listable);
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = readable };
            using (var stream = new FileStream(file, options))
                stream.Write(System.Text.Encoding.ASCII.GetBytes(keyAuthorization));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Remove(file, folder, wellKnown, madeFolder, madeWellKnown);
            throw new AcmeProblemException("AcmeWebRootNotWritable", ErrorCategory.WriteError,
                $"The challenge file for '{identifier}' could not be written under '{folder}' ({e.GetType().Name}). Check that the web root is writable by this user.");
        }
        return new Cleanup(() => Remove(file, folder, wellKnown, madeFolder, madeWellKnown));
    }

    private static void Remove(string file, string folder, string wellKnown, bool madeFolder, bool madeWellKnown)
    {
        try
        {
            File.Delete(file);
            if (madeFolder && Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
            if (madeWellKnown && Directory.Exists(wellKnown) && !Directory.EnumerateFileSystemEntries(wellKnown).Any()) Directory.Delete(wellKnown);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    public void Dispose() { }
}
