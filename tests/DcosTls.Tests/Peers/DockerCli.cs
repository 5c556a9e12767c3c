using DcosTls.Tests.Infrastructure;

namespace DcosTls.Tests.Peers;

/// <summary>
/// The docker CLI as a user runs it, minus anything from this machine's environment: its own
/// empty config folder, and DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH only when a test
/// sets them.
/// </summary>
public static class DockerCli
{
    private static readonly string[] DockerVariables = { "DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_TLS", "DOCKER_CONTEXT", "DOCKER_CONFIG" };

    public static (int ExitCode, string Out, string Err) Run(string configDirectory, IEnumerable<string> args, IDictionary<string, string?>? env = null)
    {
        var environment = DockerVariables.ToDictionary(v => v, v => (string?)null);
        if (env != null) foreach (var (k, v) in env) environment[k] = v;
        Directory.CreateDirectory(configDirectory);
        return Tool.Run("docker", new[] { "--config", configDirectory }.Concat(args), env: environment, timeoutMs: 30_000);
    }
}
