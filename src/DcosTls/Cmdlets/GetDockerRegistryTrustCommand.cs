using DcosTls.Common;
using DcosTls.Trust;

namespace DcosTls.Cmdlets;

/// <summary>
/// Get-DockerRegistryTrust: what is installed in each store, with expiry and the health of the
/// OpenSSL hash links (missing link, gap, dangling link, link under a wrong hash). With -Registry, a
/// shared store's rows are those of the registry's CAs (SharedStoreRows), listed with its name.
/// </summary>
[Cmdlet(VerbsCommon.Get, "DockerRegistryTrust")]
[OutputType(typeof(InstalledRegistryTrust))]
public sealed class GetDockerRegistryTrustCommand : DcosCmdlet
{
    /// <summary>Only these registries: their certs.d folders, and the Mesos/System rows of the CAs those folders hold.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RegistryCompleter))]
    public string[]? Registry { get; set; }

    /// <summary>Stores to read; default all (System only when the root's os-release is known).</summary>
    [Parameter]
    public TrustTarget[]? Target { get; set; }

    /// <summary>Staging root standing in for the agent's / (default /; relative to the pwsh location).</summary>
    [Parameter]
    public string Root { get; set; } = "/";

    protected override void Process()
    {
        var registries = new List<RegistryName?>();
        foreach (string name in Registry ?? Array.Empty<string>()) registries.Add(RegistryName.Parse(name));
        if (registries.Count == 0) registries.Add(null);

        ResolveExistingRoot(Root);
        var writer = CreateWriter(Root);
        var targets = Target ?? Enum.GetValues<TrustTarget>();
        foreach (var target in targets.Distinct())
        {
            var store = TrustStores.Create(target, writer, WriteWarning);
            if (store is SystemTrustStore system && !system.IsDetectable())
            {
                if (Target == null) continue;
                ErrorTarget = target;
                system.Prepare();
                ErrorTarget = null;
            }
            var asked = registries.OfType<RegistryName>().ToList();
            if (store.IsPerRegistry || asked.Count == 0)
            {
                foreach (var registry in registries)
                    foreach (var row in store.List(registry)) WriteObject(row);
                continue;
            }
            // A shared store is read once; its rows are listed for each registry they belong to.
            var shared = store.List(null).ToList();
            foreach (var registry in asked)
                foreach (var row in SharedStoreRows.For(registry, shared, writer, WriteWarning)) WriteObject(row);
        }
    }
}
