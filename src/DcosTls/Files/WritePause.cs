namespace DcosTls.Files;

/// <summary>
/// TEST-ONLY hook for the kill tests; nothing in normal use sets it. When the environment variable
/// DCOSTLS_TEST_PAUSE_DIR names a folder (read once per process), every step that changes a directory
/// entry on the agent stops before it happens: a rename that switches a file, link or folder into
/// place (the new content is then complete under its temp name), the creation of a temp folder or
/// link, a removal. The step creates &lt;folder&gt;/&lt;n&gt;.paused (n counts from 1) holding what it is
/// about to do, and waits until that file is deleted. A test kills the process there with SIGKILL and
/// finds on disk every earlier step and none of the later ones.
/// </summary>
internal static class WritePause
{
    internal const string Variable = "DCOSTLS_TEST_PAUSE_DIR";

    private static readonly string? Folder = ReadFolder();
    private static int _count;

    private static string? ReadFolder()
    {
        string? folder = Environment.GetEnvironmentVariable(Variable);
        return string.IsNullOrEmpty(folder) || !Directory.Exists(folder) ? null : folder;
    }

    /// <summary>Pauses before the step <paramref name="what"/>, when the hook is on; otherwise returns at once.</summary>
    internal static void Before(string what)
    {
        if (Folder == null) return;
        string marker = Path.Combine(Folder, Interlocked.Increment(ref _count) + ".paused");
        // Written aside and renamed, so the test never reads a marker that exists but is still empty.
        File.WriteAllText(marker + ".part", what);
        File.Move(marker + ".part", marker);
        while (File.Exists(marker)) Thread.Sleep(10);
    }
}
