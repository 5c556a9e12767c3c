using DcosTls.Certificates;
using DcosTls.Common;
using DcosTls.DockerDaemon;

namespace DcosTls.Cmdlets;

/// <summary>
/// Install-DockerClientCertificate: ca.pem, cert.pem and key.pem where the docker CLI looks for
/// them (~/.docker, or DOCKER_CERT_PATH), and the DOCKER_HOST / DOCKER_TLS_VERIFY /
/// DOCKER_CERT_PATH lines to use.
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "DockerClientCertificate", SupportsShouldProcess = true)]
[OutputType(typeof(DockerClientSettings))]
public sealed class InstallDockerClientCertificateCommand : DcosCmdlet
{
    /// <summary>The folder (DOCKER_CERT_PATH). Default: ~/.docker, the CLI's default.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("DockerCertPath")]
    public string Path { get; set; } = "~/.docker";

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public DcosCertificate CaCertificate { get; set; } = null!;

    /// <summary>The client certificate (clientAuth) with its private key.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("ClientCertificate")]
    public DcosCertificate Certificate { get; set; } = null!;

    /// <summary>tcp://host:port of the daemon, for the DOCKER_HOST line.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? DockerHost { get; set; }

    // A certificate the installer refuses is named by the certificate given.
    protected override object? TargetOf(DcosTlsException error) => error is DockerTlsException ? Certificate : null;

    /// <summary>The folder being written (what an I/O error then means).</summary>
    private string? _folder;

    protected override DcosTlsException? Meaning(Exception e) => _folder != null && e is IOException or UnauthorizedAccessException
        ? new DcosTlsException("ClientCertificateWriteFailed", ErrorCategory.WriteError,
            $"Writing the client files to '{_folder}' failed ({e.GetType().Name}). Check that the folder is writable, or choose another -Path.", _folder)
        : null;

    protected override void Process()
    {
        string folder = _folder = ResolvePath(Path);
        // A user folder, not an agent path: the writer's root is /.
        var writer = CreateWriter("/");
        var settings = DockerClientInstaller.Install(writer, folder, CaCertificate, Certificate, DockerHost);
        foreach (var f in settings.Files) WriteVerbose($"{f.Action}: {f.Path}");
        WriteResult(settings);
    }
}
