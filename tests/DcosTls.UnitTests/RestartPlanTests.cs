using System.Management.Automation;
using DcosTls.Fleet;
using Xunit;

namespace DcosTls.UnitTests;

/// <summary>
/// Which changed agent file restarts which unit, in which order (the rollout's -Restart). The rows are
/// built as they come back over remoting: deserialized, their type name prefixed, enums as text.
/// </summary>
public class RestartPlanTests
{
    private const string TlsFile = "Deserialized.DcosTls.DockerDaemon.DockerTlsFile";
    private const string MesosConfig = "Deserialized.DcosTls.Credentials.MesosDockerConfigResult";
    private const string Trust = "Deserialized.DcosTls.Trust.RegistryTrustResult";
    private const string Archive = "Deserialized.DcosTls.Credentials.DockerAuthArchive";
    private const string ClientFiles = "Deserialized.DcosTls.DockerDaemon.DockerClientSettings";

    private static PSObject Row(string type, string action, string? environmentAction = null, string? target = null)
    {
        var row = new PSObject();
        row.TypeNames.Clear();
        row.TypeNames.Add(type);
        row.TypeNames.Add("Deserialized.System.Object");
        row.Properties.Add(new PSNoteProperty("Action", action));
        if (environmentAction != null) row.Properties.Add(new PSNoteProperty("EnvironmentAction", environmentAction));
        if (target != null) row.Properties.Add(new PSNoteProperty("Target", target));
        return row;
    }

    private static RestartPlan PlanOf(params PSObject[] rows) => RestartPlan.For(AgentRollout.ChangesOf(rows), Array.Empty<string>(), "dcos-mesos-slave");

    [Theory]
    [InlineData(TlsFile, "Created", null, null, nameof(AgentChange.DockerDaemon))]
    [InlineData(TlsFile, "Updated", null, null, nameof(AgentChange.DockerDaemon))]
    [InlineData(TlsFile, "Unchanged", null, null, nameof(AgentChange.None))]
    [InlineData(MesosConfig, "Updated", "Unchanged", null, nameof(AgentChange.MesosAgent))]
    [InlineData(MesosConfig, "Unchanged", "Created", null, nameof(AgentChange.MesosAgent))]
    [InlineData(MesosConfig, "Unchanged", "Unchanged", null, nameof(AgentChange.None))]
    [InlineData(Trust, "Created", null, "System", nameof(AgentChange.SystemTrust))]
    [InlineData(Trust, "Unchanged", null, "System", nameof(AgentChange.None))]
    [InlineData(Trust, "Created", null, "Docker", nameof(AgentChange.None))]
    [InlineData(Trust, "Created", null, "Mesos", nameof(AgentChange.None))]
    [InlineData(Trust, "Updated", null, "LegacyBundle", nameof(AgentChange.None))]
    [InlineData(Archive, "Created", null, null, nameof(AgentChange.None))]
    [InlineData(ClientFiles, "Created", null, null, nameof(AgentChange.None))]
    [InlineData("Deserialized.DcosTls.Fleet.ClientFile", "Created", null, null, nameof(AgentChange.None))]
    public void A_row_needs_what_its_file_is_read_by(string type, string action, string? environmentAction, string? target, string expected)
        => Assert.Equal(Enum.Parse<AgentChange>(expected), Assert.Single(AgentRollout.ChangesOf(new[] { Row(type, action, environmentAction, target) })));

    [Fact]
    public void Daemon_tls_and_credentials_restart_docker_then_the_mesos_agent_after_a_daemon_reload_and_drain()
    {
        var plan = PlanOf(Row(MesosConfig, "Updated", "Created"), Row(TlsFile, "Created"), Row(Trust, "Created", target: "Docker"));
        Assert.Equal(new[] { "docker", "dcos-mesos-slave" }, plan.Units);
        Assert.True(plan.DaemonReload);
        Assert.True(plan.Drain);
        Assert.Equal(new[] { "systemctl daemon-reload", "systemctl restart docker.service", "systemctl restart dcos-mesos-slave.service" }, plan.Steps);
    }

    [Fact]
    public void Credentials_alone_restart_the_agents_own_mesos_unit_without_a_drain()
    {
        var rows = AgentRollout.ChangesOf(new[] { Row(MesosConfig, "Updated", "Unchanged") });
        var plan = RestartPlan.For(rows, Array.Empty<string>(), "dcos-mesos-slave-public");
        Assert.Equal(new[] { "dcos-mesos-slave-public" }, plan.Units);
        Assert.True(plan.DaemonReload);
        Assert.False(plan.Drain);
    }

    [Fact]
    public void Credentials_on_a_host_without_a_mesos_unit_are_refused_naming_it()
    {
        var e = Assert.Throws<InvalidOperationException>(() =>
            RestartPlan.For(new[] { AgentChange.MesosAgent }, Array.Empty<string>(), null));
        Assert.Contains("neither dcos-mesos-slave nor dcos-mesos-slave-public", e.Message);
    }

