using System.Management.Automation;
using DcosTls.Common;
using DcosTls.Trust;

namespace DcosTls.Cmdlets;

/// <summary>
/// Get-DockerRegistryTrust: what is installed in each store, with expiry and the health of the
/// OpenSSL hash links (missing link, gap, dangling link, link under a wrong hash).
/// </summary>
[Cmdlet(VerbsCommon.Get, "DockerRegistryTrust")]
[OutputType(typeof(InstalledRegistryTrust))]
public sealed class GetDockerRegistryTrustCommand : DcosCmdlet
{
    /// <summary>Only these registries' certs.d folders (Mesos and System are shared by all registries).</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RegistryCompleter))]
    public string[]? Registry { get; set; }

    /// <summary>Stores to read; default all (System only when the root's os-release is known).</summary>
    [Parameter]
    public TrustTarget[]? Target { get; set; }

    [Parameter]
    public string? Root { get; set; }

    protected override void ProcessRecord()
    {
        var registries = new List<RegistryName?>();
        foreach (string name in Registry ?? Array.Empty<string>())
        {
            try { registries.Add(RegistryName.Parse(name)); }
            catch (RegistryNameException e) { Fail("InvalidRegistryName", ErrorCategory.InvalidArgument, e.Message, RegistryName.Redact(name)); }
        }
        if (registries.Count == 0) registries.Add(null);

        var writer = CreateWriter(Root);
        var targets = Target ?? Enum.GetValues<TrustTarget>();
        foreach (var target in targets.Distinct())
        {
            var store = TrustStores.Create(target, writer, WriteWarning);
            if (store is SystemTrustStore system && !system.IsDetectable())
            {
                if (Target == null) continue;
                try { system.Prepare(); }
                catch (InvalidOperationException e) { Fail("TrustStoreUnavailable", ErrorCategory.NotImplemented, e.Message, target); }
            }
            // Shared stores are listed once, whatever registries were asked for.
            foreach (var registry in store.IsPerRegistry ? registries : new List<RegistryName?> { null })
            {
                foreach (var row in store.List(registry)) WriteObject(row);
            }
        }
    }
}
