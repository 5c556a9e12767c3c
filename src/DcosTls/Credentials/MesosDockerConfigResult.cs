using DcosTls.Common;
using DcosTls.Files;

namespace DcosTls.Credentials;

/// <summary>What Set-MesosDockerConfig did on an agent (or, under -WhatIf, would have done).</summary>
public sealed class MesosDockerConfigResult
{
    /// <summary>Made only by the module; its properties are set once, when it is made.</summary>
    internal MesosDockerConfigResult() { }

    /// <summary>The credentials file on this machine (under -Root).</summary>
    public string Path { get; internal init; } = string.Empty;

    /// <summary>The same file as the agent sees it: the path in MESOS_DOCKER_CONFIG (file://...).</summary>
    public string AgentPath { get; internal init; } = string.Empty;

    /// <summary>What happened to the credentials file.</summary>
    public FileAction Action { get; internal init; }

    /// <summary>The credentials file's mode, octal: always 0600.</summary>
    public string Mode => FileModes.Octal(StagedFileWriter.PrivateFile);

    /// <summary>mesos-slave-common on this machine (under -Root).</summary>
    public string EnvironmentPath { get; internal init; } = string.Empty;

    public FileAction EnvironmentAction { get; internal init; }

    /// <summary>The copy of mesos-slave-common made before it was changed.</summary>
    public string? BackupPath { get; internal init; }

    /// <summary>Every registry in the credentials file after the change.</summary>
    public ValueList<string> Registries { get; internal init; } = new(Array.Empty<string>());

    /// <summary>The agent unit to restart (-Restart), when one was asked for.</summary>
    public string? RestartUnit { get; internal init; }

    public bool Restarted { get; internal init; }

    internal MesosDockerConfigResult WithRestart(string unit, bool restarted)
        => new()
        {
            AgentPath = AgentPath,
            Path = Path,
            Action = Action,
            EnvironmentPath = EnvironmentPath,
            EnvironmentAction = EnvironmentAction,
            BackupPath = BackupPath,
            Registries = Registries,
            RestartUnit = unit,
            Restarted = restarted,
        };

    public override string ToString() => $"MESOS_DOCKER_CONFIG=file://{AgentPath} ({string.Join(", ", Registries)})";
}

/// <summary>A Docker pull config stored in the DC/OS secret store, and the Marathon app that uses it.</summary>
public sealed class DcosPullSecret
{
    /// <summary>Made only by the module; its properties are set once, when it is made.</summary>
    internal DcosPullSecret() { }

    /// <summary>The path in the default store (the app's secrets.&lt;name&gt;.source).</summary>
    public string SecretPath { get; internal init; } = string.Empty;

    /// <summary>Created (PUT 201), Updated (409, then PATCH) or Skipped (-WhatIf).</summary>
    public string Action { get; internal init; } = string.Empty;

    public ValueList<string> Registries { get; internal init; } = new(Array.Empty<string>());

    public string Cluster { get; internal init; } = string.Empty;

    /// <summary>An example Marathon app (container.type MESOS, docker.pullConfig.secret and secrets), JSON.</summary>
    public string MarathonApp { get; internal init; } = string.Empty;

    public override string ToString() => $"default/{SecretPath} ({Action})";
}
