using DcosTls.Common;
using DcosTls.Trust;

namespace DcosTls.Cmdlets;

/// <summary>
/// What Install- and Uninstall-DockerRegistryTrust share: registries, targets, -Root, and CA
/// certificates from the pipeline (DcosCertificate, X509Certificate2, objects with CertificatePem)
/// or -Path. Input is checked and collected record by record; the work happens in EndProcessing,
/// so one bad input stops the command before anything is written. Registry, Target and
/// CertificatePem bind by property name, so Get-DockerRegistryTrust rows flow in: each row acts on
/// its own store (a Mesos row on the Mesos folder, a Docker row on its registry's folder).
/// </summary>
public abstract class RegistryTrustInputCmdlet : DcosCmdlet
{
    private protected const string CertificateSet = "Certificate";
    private protected const string PathSet = "Path";
    private protected readonly List<TrustRequest> Requests = new();

    /// <summary>host[:port] exactly as in image references (certs.d folder names).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("RegistryName")]
    [ArgumentCompleter(typeof(RegistryCompleter))]
    public string[]? Registry { get; set; }

    /// <summary>A certificate object (or PEM text) from the pipeline.</summary>
    [Parameter(ParameterSetName = CertificateSet, ValueFromPipeline = true)]
    public PSObject? Certificate { get; set; }

    /// <summary>PEM of the certificate, bound by property name (deserialized objects, CSV rows).</summary>
    [Parameter(ParameterSetName = CertificateSet, ValueFromPipelineByPropertyName = true)]
    public string? CertificatePem { get; set; }

    /// <summary>PEM files; a file may hold several certificates.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [Alias("FullName")]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Staging root standing in for the agent's / (default /; relative to the pwsh location).</summary>
    [Parameter]
    public string Root { get; set; } = "/";

    /// <summary>Stores to act on; default Docker and Mesos. Bound from a piped row's Target.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public TrustTarget[] Target { get; set; } = { TrustTarget.Docker, TrustTarget.Mesos };

    private bool _emptyInput;

    /// <summary>
    /// Nothing came down the pipeline (Get-DockerRegistryTrust found nothing, or only broken rows):
    /// the command then does nothing, as any pwsh command given no input. A piped $null is not this.
    /// </summary>
    private protected bool PipelineWasEmpty => MyInvocation.ExpectingInput && Requests.Count == 0 && !_emptyInput;

    /// <summary>Checks one certificate before it is accepted (Install refuses expired CAs).</summary>
    private protected virtual void Accept(X509Certificate2 certificate) { }

    protected override void Process()
    {
        var registries = new List<RegistryName?>();
        foreach (string? name in Registry ?? Array.Empty<string>()) registries.Add(RegistryName.Parse(name));
        if (registries.Count == 0) registries.Add(null);

        if (Certificate?.BaseObject is InstalledRegistryTrust { CertificatePem: null } broken && string.IsNullOrEmpty(CertificatePem))
        {
            // A Get-DockerRegistryTrust row for a dangling link or a file that is not PEM: there is
            // no certificate to act on, and the other rows still are.
            WriteWarning($"'{broken.Path}' ({broken.Target}, {broken.Health}) holds no certificate; skipped.");
            return;
        }

        var certificates = ReadCertificates();
        _emptyInput |= certificates.Count == 0;
        foreach (var certificate in certificates)
        {
            Accept(certificate);
            var trusted = new TrustCertificate(certificate);
            foreach (var registry in registries)
            {
                foreach (var target in Target.Distinct())
                {
                    if (Requests.Any(r => r.Registry?.Value == registry?.Value && r.Target == target && r.Certificate.Thumbprint == trusted.Thumbprint)) continue;
                    Requests.Add(new TrustRequest(registry, trusted, target));
                }
            }
        }
    }

    private IReadOnlyList<X509Certificate2> ReadCertificates()
    {
        if (ParameterSetName == PathSet)
        {
            var all = new List<X509Certificate2>();
            foreach (string p in Path)
            {
                string file = ResolvePath(p);
                if (!File.Exists(file))
                    Fail("CertificateFileNotFound", ErrorCategory.ObjectNotFound, $"The file '{file}' does not exist. Check -Path.", p);
                all.AddRange(CertificateInput.FromFile(file));
            }
            return all;
        }
        if (!string.IsNullOrEmpty(CertificatePem)) return CertificateInput.FromPem(CertificatePem, "The CertificatePem value");
        if (Certificate != null) return CertificateInput.FromObject(Certificate);
        return Array.Empty<X509Certificate2>();
    }

    /// <summary>True while the installer step runs (Install and Uninstall run theirs through <see cref="Run"/>).</summary>
    private bool _installing;

    /// <summary>
    /// Certificate input that is not a certificate (while the input is read), or a file the installer step
    /// could not write; the installer's own refusals are DcosTlsExceptions already.
    /// </summary>
    protected override DcosTlsException? Meaning(Exception e) => e switch
    {
        // The target is never the piped text: it may hold a private key.
        InvalidDataException when !_installing => new DcosTlsException("InvalidCertificateInput", ErrorCategory.InvalidData, e.Message,
            Certificate?.BaseObject is string ? "(PEM text)" : Certificate?.BaseObject?.GetType().Name ?? (CertificatePem != null ? "(CertificatePem)" : (object?)Path)),
        IOException or UnauthorizedAccessException when _installing => new DcosTlsException("TrustWriteFailed", ErrorCategory.WriteError,
            $"{e.Message} Check that -Root is writable (run as root on an agent).", null, e),
        _ => null,
    };

    /// <summary>Runs the installer step (what an I/O error means changes with it: see <see cref="Meaning"/>).</summary>
    private protected void Run(Action action)
    {
        _installing = true;
        action();
        _installing = false;
    }
}
