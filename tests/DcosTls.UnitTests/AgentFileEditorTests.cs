using DcosTls.Credentials;
using DcosTls.DockerDaemon;
using Xunit;

namespace DcosTls.UnitTests;

public class AgentFileEditorTests
{
    [Fact]
    public void Mesos_environment_file_gets_one_assignment_and_keeps_every_other_line()
    {
        const string before = "# agent settings\nMESOS_FOO=1\nMESOS_DOCKER_CONFIG=file:///old\nexport MESOS_DOCKER_CONFIG=file:///dup\nMESOS_BAR=2\n";
        string after = MesosEnvironmentFile.SetVariable(before, "MESOS_DOCKER_CONFIG", "file:///var/lib/dcos/docker_credentials");
        Assert.Equal("# agent settings\nMESOS_FOO=1\nMESOS_DOCKER_CONFIG=file:///var/lib/dcos/docker_credentials\nMESOS_BAR=2\n", after);
        Assert.Equal(1, MesosEnvironmentFile.CountAssignments(after, "MESOS_DOCKER_CONFIG"));
        Assert.Equal(after, MesosEnvironmentFile.SetVariable(after, "MESOS_DOCKER_CONFIG", "file:///var/lib/dcos/docker_credentials"));
    }

    [Theory]
    [InlineData(null, "X=1\n")]
    [InlineData("", "X=1\n")]
    [InlineData("A=1", "A=1\nX=1\n")]
    [InlineData("A=1\r\nB=2\r\n", "A=1\r\nB=2\r\nX=1\r\n")]
    [InlineData("#X=0\nXY=2\n", "#X=0\nXY=2\nX=1\n")]
    public void Mesos_environment_file_appends_a_missing_variable_in_the_file_own_line_ending(string? before, string after)
        => Assert.Equal(after, MesosEnvironmentFile.SetVariable(before, "X", "1"));

    [Theory]
    // A continued value keeps its lines; a continuation line that looks like an assignment is not one.
    [InlineData("A=1 \\\n2\nB=3\n", "A=1 \\\n2\nB=3\nX=1\n")]
    [InlineData("A=\\\nX=0\n", "A=\\\nX=0\nX=1\n")]
    // The variable's own continued assignment is replaced whole.
    [InlineData("X=0 \\\n  more\nB=3\n", "X=1\nB=3\n")]
    // A last line that still continues would swallow an appended line: the new line goes before it.
    [InlineData("B=3\nA=1 \\", "B=3\nX=1\nA=1 \\\n")]
    [InlineData("B=3\nA=1 \\\n", "B=3\nX=1\nA=1 \\\n")]
    // An even number of backslashes is an escaped backslash, not a continuation.
    [InlineData("A=c:\\\\\nX=0\n", "A=c:\\\\\nX=1\n")]
    // A comment continues too.
    [InlineData("# note \\\nX=0\n", "# note \\\nX=0\nX=1\n")]
    public void Mesos_environment_file_understands_line_continuations(string before, string after)
    {
        Assert.Equal(after, MesosEnvironmentFile.SetVariable(before, "X", "1"));
        Assert.Equal(after, MesosEnvironmentFile.SetVariable(after, "X", "1"));
        Assert.Equal(1, MesosEnvironmentFile.CountAssignments(after, "X"));
    }

    [Theory]
    [InlineData("/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock", "/usr/bin/dockerd --containerd=/run/containerd/containerd.sock")]
    [InlineData("/usr/bin/dockerd --host=tcp://0.0.0.0:2375 --tlsverify --tlscacert /x $DOCKER_OPTS", "/usr/bin/dockerd $DOCKER_OPTS")]
    [InlineData("-/usr/bin/dockerd -Hunix:///var/run/docker.sock", "-/usr/bin/dockerd")]
    public void Systemd_drop_in_drops_the_options_daemon_json_now_sets(string command, string expected)
        => Assert.Equal(expected, SystemdDropIn.WithoutHostOptions(command));

    [Fact]
    public void Systemd_drop_in_clears_the_unit_command_and_keeps_distribution_flags()
    {
        string unit = "[Service]\nExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock\n";
        string dropIn = SystemdDropIn.Build(path => path == "/lib/systemd/system/docker.service" ? unit : null);
        Assert.Contains("\nExecStart=\nExecStart=/usr/bin/dockerd --containerd=/run/containerd/containerd.sock\n", dropIn);
        Assert.Contains("ExecStart=" + SystemdDropIn.FallbackCommand + "\n", SystemdDropIn.Build(_ => null));
    }

    [Theory]
    [InlineData("tcp://10.0.0.21:2376", "Tcp", "10.0.0.21", 2376)]
    [InlineData("tcp://[::1]:2376", "Tcp", "::1", 2376)]
    [InlineData("tcp://agent.internal", "Tcp", "agent.internal", 2376)]
    [InlineData("tcp://:2376", "Tcp", "", 2376)]
    [InlineData("unix:///var/run/docker.sock", "Unix", "", 0)]
    [InlineData("fd://", "Fd", "", 0)]
    public void Docker_host_addresses_parse(string text, string kind, string host, int port)
    {
        var address = DockerHostAddress.TryParse(text, out string? problem);
        Assert.Null(problem);
        Assert.NotNull(address);
        Assert.Equal(kind, address!.Kind.ToString());
        Assert.Equal(host, address.Host);
        Assert.Equal(port, address.Port);
    }

    [Theory]
    [InlineData("tcp://0.0.0.0:2376", true, false)]
    [InlineData("tcp://127.0.0.1:2376", false, true)]
    [InlineData("tcp://localhost:2376", false, true)]
    [InlineData("tcp://10.0.0.21:2376", false, false)]
    public void Docker_host_addresses_know_what_they_expose(string text, bool any, bool loopback)
    {
        var address = DockerHostAddress.TryParse(text, out _)!;
        Assert.Equal(any, address.IsAnyInterface);
        Assert.Equal(loopback, address.IsLoopback);
    }

    [Theory]
    [InlineData("")]
    [InlineData("http://10.0.0.1:2376")]
    [InlineData("tcp://10.0.0.1:2376/path")]
    [InlineData("tcp://::1:2376")]
    [InlineData("tcp://10.0.0.1:70000")]
    [InlineData("unix://relative.sock")]
    [InlineData("unix:///var/../etc/x.sock")]
    [InlineData("tcp://bad_host!:2376")]
    public void Docker_host_addresses_refuse_what_dockerd_cannot_listen_on(string text)
    {
        Assert.Null(DockerHostAddress.TryParse(text, out string? problem));
        Assert.False(string.IsNullOrEmpty(problem));
    }
}
