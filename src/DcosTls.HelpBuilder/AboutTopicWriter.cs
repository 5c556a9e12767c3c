using System.Text;

namespace DcosTls.HelpBuilder;

/// <summary>
/// about_*.md (PlatyPS about template) to the plain-text about_*.help.txt Get-Help reads. Get-Help
/// prints the file as it is, so paragraphs and list items are word-wrapped here to fit an 80-column
/// console; code blocks, fenced or indented, are kept as written.
/// </summary>
public static class AboutTopicWriter
{
    /// <summary>The longest line written: one less than the console, which would wrap a full line.</summary>
    public const int Width = 79;

    public static string Write(string markdown)
    {
        var sb = new StringBuilder();
        var paragraph = new List<string>();
        string paragraphIndent = "    ", continuationIndent = "    ";
        bool inFence = false;
        bool inIndentedCode = false;
        bool previousBlank = true;

        void Flush()
        {
            if (paragraph.Count == 0) return;
            AppendWrapped(sb, string.Join(' ', paragraph), paragraphIndent, continuationIndent);
            paragraph.Clear();
        }

        foreach (string raw in markdown.Replace("\r\n", "\n").Split('\n'))
        {
            string line = raw.TrimEnd();
            if (line.StartsWith("```", StringComparison.Ordinal)) { Flush(); inFence = !inFence; continue; }
            if (inFence) { sb.AppendLine(line.Length == 0 ? string.Empty : "        " + line); continue; }
            // An indented code block (four spaces after a blank line, as the systemd units and the alert
            // rules are written) keeps its lines and their indentation, as PlatyPS keeps them.
            bool indented = line.StartsWith("    ", StringComparison.Ordinal) || line.StartsWith('\t');
            if (indented && (inIndentedCode || (paragraph.Count == 0 && previousBlank)))
            {
                inIndentedCode = true;
                sb.AppendLine("        " + (line.StartsWith('\t') ? line[1..] : line[4..]));
                continue;
            }
            if (inIndentedCode && line.Length == 0) { sb.AppendLine(); continue; }
            inIndentedCode = false;
            previousBlank = line.Length == 0;
            if (line.StartsWith("# ", StringComparison.Ordinal)) { Flush(); sb.AppendLine("TOPIC").AppendLine("    " + line[2..].Trim()).AppendLine(); continue; }
            if (line.StartsWith("## ", StringComparison.Ordinal)) { Flush(); sb.AppendLine(line[3..].Trim().ToUpperInvariant()); continue; }
            if (line.StartsWith("### ", StringComparison.Ordinal)) { Flush(); sb.AppendLine("  " + line[4..].Trim().ToUpperInvariant()); continue; }
            if (line.Length == 0) { Flush(); sb.AppendLine(); continue; }
            string text = line.Trim().Replace("`", string.Empty);
            if (text.StartsWith("- ", StringComparison.Ordinal))
            {
                // A list item starts its own paragraph; its continuation lines align after the dash.
                Flush();
                paragraphIndent = "    ";
                continuationIndent = "      ";
            }
            else if (paragraph.Count == 0)
            {
                paragraphIndent = continuationIndent = "    ";
            }
            paragraph.Add(text);
        }
        Flush();
        return sb.ToString();
    }

    private static void AppendWrapped(StringBuilder sb, string text, string firstIndent, string nextIndent)
    {
        var line = new StringBuilder(firstIndent);
        bool empty = true;
        foreach (string word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!empty && line.Length + 1 + word.Length > Width)
            {
                sb.AppendLine(line.ToString());
                line.Clear().Append(nextIndent);
                empty = true;
            }
            if (!empty) line.Append(' ');
            line.Append(word);
            empty = false;
        }
        if (!empty) sb.AppendLine(line.ToString());
    }
}
