using System.Text.Json.Nodes;
using DcosTls.Common;
using DcosTls.Session;

namespace DcosTls.Fleet;

/// <summary>One agent as the leading master's v1 operator API reports it (GET_AGENTS).</summary>
internal sealed record MesosAgentState(string Id, string Hostname, bool Active, bool Deactivated, string? DrainState, long ReregisteredNs);

/// <summary>
/// The leading Mesos master's v1 operator API through Admin Router (POST /mesos/api/v1, Mesos 1.9 and
/// later = DC/OS 2.0 and later): DRAIN_AGENT, REACTIVATE_AGENT and GET_AGENTS, as a rollout takes an
/// agent out of service and puts it back. A drain cannot be cancelled: it kills the agent's tasks so
/// that their schedulers place them elsewhere; only REACTIVATE_AGENT ends it.
/// </summary>
internal sealed class MesosOperator(DcosSession session, Action<string> log, CancellationToken cancel)
{
    internal const string Path = "/mesos/api/v1";

    internal Uri Cluster => session.ClusterUri;

    /// <summary>The caller's stop: a rollout's waits end with it.</summary>
    internal CancellationToken Cancel => cancel;

    /// <summary>Every agent the master knows, by GET_AGENTS.</summary>
    internal IReadOnlyList<MesosAgentState> Agents()
    {
        var response = Call(new JsonObject { ["type"] = "GET_AGENTS" }, "GET_AGENTS");
        try
        {
            var agents = JsonNode.Parse(response.Body)?["get_agents"]?["agents"]?.AsArray()
                         ?? throw new FormatException("no get_agents.agents list");
            return agents.Select(a => new MesosAgentState(
                (string?)a?["agent_info"]?["id"]?["value"] ?? throw new FormatException("an agent without agent_info.id"),
                (string?)a?["agent_info"]?["hostname"] ?? string.Empty,
                a?["active"]?.GetValue<bool>() ?? false,
                a?["deactivated"]?.GetValue<bool>() ?? false,
                (string?)a?["drain_info"]?["state"],
                a?["reregistered_time"]?["nanoseconds"]?.GetValue<long>() ?? a?["registered_time"]?["nanoseconds"]?.GetValue<long>() ?? 0)).ToList();
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or InvalidOperationException)
        {
            throw new DcosApiException("MesosAgentsInvalid", $"GET_AGENTS on {session.ClusterUri}{Path} did not return an agent list ({e.Message}). Check that the cluster runs DC/OS 2.0 or later.", (int)response.Status);
        }
    }

    /// <summary>The agent an SSH host name stands for: the master lists agents by the address they announce.</summary>
    internal MesosAgentState? Find(string hostName)
        => Agents().FirstOrDefault(a => string.Equals(a.Hostname, hostName, StringComparison.OrdinalIgnoreCase));

    internal MesosAgentState? Get(string agentId) => Agents().FirstOrDefault(a => a.Id == agentId);

    /// <summary>
    /// Whether the leading master has DRAIN_AGENT (Mesos 1.9 and later = DC/OS 2.0 and later), by
    /// GET_VERSION; <paramref name="found"/> names the version (or that the master does not know the
    /// call: a master older than the v1 operator API). DC/OS 1.13 and earlier have maintenance windows
    /// only, which move no task.
    /// </summary>
    internal bool HasDrain(out string found)
    {
        string? version;
        try
        {
            var response = Call(new JsonObject { ["type"] = "GET_VERSION" }, "GET_VERSION");
            version = (string?)JsonNode.Parse(response.Body)?["get_version"]?["version_info"]?["version"];
        }
        catch (DcosApiException e) when (e.StatusCode is 400 or 404)
        {
            found = $"a Mesos master that does not know GET_VERSION (HTTP {e.StatusCode})";
            return false;
        }
        catch (System.Text.Json.JsonException)
        {
            version = null;
        }
        found = version == null ? "a Mesos master of unknown version" : $"Mesos {version}";
        var numbers = (version ?? string.Empty).Split('.', '-').Take(2).Select(p => int.TryParse(p, out int n) ? n : -1).ToArray();
        // An answer without a version is taken at its word: the drain itself then says what it finds.
        return numbers.Length < 2 || numbers.Contains(-1) || numbers[0] > 1 || (numbers[0] == 1 && numbers[1] >= 9);
    }

