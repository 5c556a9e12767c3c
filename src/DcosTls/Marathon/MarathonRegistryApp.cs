namespace DcosTls.Marathon;

/// <summary>The two JSON documents of a registry behind marathon-lb: marathon-lb's package options and the registry app.</summary>
public sealed class MarathonRegistryApp
{
    internal MarathonRegistryApp(string appId, string marathonLbName, int servicePort, string marathonLbOptions, string appDefinition)
    {
        AppId = appId;
        MarathonLbName = marathonLbName;
        ServicePort = servicePort;
        MarathonLbOptions = marathonLbOptions;
        AppDefinition = appDefinition;
    }

    public string AppId { get; }
    public string MarathonLbName { get; }
    public int ServicePort { get; }

    /// <summary>For `dcos package install --options=mlbint.json marathon-lb`.</summary>
    public string MarathonLbOptions { get; }

    /// <summary>For `dcos marathon app add registry.json`.</summary>
    public string AppDefinition { get; }

    /// <summary>The file AppDefinition was written to (-Path), or null.</summary>
    public string? Path { get; internal set; }

    /// <summary>The file MarathonLbOptions was written to (-MarathonLbOptionsPath), or null.</summary>
    public string? MarathonLbOptionsPath { get; internal set; }

    public override string ToString() => $"{AppId} behind {MarathonLbName}:{ServicePort}";
}
