using DcosTls.Tests.Infrastructure;
using DcosTls.Tests.Peers;
using Xunit;

namespace DcosTls.Tests.Fleet;

/// <summary>
/// Get-DcosAgent against the stand-in master: the agent list as objects, public/private filters,
/// agent ids from the pipeline, and what an operator sees when the cluster answers badly or there
/// is no session.
/// </summary>
[Collection(ClusterCollection.Name)]
public class GetDcosAgentTests : IDisposable
{
    private readonly AdminRouterFixture _cluster;

    public GetDcosAgentTests(AdminRouterFixture cluster)
    {
        _cluster = cluster;
        _cluster.MesosAgents.Clear();
        _cluster.MesosSlavesAnswer = null;
        _cluster.MesosAgents.Add(MesosAgentRecord.Private("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0-S0", "10.0.1.17"));
        _cluster.MesosAgents.Add(MesosAgentRecord.Public("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0-S1", "10.0.5.3"));
        _cluster.MesosAgents.Add(new MesosAgentRecord("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0-S2", "agent-2.dcos.example.internal", false,
            new Dictionary<string, object> { ["rack"] = "r7", ["gpus"] = 2 }));
    }

    public void Dispose()
    {
        _cluster.MesosAgents.Clear();
        _cluster.MesosSlavesAnswer = null;
    }

    private Pwsh Connected(TempDir dir, string user)
    {
        _cluster.AddUser(user, user + "-pw-77");
        var ps = new Pwsh(dir.Path).Set("cred", Secrets.Credential(user, user + "-pw-77")).Set("uri", _cluster.Uri).Set("ca", _cluster.CaPath);
        ps.Run("$s = Connect-DcosCluster -Uri $uri -Credential $cred -CaCertificatePath $ca").ThrowOnError();
        return ps;
    }

    [Fact]
    public void Lists_every_agent_with_its_address_id_role_state_and_attributes()
    {
        using var dir = new TempDir();
        using var ps = Connected(dir, "agents-all");
        var r = ps.Run("Get-DcosAgent | ForEach-Object { '{0}|{1}|{2}|{3}|{4}' -f $_.Hostname, $_.AgentId, $_.IsPublic, $_.Active, (($_.Attributes.GetEnumerator() | ForEach-Object { \"$($_.Key)=$($_.Value)\" }) -join ',') }").ThrowOnError();
        Assert.Equal(new[]
        {
            "10.0.1.17|0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0-S0|False|True|",
            "10.0.5.3|0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0-S1|True|True|public_ip=true",
            "agent-2.dcos.example.internal|0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0-S2|False|False|gpus=2,rack=r7",
        }, r.Output.Select(o => o.ToString()));
        Assert.Contains(_cluster.Requests, q => q.Path == "/mesos/slaves" && q.Authorization.StartsWith("token="));
    }

    [Fact]
    public void Public_and_Private_split_the_agents_and_ids_bind_from_the_pipeline()
    {
        using var dir = new TempDir();
        using var ps = Connected(dir, "agents-split");
        var r = ps.Run(@"
            (Get-DcosAgent -Public).Hostname -join ','
            (Get-DcosAgent -Private -Session $s).Hostname -join ','
            ([pscustomobject]@{ AgentId = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0-S2' } | Get-DcosAgent).Hostname
            ('0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0-S0' | Get-DcosAgent).Hostname").ThrowOnError();
        Assert.Equal(new[] { "10.0.5.3", "10.0.1.17,agent-2.dcos.example.internal", "agent-2.dcos.example.internal", "10.0.1.17" },
            r.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void An_unknown_agent_id_is_an_error_naming_it_and_the_others_still_come()
    {
        using var dir = new TempDir();
        using var ps = Connected(dir, "agents-unknown");
        var r = ps.Run("Get-DcosAgent -AgentId 'no-such-agent-S9', '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0-S1'");
        Assert.Equal("10.0.5.3", Assert.Single(r.Output).ToString());
        var error = Assert.Single(r.AllErrors);
        Assert.Equal("AgentNotFound,DcosTls.Cmdlets.GetDcosAgentCommand", error.FullyQualifiedErrorId);
        Assert.Contains("no-such-agent-S9", error.ToString());
    }

    [Theory]
    [InlineData(200, "text/html", "<html><body>Bad gateway page</body></html>", "AgentListInvalid", "ProtocolError")]
    [InlineData(200, "application/json", "{\"frameworks\": []}", "AgentListInvalid", "ProtocolError")]
    [InlineData(200, "application/json", "{\"slaves\": [{\"id\": \"x-S0\"}]}", "AgentListInvalid", "ProtocolError")]
    [InlineData(503, "text/plain", "no leader", "MesosLeaderUnavailable", "ProtocolError")]
    [InlineData(404, "text/html", "<html>not found</html>", "AgentListUnavailable", "ProtocolError")]
    public void A_bad_answer_is_one_error_saying_what_came_back_and_no_rows(int status, string type, string body, string id, string category)
    {
        using var dir = new TempDir();
        using var ps = Connected(dir, "agents-bad-" + status + id.Length + body.Length);
        _cluster.MesosSlavesAnswer = (status, type, body);
        var r = ps.Run("Get-DcosAgent");
        Assert.Empty(r.Output);
        var error = Assert.Single(r.AllErrors);
        Assert.Equal(id + ",DcosTls.Cmdlets.GetDcosAgentCommand", error.FullyQualifiedErrorId);
        Assert.Equal(category, error.CategoryInfo.Category.ToString());
        Assert.Contains("/mesos/slaves", error.ToString());
        Assert.DoesNotContain(_cluster.IssuedTokens, t => error.ToString().Contains(t));
    }

    [Fact]
    public void Without_a_session_it_says_to_connect_first()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        var r = ps.Run("Get-DcosAgent");
        Assert.Empty(r.Output);
        Assert.Equal("NoDcosSession,DcosTls.Cmdlets.GetDcosAgentCommand", Assert.Single(r.AllErrors).FullyQualifiedErrorId);
    }

    [Fact]
    public void The_view_columns_evaluate_on_a_real_agent()
    {
        using var dir = new TempDir();
        using var ps = Connected(dir, "agents-view");
        var agent = ps.Run("Get-DcosAgent -Public").ThrowOnError().Output.Single();
        var (_, view, type) = Help.FormatViewChecks.Views(ps).Single(v => v.Type == "DcosTls.Fleet.DcosAgent");
        Help.FormatViewChecks.AssertColumnsEvaluate(ps, view, type, agent);
    }
}
