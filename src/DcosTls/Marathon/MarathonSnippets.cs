using DcosTls.Credentials;

namespace DcosTls.Marathon;

/// <summary>The Marathon JSON an operator pastes into an app definition: the pull-secret reference and the fetch entry for a credentials archive.</summary>
internal static class MarathonSnippets
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>An image reference for the examples: the first registry's host, or a Hub name.</summary>
    internal static string ExampleImage(IReadOnlyList<string> registries)
    {
        string? first = registries.FirstOrDefault();
        return first == null || first == RegistryKey.DockerHub ? "your-org/app:1.0" : first + "/team/app:1.0";
    }

    internal static JsonObject Fetch(string uri) => new()
    {
        ["uri"] = uri,
        ["extract"] = true,
        ["executable"] = false,
        ["cache"] = false,
    };

    internal static string FetchEntry(string uri) => Fetch(uri).ToJsonString(Indented);

    /// <summary>The docker.tar.gz way: Docker containerizer only (UCR ignores the sandbox file).</summary>
    internal static string DockerApp(string uri, string image)
    {
        var app = SleepingApp("/private-app");
        app["container"] = new JsonObject
        {
            ["type"] = "DOCKER",
            ["docker"] = new JsonObject { ["image"] = image },
        };
        app["fetch"] = new JsonArray(Fetch(uri));
        return app.ToJsonString(Indented);
    }

    /// <summary>The secret way: UCR (container.type MESOS) with docker.pullConfig naming a secret.</summary>
    internal static string PullConfigApp(string appId, string secretPath, string image)
    {
        var app = SleepingApp(appId);
        app["container"] = new JsonObject
        {
            ["type"] = "MESOS",
            ["docker"] = new JsonObject
            {
                ["image"] = image,
                ["pullConfig"] = new JsonObject { ["secret"] = "pullConfigSecret" },
            },
        };
        app["secrets"] = new JsonObject
        {
            ["pullConfigSecret"] = new JsonObject { ["source"] = secretPath },
        };
        return app.ToJsonString(Indented);
    }

    /// <summary>The smallest app that stays up long enough to show that its image was pulled.</summary>
    private static JsonObject SleepingApp(string id) => new()
    {
        ["id"] = id,
        ["cmd"] = "sleep 3600",
        ["cpus"] = 0.1,
        ["mem"] = 64,
        ["instances"] = 1,
    };
}
