using DcosTls.Common;
using DcosTls.Lifecycle;

namespace DcosTls.Cmdlets;

/// <summary>
/// Get-DcosTlsCertificate: every certificate the agent relies on for what DcosTls manages, one row
/// each, with its expiry; -ExpiringWithin keeps those that expire soon. It only reads.
/// </summary>
[Cmdlet(VerbsCommon.Get, "DcosTlsCertificate")]
[OutputType(typeof(AgentCertificate))]
public sealed class GetDcosTlsCertificateCommand : DcosCmdlet
{
    /// <summary>Staging root standing in for the agent's / (default /; relative to the pwsh location).</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string Root { get; set; } = "/";

    /// <summary>Folders Install-DockerClientCertificate wrote (DOCKER_CERT_PATH); read as given, not under -Root.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("DockerCertPath")]
    public string[]? Path { get; set; }

    /// <summary>Only certificates that expire within this many days (expired ones included).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(0, 36500)]
    public int? ExpiringWithin { get; set; }

    protected override void Process()
    {
        var inventory = InventoryRun.Read(this, CreateWriter(Root), ProgressReporter.CertificateInventory, ResolvePath, Root, Path);
        foreach (var problem in inventory.Problems) Report(problem.ErrorId, problem.Category, problem.Message, problem.Target);
        var rows = ExpiringWithin is int days
            ? CertificateInventory.ExpiringWithin(inventory.Certificates, days, inventory.ReadAt)
            : inventory.Certificates;
        foreach (var row in rows) WriteObject(row);
    }
}
