using DcosTls.Certificates;
using DcosTls.Common;
using DcosTls.DockerDaemon;
using DcosTls.Files;

namespace DcosTls.Cmdlets;

/// <summary>
/// Set-DockerDaemonTls: dockerd behind mutual TLS — ca.pem, server-cert.pem and
/// server-key.pem under -TlsDirectory, the TLS keys merged into daemon.json, the systemd drop-in
/// that "hosts" needs, and an opt-in restart. Silent unless -PassThru.
/// </summary>
[Cmdlet(VerbsCommon.Set, "DockerDaemonTls", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(DockerTlsFile))]
public sealed class SetDockerDaemonTlsCommand : DcosCmdlet
{
    /// <summary>The CA that signs the clients (and, usually, the server): ca.pem / tlscacert.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public DcosCertificate CaCertificate { get; set; } = null!;

    /// <summary>The daemon's server certificate with its private key.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("ServerCertificate")]
    public DcosCertificate Certificate { get; set; } = null!;

    /// <summary>daemon.json "hosts", e.g. 'unix:///var/run/docker.sock','tcp://10.0.0.5:2376'. Omitted: the file's hosts are kept.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string[]? Hosts { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string TlsDirectory { get; set; } = "/etc/docker/tls";

    /// <summary>Staging root standing in for the agent's / (default /; relative to the pwsh location).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string Root { get; set; } = "/";

    /// <summary>Name of the docker.service drop-in (without .conf).</summary>
    [Parameter]
    public string DropInName { get; set; } = "dcostls-hosts";

    /// <summary>tls without tlsverify: any client may connect. Warns for TCP hosts off loopback.</summary>
    [Parameter]
    public SwitchParameter SkipClientVerification { get; set; }

    /// <summary>systemctl daemon-reload and restart docker when something changed (agent root only).</summary>
    [Parameter]
    public SwitchParameter Restart { get; set; }

    /// <summary>Emits one row per file written, kept or removed.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    // A broken agent file is the error's object when there is one; otherwise the certificate.
    protected override object? TargetOf(DcosTlsException error)
        => error is DockerTlsException { TargetObject: null } ? Certificate : null;

    /// <summary>The root being written while the files are applied (what an I/O error then means).</summary>
    private string? _writingUnder;

    protected override DcosTlsException? Meaning(Exception e) => _writingUnder != null && e is IOException or UnauthorizedAccessException
        ? new DcosTlsException("DaemonTlsWriteFailed", ErrorCategory.WriteError,
            $"Writing under '{_writingUnder}' failed ({e.GetType().Name}). Check that -Root is writable (run as root on an agent).", _writingUnder)
        : null;

    protected override void Process()
    {
        var writer = CreateWriter(Root);
        bool realRoot = writer.Root == "/";
        if (Restart && !realRoot)
            Fail("RestartNeedsAgentRoot", ErrorCategory.InvalidArgument,
                $"-Restart restarts this machine's docker.service, but -Root is the staging root '{writer.Root}'. Drop -Restart, or run with -Root / on the agent.", Root);

        var plan = DaemonTlsConfigurator.Plan(writer, new DaemonTlsRequest
        {
            CaCertificate = CaCertificate,
            ServerCertificate = Certificate,
            Hosts = Hosts,
            TlsDirectory = TlsDirectory,
            VerifyClients = !SkipClientVerification,
            DropInName = DropInName,
        });
        foreach (string warning in plan.Warnings) WriteWarning(warning);

        _writingUnder = writer.Root;
        var results = DaemonTlsConfigurator.Apply(writer, plan);
        _writingUnder = null;
        foreach (var r in results)
        {
            WriteVerbose($"{r.Action}: {r.Path}" + (r.Backup != null ? $" (previous content in {r.Backup})" : string.Empty));
            if (PassThru) WriteResult(r);
        }

        // Skipped counts: under -WhatIf the restart must be announced too.
        bool changed = results.Any(r => r.Action != FileAction.Unchanged);
        if (!Restart) return;
        if (!changed)
        {
            WriteVerbose("Nothing changed; docker.service is not restarted.");
            return;
        }
        if (!ShouldProcess("docker.service", "Restart (systemctl daemon-reload; systemctl restart docker)")) return;
        string? failure = DockerServiceRestarter.Run(c => WriteVerbose("Running " + c));
        if (failure != null)
            Fail("DockerRestartFailed", ErrorCategory.InvalidOperation,
                $"The files were written, but restarting Docker failed: {failure}. Check 'journalctl -u docker'; the previous daemon.json is in {StagedFileWriter.BackupPathOf(writer.Map("/etc/docker/daemon.json"))}.");
    }
}
