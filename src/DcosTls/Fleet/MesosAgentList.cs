namespace DcosTls.Fleet;

/// <summary>
/// Reads the leading master's agent list (GET /mesos/slaves through Admin Router): {"slaves": [...]}
/// with id, hostname, active, attributes, version and pid per agent.
/// </summary>
internal static class MesosAgentList
{
    /// <summary>The agents in the answer, in the master's order; FormatException when it is not an agent list.</summary>
    internal static IReadOnlyList<DcosAgent> Parse(string json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            throw new FormatException("the answer is not JSON");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("slaves", out var slaves) || slaves.ValueKind != JsonValueKind.Array)
                throw new FormatException("the answer has no 'slaves' list");
            var agents = new List<DcosAgent>();
            foreach (var slave in slaves.EnumerateArray())
            {
                string? id = Text(slave, "id");
                string? hostname = Text(slave, "hostname");
                if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(hostname))
                    throw new FormatException($"agent #{agents.Count + 1} has no id or hostname");
                bool active = !slave.TryGetProperty("active", out var a) || a.ValueKind != JsonValueKind.False;
                var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
                if (slave.TryGetProperty("attributes", out var attrs) && attrs.ValueKind == JsonValueKind.Object)
                {
                    // Mesos gives text attributes as strings, scalars as numbers and ranges/sets as text.
                    foreach (var p in attrs.EnumerateObject())
                        attributes[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
                }
                agents.Add(new DcosAgent(hostname, id, active, attributes, Text(slave, "version"), Text(slave, "pid")));
            }
            return agents;
        }
    }

    private static string? Text(JsonElement e, string name)
        => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
