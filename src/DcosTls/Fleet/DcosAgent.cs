using System.Collections.ObjectModel;

namespace DcosTls.Fleet;

/// <summary>
/// One Mesos agent of a cluster, as the leading master knows it: the address remoting reaches it by,
/// its id, whether it is a public agent, and its attributes. Pipes on to fleet cmdlets by Hostname.
/// </summary>
public sealed class DcosAgent
{
    internal DcosAgent(string hostname, string agentId, bool active, IDictionary<string, string> attributes, string? version, string? pid)
    {
        Hostname = hostname;
        AgentId = agentId;
        Active = active;
        Attributes = new AgentAttributes(attributes);
        Version = version;
        Pid = pid;
    }

    /// <summary>What the agent registered with (often its IP): the address to open a session to.</summary>
    public string Hostname { get; }

    /// <summary>The Mesos agent id (&lt;framework-uuid&gt;-S&lt;n&gt;).</summary>
    public string AgentId { get; }

    /// <summary>A public agent: DC/OS marks those with the attribute public_ip = true.</summary>
    public bool IsPublic => Attributes.TryGetValue("public_ip", out var v) && string.Equals(v, "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>False for an agent the master has marked inactive (deactivated or unreachable).</summary>
    public bool Active { get; }

    /// <summary>The agent's Mesos attributes, each value as text.</summary>
    public AgentAttributes Attributes { get; }

    /// <summary>The Mesos version the agent runs, when the master reports it.</summary>
    public string? Version { get; }

    /// <summary>The agent's libprocess address (slave(1)@ip:port).</summary>
    public string? Pid { get; }

    public override string ToString() => Hostname;
}

/// <summary>
/// An agent's attributes by name, sorted; its text is "name=value, ..." so that Export-Csv writes the
/// attributes rather than a type name, while pwsh and ConvertTo-Json still see a dictionary.
/// </summary>
public sealed class AgentAttributes : ReadOnlyDictionary<string, string>
{
    internal AgentAttributes(IDictionary<string, string> attributes)
        : base(new SortedDictionary<string, string>(attributes, StringComparer.Ordinal))
    {
    }

    public override string ToString() => string.Join(", ", this.Select(p => $"{p.Key}={p.Value}"));
}
