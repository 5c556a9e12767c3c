namespace DcosTls.Credentials;

/// <summary>
/// A systemd EnvironmentFile such as /var/lib/dcos/mesos-slave-common, edited line by line: the
/// variable's line is replaced in place (extra copies removed, so a later duplicate can never
/// override it), every other line and comment is kept byte for byte, and a missing line is
/// appended. Running it again gives the same text.
/// systemd joins a line ending in a backslash with the next one (values and comments alike), so the
/// edit works on those joined lines: a continued assignment of the variable is replaced as a whole,
/// a line that only looks like an assignment because it continues another is left alone, and the new
/// line never goes after a last line that ends in a backslash (systemd would read it as part of that
/// value): it goes before that last joined line instead.
/// </summary>
internal static class MesosEnvironmentFile
{
    internal static string SetVariable(string? existing, string name, string value)
    {
        string line = name + "=" + value;
        if (string.IsNullOrEmpty(existing)) return line + "\n";
        string newline = existing.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var groups = LogicalLines(existing, out bool lastUnterminated);
        var result = new List<string>();
        bool placed = false;
        foreach (var group in groups)
        {
            if (!Assigns(group[0], name))
            {
                result.AddRange(group);
                continue;
            }
            if (!placed)
            {
                result.Add(line);
                placed = true;
            }
        }
        if (!placed)
        {
            // After a dangling continuation the new line would become part of that value.
            int at = lastUnterminated && groups.Count > 0 && !Assigns(groups[^1][0], name) ? result.Count - groups[^1].Count : result.Count;
            result.Insert(at, line);
        }
        return string.Join(newline, result) + newline;
    }

    /// <summary>How many (joined) lines assign the variable (comments and continued text do not count).</summary>
    internal static int CountAssignments(string text, string name)
        => LogicalLines(text, out _).Count(g => Assigns(g[0], name));

    /// <summary>
    /// The file's physical lines (without line endings), grouped as systemd joins them: a line that ends
    /// in an odd number of backslashes continues on the next. lastUnterminated: the last group still
    /// asks for a continuation when the file ends.
    /// </summary>
    internal static List<List<string>> LogicalLines(string text, out bool lastUnterminated)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        if (text.EndsWith('\n')) lines.RemoveAt(lines.Count - 1);
        var groups = new List<List<string>>();
        bool continues = false;
        foreach (string current in lines)
        {
            if (continues) groups[^1].Add(current);
            else groups.Add(new List<string> { current });
            continues = EndsWithContinuation(current);
        }
        lastUnterminated = continues;
        return groups;
    }

    private static bool EndsWithContinuation(string line)
    {
        int backslashes = 0;
        for (int i = line.Length - 1; i >= 0 && line[i] == '\\'; i--) backslashes++;
        return backslashes % 2 == 1;
    }

    private static bool Assigns(string line, string name)
    {
        string trimmed = line.TrimStart(' ', '\t');
        if (trimmed.StartsWith("export ", StringComparison.Ordinal)) trimmed = trimmed["export ".Length..].TrimStart(' ', '\t');
        if (!trimmed.StartsWith(name, StringComparison.Ordinal)) return false;
        string rest = trimmed[name.Length..].TrimStart(' ', '\t');
        return rest.StartsWith('=');
    }
}
