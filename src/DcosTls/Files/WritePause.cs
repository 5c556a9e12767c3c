namespace DcosTls.Files;

/// <summary>
/// TEST-ONLY hook for the kill tests; nothing in normal use sets it. When the environment variable
/// DCOSTLS_TEST_PAUSE_AFTER_WRITE names a folder (read once per process), the writer stops at every
/// switch of a directory entry, after the new content is complete on disk under its temp name and
/// before the rename that makes it visible: it creates &lt;folder&gt;/&lt;n&gt;.paused (n counts from 1)
/// holding the path about to be switched, and waits until that file is deleted. A test kills the
/// process there with SIGKILL and finds on disk every earlier switch, none of the later ones, and
/// the temp file a real kill at that moment leaves behind.
/// </summary>
internal static class WritePause
{
    internal const string Variable = "DCOSTLS_TEST_PAUSE_AFTER_WRITE";

    private static readonly string? Folder = ReadFolder();
    private static int _count;

    private static string? ReadFolder()
    {
        string? folder = Environment.GetEnvironmentVariable(Variable);
        return string.IsNullOrEmpty(folder) || !Directory.Exists(folder) ? null : folder;
    }

    /// <summary>Pauses before <paramref name="fullPath"/> is switched, when the hook is on; otherwise returns at once.</summary>
    internal static void Before(string fullPath)
    {
        if (Folder == null) return;
        string marker = Path.Combine(Folder, Interlocked.Increment(ref _count) + ".paused");
        File.WriteAllText(marker, fullPath);
        while (File.Exists(marker)) Thread.Sleep(10);
    }
}
