using System.Text.RegularExpressions;

namespace DcosTls.HelpBuilder;

/// <summary>
/// Reads PlatyPS v1 (schema 2.0.0) cmdlet markdown: YAML front matter, "# Name", then "## SYNOPSIS",
/// "## SYNTAX" ("### Set (Default)" + code), "## DESCRIPTION", "## EXAMPLES" ("### Example" + code +
/// remarks), "## PARAMETERS" ("### -Name" + text + ```yaml metadata), "## INPUTS", "## OUTPUTS",
/// "## NOTES", "## RELATED LINKS".
/// </summary>
public static class MarkdownHelpReader
{
    private static readonly Regex Comment = new("<!--.*?-->", RegexOptions.Singleline);

    public static CommandHelp Read(string markdown)
    {
        var help = new CommandHelp();
        var lines = StripFrontMatter(markdown.Replace("\r\n", "\n")).Split('\n');
        string section = string.Empty;
        string? subsection = null;
        var buffer = new List<string>();
        void Flush()
        {
            Apply(help, section, subsection, buffer);
            buffer.Clear();
        }
        bool inFence = false;
        foreach (string line in lines)
        {
            if (line.StartsWith("```", StringComparison.Ordinal)) inFence = !inFence;
            if (!inFence && line.StartsWith("# ", StringComparison.Ordinal) && !line.StartsWith("## "))
            {
                Flush();
                help.Name = line[2..].Trim();
                section = "NAME";
                subsection = null;
            }
            else if (!inFence && line.StartsWith("## ", StringComparison.Ordinal))
            {
                Flush();
                section = line[3..].Trim().ToUpperInvariant();
                subsection = null;
            }
            else if (!inFence && line.StartsWith("### ", StringComparison.Ordinal))
            {
                Flush();
                subsection = line[4..].Trim();
            }
            else
            {
                buffer.Add(line);
            }
        }
        Flush();
        return help;
    }

    private static string StripFrontMatter(string text)
    {
        if (!text.StartsWith("---\n", StringComparison.Ordinal)) return text;
        int end = text.IndexOf("\n---\n", 4, StringComparison.Ordinal);
        return end < 0 ? text : text[(end + 5)..];
    }

    private static void Apply(CommandHelp help, string section, string? sub, List<string> lines)
    {
        string raw = string.Join("\n", lines);
        bool runnable = raw.Contains("<!-- runnable -->", StringComparison.Ordinal);
        raw = Comment.Replace(raw, string.Empty);
        var (text, fences) = SplitFences(raw);
        switch (section)
        {
            case "SYNOPSIS":
                help.Synopsis = string.Join(" ", Paragraphs(text));
                break;
            case "DESCRIPTION":
                help.Description.AddRange(Paragraphs(text));
                break;
            case "NOTES":
                help.Notes.AddRange(Paragraphs(text));
                break;
            case "SYNTAX" when sub != null:
                bool isDefault = sub.EndsWith("(Default)", StringComparison.Ordinal);
                help.Syntax.Add(new SyntaxBlock(sub.Replace("(Default)", string.Empty).Trim(), isDefault, fences.FirstOrDefault().Code ?? string.Empty));
                break;
            case "EXAMPLES" when sub != null:
                var example = new ExampleHelp { Title = sub, Runnable = runnable, Code = string.Join("\n\n", fences.Select(f => f.Code)) };
                example.Remarks.AddRange(Paragraphs(text));
                help.Examples.Add(example);
                break;
            case "PARAMETERS" when sub != null && sub.StartsWith('-'):
                var parameter = new ParameterHelp { Name = sub[1..].Trim() };
                parameter.Description.AddRange(Paragraphs(text));
                var yaml = fences.FirstOrDefault(f => f.Language == "yaml").Code;
                if (yaml != null) ApplyYaml(parameter, yaml);
                help.Parameters.Add(parameter);
                break;
            case "INPUTS" when sub != null:
                help.Inputs.Add(new TypeHelp(sub, Paragraphs(text)));
                break;
            case "OUTPUTS" when sub != null:
                help.Outputs.Add(new TypeHelp(sub, Paragraphs(text)));
                break;
            case "RELATED LINKS":
                help.RelatedLinks.AddRange(Paragraphs(text).Select(p => Regex.Replace(p, @"\[(.*?)\]\((.*?)\)", "$1")));
                break;
        }
    }

    private static void ApplyYaml(ParameterHelp p, string yaml)
    {
        foreach (string line in yaml.Split('\n'))
        {
            int colon = line.IndexOf(':');
            if (colon < 0) continue;
            string key = line[..colon].Trim(), value = line[(colon + 1)..].Trim();
            switch (key)
            {
                case "Type": p.Type = value; break;
                case "Parameter Sets": p.ParameterSets.AddRange(value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)); break;
                case "Aliases": p.Aliases = value.Length == 0 ? "None" : value; break;
                case "Required": p.Required = value; break;
                case "Position": p.Position = value; break;
                case "Default value": p.DefaultValue = value; break;
                case "Accept pipeline input": p.PipelineInput = value; break;
                case "Accept wildcard characters": p.Wildcards = value; break;
                case "Accepted values": p.AcceptedValues = value; break;
            }
        }
    }

    private static (string Text, List<(string? Language, string? Code)> Fences) SplitFences(string raw)
    {
        var fences = new List<(string?, string?)>();
        var text = new List<string>();
        var code = new List<string>();
        string? language = null;
        bool inside = false;
        foreach (string line in raw.Split('\n'))
        {
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                if (inside) { fences.Add((language, string.Join("\n", code))); code.Clear(); }
                else language = line[3..].Trim();
                inside = !inside;
                continue;
            }
            (inside ? code : text).Add(line);
        }
        return (string.Join("\n", text), fences);
    }

    /// <summary>Blank-line separated paragraphs, lines joined; list items kept on their own lines.</summary>
    public static List<string> Paragraphs(string text)
        => Regex.Split(text.Trim(), @"\n\s*\n")
            .Select(p => string.Join("\n", p.Split('\n').Select(l => l.TrimEnd()))
            .Trim())
            .Where(p => p.Length > 0)
            .Select(p => p.Split('\n').All(l => l.StartsWith("- ") || l.StartsWith("  ")) ? p : Regex.Replace(p, @"\s*\n\s*", " "))
            .ToList();
}