    /// <summary>
    /// The v1 operator API's answer to a call it does not know (Mesos before 1.9 for DRAIN_AGENT): a 400.
    /// A master with the drain API answers a call it rejects with a 400 too, so a caller asks
    /// <see cref="HasDrain"/> before it takes a 400 for "no drain API".
    /// </summary>
    internal static bool IsUnknownCall(DcosApiException e) => e.StatusCode == 400 && e.ErrorId == "MesosOperatorCallFailed";

    /// <summary>DRAIN_AGENT (never mark_gone): the agent is deactivated and its tasks are killed within the grace period.</summary>
    internal void Drain(string agentId, TimeSpan maxGracePeriod)
        => Call(new JsonObject
        {
            ["type"] = "DRAIN_AGENT",
            ["drain_agent"] = new JsonObject
            {
                ["agent_id"] = new JsonObject { ["value"] = agentId },
                ["max_grace_period"] = new JsonObject { ["seconds"] = (long)maxGracePeriod.TotalSeconds },
                ["mark_gone"] = false,
            },
        }, "DRAIN_AGENT");

    /// <summary>REACTIVATE_AGENT: the agent gets offers again (ends a drain).</summary>
    internal void Reactivate(string agentId)
        => Call(new JsonObject
        {
            ["type"] = "REACTIVATE_AGENT",
            ["reactivate_agent"] = new JsonObject { ["agent_id"] = new JsonObject { ["value"] = agentId } },
        }, "REACTIVATE_AGENT");

    /// <summary>The REACTIVATE_AGENT call an operator can send by hand, for a row that leaves an agent drained.</summary>
    internal string ReactivateHint(string agentId)
        => $"POST {session.ClusterUri.ToString().TrimEnd('/')}{Path} {{\"type\":\"REACTIVATE_AGENT\",\"reactivate_agent\":{{\"agent_id\":{{\"value\":\"{agentId}\"}}}}}} (or: dcos node reactivate {agentId})";

    private DcosResponse Call(JsonObject body, string what)
    {
        // Every call here may be sent again (a second DRAIN_AGENT or REACTIVATE_AGENT changes nothing):
        // a master that did not answer once is asked twice more before the rollout gives up.
        DcosResponse response;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                response = session.Client.Send(HttpMethod.Post, Path, body.DeepClone(), log, cancel);
                break;
            }
            catch (DcosApiException e) when (e.StatusCode == 0 && attempt < 3 && !cancel.IsCancellationRequested)
            {
                log($"{what}: {e.Message} Trying again.");
                cancel.WaitHandle.WaitOne(TimeSpan.FromSeconds(attempt));
            }
        }
        int status = (int)response.Status;
        if (status == 404 && what is not ("GET_AGENTS" or "GET_VERSION"))
            throw new DcosApiException("MesosAgentUnknown", $"{what} on {session.ClusterUri}{Path} answered 404: the master does not know the agent. Check with Get-DcosAgent.", status);
        if (status == 503)
            throw new DcosApiException("MesosLeaderUnavailable", $"{what} on {session.ClusterUri}{Path} answered 503: the Mesos masters have no leader. Retry when the cluster has elected one.", status);
        if (status is < 200 or > 299)
            throw new DcosApiException("MesosOperatorCallFailed", $"{what} on {session.ClusterUri}{Path} answered HTTP {status}: {ServerText.Quote(response.Body.Length > 200 ? response.Body[..200] : response.Body)}. The drain API needs DC/OS 2.0 or later.", status);
        return response;
    }
}
