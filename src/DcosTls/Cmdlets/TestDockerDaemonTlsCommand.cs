using DcosTls.Certificates;
using DcosTls.DockerDaemon;

namespace DcosTls.Cmdlets;

/// <summary>
/// Test-DockerDaemonTls: true when the agent's daemon.json puts dockerd behind valid mutual TLS
/// (files present, chain, serverAuth, dates, key pair, key mode, SANs for "hosts"), and with
/// -Address when the running daemon verifies and answers GET /version. Read-only. A false comes
/// with a non-terminating error per failed check naming the file or setting at fault, so
/// `-ErrorAction Stop` turns it into the exception a test runner reports. -Detailed returns one
/// object per check instead, without errors.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "DockerDaemonTls")]
[OutputType(typeof(bool), typeof(DockerDaemonTlsCheck))]
public sealed class TestDockerDaemonTlsCommand : DcosCmdlet
{
    /// <summary>Staging root standing in for the agent's / (default /; relative to the pwsh location).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string Root { get; set; } = "/";

    /// <summary>host:port of the running daemon (tcp:// optional; port 2376 when left out).</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("DockerHost")]
    public string? Address { get; set; }

    /// <summary>Presented to the daemon; it must carry its private key.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public DcosCertificate? ClientCertificate { get; set; }

    /// <summary>The CA the daemon is verified with online; default the daemon.json tlscacert file.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public DcosCertificate? CaCertificate { get; set; }

    /// <summary>One object per check instead of $true/$false.</summary>
    [Parameter]
    public SwitchParameter Detailed { get; set; }

    [Parameter]
    [ValidateRange(1, 300)]
    public int TimeoutSec { get; set; } = 10;

    protected override void Process()
    {
        DockerHostAddress? address = null;
        if (!string.IsNullOrEmpty(Address))
        {
            string text = Address.StartsWith("tcp://", StringComparison.Ordinal) ? Address : "tcp://" + Address;
            address = DockerHostAddress.TryParse(text, out string? problem);
            if (address == null || address.Kind != DockerHostKind.Tcp || address.IsAnyInterface)
                Fail("InvalidDaemonAddress", ErrorCategory.InvalidArgument,
                    $"-Address '{Address}' must be the daemon's host:port, e.g. 10.0.0.5:2376 or [fd00::5]:2376 (not 0.0.0.0). {problem}".TrimEnd(), Address);
        }
        if (ClientCertificate != null && !ClientCertificate.HasPrivateKey)
            Fail("ClientCertificateWithoutKey", ErrorCategory.InvalidArgument,
                $"-ClientCertificate '{ClientCertificate.CommonName}' carries no private key, so it cannot authenticate. Pass the object New-DcosCertificate returned, or Import-DcosCertificate -KeyPath.", ClientCertificate);
        if (address == null && (ClientCertificate != null || CaCertificate != null))
            WriteWarning("-ClientCertificate and -CaCertificate are only used with -Address; without it only the files are checked.");

        var tester = new DaemonTlsTester(ResolveRoot(Root), TimeSpan.FromSeconds(TimeoutSec));
        var checks = tester.Test(new DaemonTlsTestRequest { Address = address, CaCertificate = CaCertificate, ClientCertificate = ClientCertificate });
        foreach (string warning in tester.Warnings) WriteWarning(warning);
        foreach (var check in checks) WriteVerbose(check.ToString());
        if (Detailed)
        {
            WriteObject(checks, enumerateCollection: true);
            return;
        }
        foreach (var failed in checks.Where(c => !c.Passed))
            Report(failed.ErrorId, failed.Category, $"The Docker daemon TLS check {failed.Check} failed: {failed.Detail}", failed);
        WriteObject(checks.All(c => c.Passed));
    }
}
