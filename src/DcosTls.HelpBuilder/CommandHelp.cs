namespace DcosTls.HelpBuilder;

/// <summary>One cmdlet's help as PlatyPS markdown (schema 2.0.0) describes it.</summary>
public sealed class CommandHelp
{
    public string Name { get; set; } = string.Empty;
    public string Synopsis { get; set; } = string.Empty;
    public List<string> Description { get; } = new();
    public List<SyntaxBlock> Syntax { get; } = new();
    public List<ExampleHelp> Examples { get; } = new();
    public List<ParameterHelp> Parameters { get; } = new();
    public List<TypeHelp> Inputs { get; } = new();
    public List<TypeHelp> Outputs { get; } = new();
    public List<string> Notes { get; } = new();
    public List<string> RelatedLinks { get; } = new();
}

public sealed record SyntaxBlock(string SetName, bool IsDefault, string Text);

public sealed class ExampleHelp
{
    public string Title { get; set; } = string.Empty;
    public string Code { get; set; } = string.Empty;
    public List<string> Remarks { get; } = new();
    /// <summary>Marked with &lt;!-- runnable --&gt;: the help tests run it against their fixtures.</summary>
    public bool Runnable { get; set; }
}

public sealed class ParameterHelp
{
    public string Name { get; set; } = string.Empty;
    public List<string> Description { get; } = new();
    public string Type { get; set; } = "String";
    public List<string> ParameterSets { get; } = new();
    public string Aliases { get; set; } = "None";
    public string Required { get; set; } = "False";
    public string Position { get; set; } = "Named";
    public string DefaultValue { get; set; } = "None";
    public string PipelineInput { get; set; } = "False";
    public string Wildcards { get; set; } = "False";
    public string AcceptedValues { get; set; } = string.Empty;
}

public sealed record TypeHelp(string Name, List<string> Description);
