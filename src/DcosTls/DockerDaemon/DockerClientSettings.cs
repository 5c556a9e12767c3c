using DcosTls.Common;

namespace DcosTls.DockerDaemon;

/// <summary>What Install-DockerClientCertificate installed, and the environment the docker CLI needs.</summary>
public sealed class DockerClientSettings
{
    internal DockerClientSettings(string certPath, string? dockerHost, IReadOnlyList<DockerTlsFile> files)
    {
        DockerCertPath = certPath;
        DockerHost = dockerHost;
        Files = new ValueList<DockerTlsFile>(files, "; ");
        var lines = new List<string>();
        if (dockerHost != null) lines.Add("export DOCKER_HOST=" + ShellQuote(dockerHost));
        // Any non-empty value turns verification on, "0" included; "1" says what it does.
        lines.Add("export DOCKER_TLS_VERIFY=1");
        lines.Add("export DOCKER_CERT_PATH=" + ShellQuote(certPath));
        EnvironmentLines = new ValueList<string>(lines, "\n");
        // The same settings for a pwsh session: Invoke-Expression them, or paste them.
        var pwsh = new List<string>();
        if (dockerHost != null) pwsh.Add("$env:DOCKER_HOST = " + PwshQuote(dockerHost));
        pwsh.Add("$env:DOCKER_TLS_VERIFY = '1'");
        pwsh.Add("$env:DOCKER_CERT_PATH = " + PwshQuote(certPath));
        PowerShellLines = new ValueList<string>(pwsh, "\n");
    }

    /// <summary>The folder holding ca.pem, cert.pem and key.pem (DOCKER_CERT_PATH).</summary>
    public string DockerCertPath { get; }

    /// <summary>tcp://host:port of the daemon, when given.</summary>
    public string? DockerHost { get; }

    public string DockerTlsVerify => "1";

    public ValueList<DockerTlsFile> Files { get; }

    /// <summary>POSIX shell lines to paste or source.</summary>
    public ValueList<string> EnvironmentLines { get; }

    /// <summary>pwsh lines ($env:DOCKER_HOST = '...') to paste or Invoke-Expression.</summary>
    public ValueList<string> PowerShellLines { get; }

    public override string ToString() => string.Join("\n", EnvironmentLines);

    /// <summary>A single-quoted pwsh string: nothing in it expands; a quote is doubled.</summary>
    private static string PwshQuote(string value)
        => "'" + value.Replace("'", "''").Replace("\u2018", "\u2018\u2018").Replace("\u2019", "\u2019\u2019")
            .Replace("\u201A", "\u201A\u201A").Replace("\u201B", "\u201B\u201B") + "'";

    private static string ShellQuote(string value)
        => value.All(c => char.IsAsciiLetterOrDigit(c) || "/._-:+@=,".Contains(c)) ? value : "'" + value.Replace("'", "'\\''") + "'";
}
