using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace DcosTls.Tests.Peers;

/// <summary>
/// The leading Mesos master behind the stand-in Admin Router: GET /mesos/slaves (token required)
/// answers {"slaves": [...]} from <see cref="MesosAgents"/>, in the shape of Mesos' /master/slaves;
/// <see cref="MesosSlavesAnswer"/> replaces the answer (a leaderless master, a proxy's HTML page).
/// </summary>
public sealed partial class AdminRouterFixture
{
    /// <summary>The agents the master reports, in order. Tests of one collection run one at a time.</summary>
    public List<MesosAgentRecord> MesosAgents { get; } = new();

    /// <summary>When set: the status, content type and body to answer instead of the agent list.</summary>
    public (int Status, string ContentType, string Body)? MesosSlavesAnswer { get; set; }

    partial void MapMesosEndpoints(WebApplication app)
    {
        app.MapGet("/mesos/slaves", (Func<HttpContext, IResult>)Slaves);
    }

    private IResult Slaves(HttpContext ctx)
    {
        if (AuthenticatedUid(ctx) == null) return Unauthorized(ctx);
        if (MesosSlavesAnswer is { } answer)
            return Results.Content(answer.Body, answer.ContentType, System.Text.Encoding.UTF8, answer.Status);
        var slaves = new JsonArray();
        foreach (var a in MesosAgents.ToList())
        {
            var attributes = new JsonObject();
            foreach (var (k, v) in a.Attributes) attributes[k] = v switch { string t => JsonValue.Create(t), int i => JsonValue.Create(i), _ => JsonValue.Create(Convert.ToDouble(v)) };
            var slave = new JsonObject
            {
                ["id"] = a.Id, ["hostname"] = a.Hostname, ["port"] = 5051, ["pid"] = $"slave(1)@{a.Hostname}:5051",
                ["active"] = a.Active, ["attributes"] = attributes, ["version"] = "1.10.0",
                ["resources"] = new JsonObject { ["cpus"] = 4.0, ["mem"] = 14861.0 },
            };
            if (a.Attributes.ContainsKey("public_ip"))
                slave["reserved_resources"] = new JsonObject { ["slave_public"] = new JsonObject { ["cpus"] = 4.0 } };
            slaves.Add(slave);
        }
        return Json(new JsonObject { ["slaves"] = slaves, ["recovered_slaves"] = new JsonArray() }, 200);
    }
}

/// <summary>One agent as a test wants the master to report it; attribute values are strings or numbers.</summary>
public sealed record MesosAgentRecord(string Id, string Hostname, bool Active, IReadOnlyDictionary<string, object> Attributes)
{
    public static MesosAgentRecord Private(string id, string hostname, bool active = true)
        => new(id, hostname, active, new Dictionary<string, object>());

    public static MesosAgentRecord Public(string id, string hostname)
        => new(id, hostname, true, new Dictionary<string, object> { ["public_ip"] = "true" });
}
