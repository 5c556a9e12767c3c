using DcosTls.Session;

namespace DcosTls.Fleet;

/// <summary>Asks the cluster for its agents: GET /mesos/slaves, which Admin Router proxies to the leading master.</summary>
internal sealed class AgentDirectory(DcosSession session, Action<string> log, CancellationToken cancel)
{

    internal IReadOnlyList<DcosAgent> List()
    {
        var response = session.Client.Send(HttpMethod.Get, "/mesos/slaves", null, log, cancel);
        int status = (int)response.Status;
        if (status == 503)
            throw new DcosApiException("MesosLeaderUnavailable", $"GET /mesos/slaves on {session.ClusterUri} answered 503: the Mesos masters have no leader. Retry when the cluster has elected one.", status);
        if (status != 200)
            throw new DcosApiException("AgentListUnavailable", $"GET /mesos/slaves on {session.ClusterUri} answered HTTP {status}. Check that the address is a DC/OS master.", status);
        try
        {
            return MesosAgentList.Parse(response.Body);
        }
        catch (FormatException e)
        {
            throw new DcosApiException("AgentListInvalid", $"GET /mesos/slaves on {session.ClusterUri} did not return an agent list ({e.Message}). Check that the address is a DC/OS master.", status);
        }
    }
}