    [Fact]
    public void Os_trust_rebuilds_the_bundle_and_restarts_no_unit()
    {
        var plan = PlanOf(Row(Trust, "Created", target: "System"), Row(Trust, "Created", target: "Docker"));
        Assert.Empty(plan.Units);
        Assert.False(plan.DaemonReload);
        Assert.False(plan.Drain);
        Assert.True(plan.SystemTrustUpdated);
        Assert.Equal(new[] { "OS trust bundle rebuilt by Install-DockerRegistryTrust (no restart)" }, plan.Steps);
    }

    [Fact]
    public void Pull_time_trust_and_the_fetcher_archive_restart_nothing()
    {
        var plan = PlanOf(Row(Trust, "Created", target: "Docker"), Row(Trust, "Created", target: "Mesos"), Row(Archive, "Created"), Row(ClientFiles, "Updated"));
        Assert.Empty(plan.Units);
        Assert.False(plan.SystemTrustUpdated);
        Assert.Empty(plan.Steps);
    }

    [Fact]
    public void An_unchanged_agent_restarts_nothing()
    {
        var plan = PlanOf(Row(TlsFile, "Unchanged"), Row(MesosConfig, "Unchanged", "Unchanged"), Row(Trust, "Unchanged", target: "System"), Row(TlsFile, "Skipped"));
        Assert.Empty(plan.Units);
        Assert.False(plan.DaemonReload);
        Assert.Empty(plan.Steps);
        Assert.Empty(RestartPlan.For(Array.Empty<AgentChange>(), Array.Empty<string>(), "dcos-mesos-slave").Units);
    }

    [Fact]
    public void Units_a_failed_rollout_left_pending_restart_on_the_rerun_docker_first()
    {
        // Nothing changes any more on the rerun; the pending list is all there is.
        var plan = RestartPlan.For(Array.Empty<AgentChange>(), new[] { "dcos-mesos-slave", "docker", "" }, "dcos-mesos-slave");
        Assert.Equal(new[] { "docker", "dcos-mesos-slave" }, plan.Units);
        Assert.True(plan.Drain);
        // A pending unit is not restarted twice when the rerun changes it again.
        var again = RestartPlan.For(new[] { AgentChange.MesosAgent }, new[] { "dcos-mesos-slave" }, "dcos-mesos-slave");
        Assert.Equal(new[] { "dcos-mesos-slave" }, again.Units);
    }

    [Theory]
    [InlineData("Performing the operation \"Write\" on target \"/etc/docker/daemon.json\".", nameof(AgentChange.DockerDaemon))]
    [InlineData("Performing the operation \"Write\" on target \"/etc/systemd/system/docker.service.d/dcostls-tls.conf\".", nameof(AgentChange.DockerDaemon))]
    [InlineData("Make a daemon key on the agent and a certificate from CN=Fleet CA, then set daemon TLS", nameof(AgentChange.DockerDaemon))]
    [InlineData("Performing the operation \"Write\" on target \"/var/lib/dcos/mesos-slave-common\".", nameof(AgentChange.MesosAgent))]
    [InlineData("Set registry credentials for repo.internal:5000", nameof(AgentChange.MesosAgent))]
    [InlineData("Performing the operation \"Create\" on target \"/usr/local/share/ca-certificates/registry-ca.crt\".", nameof(AgentChange.SystemTrust))]
    [InlineData("Performing the operation \"Create\" on target \"/etc/pki/trust/anchors/registry-ca.pem\".", nameof(AgentChange.SystemTrust))]
    [InlineData("Performing the operation \"Rebuild the system trust bundle\" on target \"update-ca-certificates\".", nameof(AgentChange.SystemTrust))]
    [InlineData("Install registry trust for repo.internal:5000 (1 CA certificates) in Docker, Mesos, System", nameof(AgentChange.SystemTrust))]
    public void A_what_if_line_needs_what_its_file_is_read_by(string line, string expected)
        => Assert.Equal(Enum.Parse<AgentChange>(expected), Assert.Single(RestartPlan.Classify(line)));

    [Theory]
    [InlineData("Performing the operation \"Create\" on target \"/etc/docker/certs.d/repo.internal:5000/ca.crt\".")]
    [InlineData("Performing the operation \"Create\" on target \"/var/lib/dcos/pki/tls/certs/registry-ca.crt\".")]
    [InlineData("Performing the operation \"Write\" on target \"/etc/docker.tar.gz\".")]
    [InlineData("Install registry trust for repo.internal:5000 (1 CA certificates) in Docker, Mesos")]
    [InlineData("Update module DcosTls 1.0.0 in /root/.local/share/powershell/Modules/DcosTls/1.0.0 (3 files)")]
    [InlineData("Make a client key on the agent and a client certificate for 'ops' from CN=Fleet CA, then install it in /root/.docker (the agent has no client certificate there yet; no restart)")]
    public void A_what_if_line_read_at_use_needs_nothing(string line)
        => Assert.Empty(RestartPlan.Classify(line));
}
