using DcosTls.Common;

namespace DcosTls.Marathon;

/// <summary>A Marathon app as GET /v2/apps answers it: the fields an operator looks at, and the whole definition as JSON.</summary>
public sealed class MarathonApp
{
    internal MarathonApp() { }

    public string Id { get; internal init; } = string.Empty;
    public int Instances { get; internal init; }
    public int TasksRunning { get; internal init; }
    public int TasksHealthy { get; internal init; }
    public int TasksStaged { get; internal init; }

    /// <summary>The container image (container.docker.image), or null for a command app.</summary>
    public string? Image { get; internal init; }

    /// <summary>When this definition was deployed (Marathon's version, ISO-8601).</summary>
    public string Version { get; internal init; } = string.Empty;

    /// <summary>Ids of deployments that are changing the app now.</summary>
    public ValueList<string> Deployments { get; internal init; } = ValueList<string>.None;

    /// <summary>The running tasks (with -IncludeTasks): id, host, state, startedAt.</summary>
    public MarathonTask[] Tasks { get; internal init; } = Array.Empty<MarathonTask>();

    /// <summary>The app definition, JSON, as Marathon keeps it: pipe the object to Set-MarathonApp to apply it again.</summary>
    public string Definition { get; internal init; } = "{}";

    /// <summary>The cluster the app runs on.</summary>
    public string Cluster { get; internal init; } = string.Empty;

    public override string ToString() => $"{Id} ({TasksRunning}/{Instances} running)";

    internal static MarathonApp From(JsonObject app, string cluster)
    {
        int Int(string name) => app[name] is JsonValue v && v.TryGetValue<int>(out var i) ? i
            : app[name] is JsonValue d && double.TryParse(d.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ? (int)x : 0;
        string? Str(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        var tasks = (app["tasks"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().Select(t => new MarathonTask
        {
            Id = Str(t["id"]) ?? string.Empty,
            Host = Str(t["host"]) ?? string.Empty,
            AgentId = Str(t["slaveId"]) ?? Str(t["agentId"]) ?? string.Empty,
            State = Str(t["state"]) ?? string.Empty,
            StartedAt = Str(t["startedAt"]),
        }).ToArray();
        // The definition without what Marathon reports about the app's state.
        var definition = (JsonObject)app.DeepClone();
        foreach (string name in new[] { "tasks", "deployments", "tasksRunning", "tasksHealthy", "tasksStaged", "tasksUnhealthy", "lastTaskFailure", "readinessCheckResults", "versionInfo", "version", "counts" })
            definition.Remove(name);
        return new MarathonApp
        {
            Id = Str(app["id"]) ?? string.Empty,
            Instances = Int("instances"),
            TasksRunning = Int("tasksRunning"),
            TasksHealthy = Int("tasksHealthy"),
            TasksStaged = Int("tasksStaged"),
            Image = Str(app["container"]?["docker"]?["image"]),
            Version = Str(app["version"]) ?? string.Empty,
            Deployments = new ValueList<string>((app["deployments"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().Select(d => Str(d["id"])).OfType<string>()),
            Tasks = tasks,
            Definition = definition.ToJsonString(new JsonSerializerOptions { WriteIndented = true }),
            Cluster = cluster,
        };
    }
}

/// <summary>One task of a Marathon app.</summary>
public sealed class MarathonTask
{
    internal MarathonTask() { }

    public string Id { get; internal init; } = string.Empty;
    public string Host { get; internal init; } = string.Empty;
    public string AgentId { get; internal init; } = string.Empty;
    public string State { get; internal init; } = string.Empty;
    public string? StartedAt { get; internal init; }

    public override string ToString() => $"{Id} on {Host} ({State})";
}

/// <summary>What Set-, Remove- and Restart-MarathonApp did to an app and how its deployment ended.</summary>
public sealed class MarathonDeployment
{
    internal MarathonDeployment() { }

    public string AppId { get; internal init; } = string.Empty;

    /// <summary>Created, Replaced, Unchanged (nothing was sent), Removed or Restarted.</summary>
    public string Action { get; internal init; } = string.Empty;

    /// <summary>Succeeded, Started (-NoWait), NotNeeded (Unchanged), Failed or TimedOut.</summary>
    public string Status { get; internal set; } = string.Empty;

    /// <summary>Marathon's deployment id (null when nothing was sent).</summary>
    public string? DeploymentId { get; internal init; }

    /// <summary>The app version the change made.</summary>
    public string? Version { get; internal init; }

    /// <summary>The fields that differed from the running app (Replaced), by JSON path.</summary>
    public ValueList<string> Changed { get; internal init; } = ValueList<string>.None;

    /// <summary>How long the deployment was waited for.</summary>
    public TimeSpan Elapsed { get; internal set; }

    public override string ToString() => $"{AppId} {Action} ({Status})";
}
