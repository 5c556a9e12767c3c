using DcosTls.Common;
using Xunit;

namespace DcosTls.UnitTests;

public class ProcessRunnerTests
{
    [Fact]
    public void Reads_both_streams_at_once_so_a_chatty_command_cannot_block()
    {
        // 1 MiB on stderr before anything on stdout: a runner that read stdout to its end first would
        // wait forever once the stderr pipe (64 KiB) filled.
        var result = ProcessRunner.Run("sh", "-c", "head -c 1048576 /dev/zero | tr '\\0' e >&2; echo done; exit 3");
        Assert.True(result.Started);
        Assert.Equal(3, result.ExitCode);
        Assert.Equal("done\n", result.Output);
        Assert.Equal(1048576, result.Error.Length);
        Assert.False(result.Succeeded);
    }

    [Fact]
    public void Passes_arguments_as_they_are_without_a_shell()
    {
        var result = ProcessRunner.Run("printf", "%s|", "a b", "$HOME", "'q'");
        Assert.True(result.Succeeded);
        Assert.Equal("a b|$HOME|'q'|", result.Output);
    }

    [Fact]
    public void A_command_that_does_not_exist_is_reported_not_thrown()
    {
        var result = ProcessRunner.Run("/nonexistent/dcostls-no-such-command", "x");
        Assert.False(result.Started);
        Assert.StartsWith("'/nonexistent/dcostls-no-such-command x' could not be started", result.Describe());
    }

    [Fact]
    public void Describes_a_failure_with_what_the_command_printed()
    {
        var result = ProcessRunner.Run("sh", "-c", "echo 'Unit docker.service not found.' >&2; exit 5");
        Assert.Equal("'sh -c echo 'Unit docker.service not found.' >&2; exit 5' exited with 5: Unit docker.service not found.", result.Describe());
    }
}
