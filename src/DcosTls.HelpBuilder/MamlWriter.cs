using System.Xml.Linq;

namespace DcosTls.HelpBuilder;

/// <summary>Writes MAML (the format Get-Help reads for binary cmdlets) from CommandHelp objects.</summary>
public static class MamlWriter
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    public static XDocument Write(IEnumerable<CommandHelp> commands)
    {
        var root = new XElement(Msh + "helpItems", new XAttribute("schema", "maml"),
            new XAttribute(XNamespace.Xmlns + "maml", Maml), new XAttribute(XNamespace.Xmlns + "command", Command),
            new XAttribute(XNamespace.Xmlns + "dev", Dev));
        foreach (var c in commands.OrderBy(c => c.Name, StringComparer.Ordinal)) root.Add(CommandElement(c));
        return new XDocument(new XDeclaration("1.0", "utf-8", null), root);
    }

    private static XElement CommandElement(CommandHelp c)
    {
        string[] verbNoun = c.Name.Split('-', 2);
        var parametersBySet = c.Syntax.Select(s => s.SetName).DefaultIfEmpty("__AllParameterSets").ToList();
        return new XElement(Command + "command",
            new XElement(Command + "details",
                new XElement(Command + "name", c.Name),
                new XElement(Command + "verb", verbNoun[0]),
                new XElement(Command + "noun", verbNoun.Length > 1 ? verbNoun[1] : string.Empty),
                Paras(Maml + "description", new[] { c.Synopsis })),
            Paras(Maml + "description", c.Description),
            new XElement(Command + "syntax", parametersBySet.Select(set => new XElement(Command + "syntaxItem",
                new XElement(Maml + "name", c.Name),
                c.Parameters.Where(p => p.ParameterSets.Count == 0 || p.ParameterSets.Contains("(All)") || p.ParameterSets.Contains(set) || set == "__AllParameterSets")
                    .Select(ParameterElement)))),
            new XElement(Command + "parameters", c.Parameters.Select(ParameterElement)),
            new XElement(Command + "inputTypes", c.Inputs.Select(t => new XElement(Command + "inputType", TypeElement(t.Name), Paras(Maml + "description", t.Description)))),
            new XElement(Command + "returnValues", c.Outputs.Select(t => new XElement(Command + "returnValue", TypeElement(t.Name), Paras(Maml + "description", t.Description)))),
            new XElement(Maml + "alertSet", new XElement(Maml + "alert", c.Notes.Select(n => new XElement(Maml + "para", n)))),
            new XElement(Command + "examples", c.Examples.Select(e => new XElement(Command + "example",
                new XElement(Maml + "title", $"-------------------------- {e.Title} --------------------------"),
                new XElement(Dev + "code", e.Code),
                Paras(Dev + "remarks", e.Remarks)))),
            new XElement(Command + "relatedLinks", c.RelatedLinks.Select(l => new XElement(Maml + "navigationLink",
                new XElement(Maml + "linkText", l), new XElement(Maml + "uri", l.StartsWith("http", StringComparison.Ordinal) ? l : string.Empty)))));
    }

    private static XElement ParameterElement(ParameterHelp p)
    {
        bool isSwitch = p.Type.Equals("SwitchParameter", StringComparison.OrdinalIgnoreCase);
        var element = new XElement(Command + "parameter",
            new XAttribute("required", p.Required.ToLowerInvariant()),
            new XAttribute("variableLength", p.Type.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false"),
            new XAttribute("globbing", p.Wildcards.ToLowerInvariant()),
            new XAttribute("pipelineInput", p.PipelineInput),
            new XAttribute("position", p.Position.ToLowerInvariant() == "named" ? "named" : p.Position),
            new XAttribute("aliases", p.Aliases),
            new XElement(Maml + "name", p.Name),
            Paras(Maml + "description", p.Description));
        if (p.AcceptedValues.Length > 0)
            element.Add(new XElement(Command + "parameterValueGroup",
                p.AcceptedValues.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                    .Select(v => new XElement(Command + "parameterValue", new XAttribute("required", "false"), new XAttribute("variableLength", "false"), v))));
        if (!isSwitch) element.Add(new XElement(Command + "parameterValue", new XAttribute("required", "true"), new XAttribute("variableLength", "false"), p.Type));
        element.Add(TypeElement(p.Type), new XElement(Dev + "defaultValue", p.DefaultValue));
        return element;
    }

    private static XElement TypeElement(string name) => new(Dev + "type", new XElement(Maml + "name", name), new XElement(Maml + "uri"));

    private static XElement Paras(XName name, IEnumerable<string> paragraphs)
        => new(name, paragraphs.Select(p => new XElement(Maml + "para", p)));
}
