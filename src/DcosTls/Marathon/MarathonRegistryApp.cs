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

    public override string ToString() => $"{AppId} behind {MarathonLbName}:{ServicePort}";
}
