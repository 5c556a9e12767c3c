using DcosTls.Common;
using DcosTls.Files;

namespace DcosTls.Credentials;

/// <summary>What Set-MesosDockerConfig did on an agent (or, under -WhatIf, would have done).</summary>
public sealed class MesosDockerConfigResult
{
    internal MesosDockerConfigResult(string agentPath, string path, FileAction action,
        string environmentPath, FileAction environmentAction, string? backupPath, IEnumerable<string> registries, string? restartUnit, bool restarted)
    {
        AgentPath = agentPath;
        Path = path;
        Action = action;
        EnvironmentPath = environmentPath;
        EnvironmentAction = environmentAction;
        BackupPath = backupPath;
        Registries = new ValueList<string>(registries);
        RestartUnit = restartUnit;
        Restarted = restarted;
    }

    /// <summary>The credentials file on this machine (under -Root).</summary>
    public string Path { get; }

    /// <summary>The same file as the agent sees it: the path in MESOS_DOCKER_CONFIG (file://...).</summary>
    public string AgentPath { get; }

    /// <summary>What happened to the credentials file.</summary>
    public FileAction Action { get; }

    /// <summary>The credentials file's mode, octal: always 0600.</summary>
    public string Mode => FileModes.Octal(StagedFileWriter.PrivateFile);

    /// <summary>mesos-slave-common on this machine (under -Root).</summary>
    public string EnvironmentPath { get; }

    public FileAction EnvironmentAction { get; }

    /// <summary>The copy of mesos-slave-common made before it was changed.</summary>
    public string? BackupPath { get; }

    /// <summary>Every registry in the credentials file after the change.</summary>
    public ValueList<string> Registries { get; }

    /// <summary>The agent unit to restart (-Restart), when one was asked for.</summary>
    public string? RestartUnit { get; }

    public bool Restarted { get; }

    internal MesosDockerConfigResult WithRestart(string unit, bool restarted)
        => new(AgentPath, Path, Action, EnvironmentPath, EnvironmentAction, BackupPath, Registries, unit, restarted);

    public override string ToString() => $"MESOS_DOCKER_CONFIG=file://{AgentPath} ({string.Join(", ", Registries)})";
}

/// <summary>A Docker pull config stored in the DC/OS secret store, and the Marathon app that uses it.</summary>
public sealed class DcosPullSecret
{
    internal DcosPullSecret(string secretPath, string action, IEnumerable<string> registries, string cluster, string marathonApp)
    {
        SecretPath = secretPath;
        Action = action;
        Registries = new ValueList<string>(registries);
        Cluster = cluster;
        MarathonApp = marathonApp;
    }

    /// <summary>The path in the default store (the app's secrets.&lt;name&gt;.source).</summary>
    public string SecretPath { get; }

    /// <summary>Created (PUT 201), Updated (409, then PATCH) or Skipped (-WhatIf).</summary>
    public string Action { get; }

    public ValueList<string> Registries { get; }

    public string Cluster { get; }

    /// <summary>An example Marathon app (container.type MESOS, docker.pullConfig.secret and secrets), JSON.</summary>
    public string MarathonApp { get; }

    public override string ToString() => $"default/{SecretPath} ({Action})";
}
