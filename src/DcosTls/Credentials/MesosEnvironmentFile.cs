namespace DcosTls.Credentials;

/// <summary>
/// A systemd EnvironmentFile such as /var/lib/dcos/mesos-slave-common, edited line by line: the
/// variable's line is replaced in place (extra copies removed, so a later duplicate can never
/// override it), every other line and comment is kept byte for byte, and a missing line is
/// appended. Running it again gives the same text.
/// </summary>
internal static class MesosEnvironmentFile
{
    internal static string SetVariable(string? existing, string name, string value)
    {
        string line = name + "=" + value;
        if (string.IsNullOrEmpty(existing)) return line + "\n";
        string newline = existing.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        bool endsWithNewline = existing.EndsWith('\n');
        var lines = existing.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        if (endsWithNewline) lines.RemoveAt(lines.Count - 1);
        var result = new List<string>(lines.Count + 1);
        bool placed = false;
        foreach (string current in lines)
        {
            if (!Assigns(current, name))
            {
                result.Add(current);
                continue;
            }
            if (!placed)
            {
                result.Add(line);
                placed = true;
            }
        }
        if (!placed) result.Add(line);
        return string.Join(newline, result) + newline;
    }

    /// <summary>How many lines assign the variable (comments do not count).</summary>
    internal static int CountAssignments(string text, string name)
        => text.Split('\n').Count(l => Assigns(l.TrimEnd('\r'), name));

    private static bool Assigns(string line, string name)
    {
        string trimmed = line.TrimStart(' ', '\t');
        if (trimmed.StartsWith("export ", StringComparison.Ordinal)) trimmed = trimmed["export ".Length..].TrimStart(' ', '\t');
        if (!trimmed.StartsWith(name, StringComparison.Ordinal)) return false;
        string rest = trimmed[name.Length..].TrimStart(' ', '\t');
        return rest.StartsWith('=');
    }
}
