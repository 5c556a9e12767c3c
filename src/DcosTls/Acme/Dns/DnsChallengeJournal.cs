using System.Diagnostics;

namespace DcosTls.Acme.Dns;

/// <summary>
/// The TXT records this user's DNS-01 orders have published and not yet deleted, one small file per
/// record in &lt;account folder&gt;/dns-01 (the values are public: they are in the zone). An order that
/// ends, fails or is stopped deletes its record and its file; a process killed with SIGKILL cannot, so
/// the next order through the same server removes the records whose process is gone.
/// </summary>
internal sealed class DnsChallengeJournal
{
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private readonly string _folder;
    private readonly string _server;

    internal DnsChallengeJournal(string accountFolder, string server)
    {
        _folder = Path.Combine(accountFolder, "dns-01");
        _server = server;
    }

    internal sealed record Entry(string Server, string Zone, string Name, string Value, int ProcessId, long ProcessStarted);

    /// <summary>Notes a record before it is added, so a kill right after the update still leaves its trace.</summary>
    internal string Note(string zone, string name, string value)
    {
        if (!Directory.Exists(_folder))
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(_folder);
            else Directory.CreateDirectory(_folder, PrivateFolder);
        }
        using var self = Process.GetCurrentProcess();
        var entry = new Entry(_server, zone, name, value, self.Id, self.StartTime.ToUniversalTime().Ticks);
        string path = Path.Combine(_folder, $"{Guid.NewGuid():N}.json");
        string temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(entry));
        File.Move(temp, path);
        return path;
    }

    internal static void Forget(string path) => File.Delete(path);

    /// <summary>Records of this server noted by a process that is no longer running, with their files.</summary>
    internal IEnumerable<(string Path, Entry Entry)> Stale()
    {
        if (!Directory.Exists(_folder)) yield break;
        foreach (string path in Directory.EnumerateFiles(_folder, "*.json"))
        {
            Entry? entry;
            try { entry = JsonSerializer.Deserialize<Entry>(File.ReadAllText(path)); }
            catch (Exception e) when (e is JsonException or IOException) { continue; }
            if (entry == null || entry.Server != _server || IsRunning(entry)) continue;
            yield return (path, entry);
        }
    }

    private static bool IsRunning(Entry entry)
    {
        try
        {
            using var process = Process.GetProcessById(entry.ProcessId);
            return process.StartTime.ToUniversalTime().Ticks == entry.ProcessStarted;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
