namespace DcosTls.Marathon;

/// <summary>The two JSON documents of a registry behind marathon-lb: marathon-lb's package options and the registry app.</summary>
public sealed class MarathonRegistryApp
{
    /// <summary>Made only by the module; its properties are set once, when it is made.</summary>
    internal MarathonRegistryApp() { }

    public string AppId { get; internal init; } = string.Empty;
    public string MarathonLbName { get; internal init; } = string.Empty;
    public int ServicePort { get; internal init; }

    /// <summary>For `dcos package install --options=mlbint.json marathon-lb`.</summary>
    public string MarathonLbOptions { get; internal init; } = string.Empty;

    /// <summary>For `dcos marathon app add registry.json`.</summary>
    public string AppDefinition { get; internal init; } = string.Empty;

    /// <summary>The file AppDefinition was written to (-Path), or null.</summary>
    public string? Path { get; internal set; }

    /// <summary>The file MarathonLbOptions was written to (-MarathonLbOptionsPath), or null.</summary>
    public string? MarathonLbOptionsPath { get; internal set; }

    public override string ToString() => $"{AppId} behind {MarathonLbName}:{ServicePort}";
}
