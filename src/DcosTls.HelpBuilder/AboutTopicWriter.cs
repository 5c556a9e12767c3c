using System.Text;

namespace DcosTls.HelpBuilder;

/// <summary>about_*.md (PlatyPS about template) to the plain-text about_*.help.txt Get-Help reads.</summary>
public static class AboutTopicWriter
{
    public static string Write(string markdown)
    {
        var sb = new StringBuilder();
        bool inFence = false;
        foreach (string raw in markdown.Replace("\r\n", "\n").Split('\n'))
        {
            string line = raw.TrimEnd();
            if (line.StartsWith("```", StringComparison.Ordinal)) { inFence = !inFence; continue; }
            if (!inFence && line.StartsWith("# ", StringComparison.Ordinal)) { sb.AppendLine("TOPIC").AppendLine("    " + line[2..].Trim()).AppendLine(); continue; }
            if (!inFence && line.StartsWith("## ", StringComparison.Ordinal)) { sb.AppendLine(line[3..].Trim().ToUpperInvariant()); continue; }
            if (!inFence && line.StartsWith("### ", StringComparison.Ordinal)) { sb.AppendLine("  " + line[4..].Trim().ToUpperInvariant()); continue; }
            sb.AppendLine(line.Length == 0 ? string.Empty : (inFence ? "        " : "    ") + line.Replace("`", string.Empty));
        }
        return sb.ToString();
    }
}
