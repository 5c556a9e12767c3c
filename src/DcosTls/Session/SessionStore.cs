using System.Management.Automation;

namespace DcosTls.Session;

/// <summary>
/// The process default session (Az/PSOpenAD style): Connect-DcosCluster sets it, every other
/// cmdlet uses it unless -Session is given, Disconnect-DcosCluster and Remove-Module clear it.
/// </summary>
internal static class SessionStore
{
    private static DcosSession? _default;

    internal static DcosSession? Default
    {
        get => Volatile.Read(ref _default);
        set => Volatile.Write(ref _default, value);
    }
}

/// <summary>Forgets the default session's token when the module is removed.</summary>
public sealed class ModuleCleanup : IModuleAssemblyCleanup
{
    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        SessionStore.Default?.Forget();
        SessionStore.Default = null;
    }
}
