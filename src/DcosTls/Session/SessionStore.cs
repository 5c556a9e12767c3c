using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;

namespace DcosTls.Session;

/// <summary>
/// The default session of each runspace (PSOpenAD style): Connect-DcosCluster sets it, every other
/// cmdlet uses it unless -Session is given, Disconnect-DcosCluster and Remove-Module clear it. It is
/// kept per runspace, not per process, so ForEach-Object -Parallel, thread jobs and hosts with several
/// runspaces never see or replace another runspace's login; a runspace that closes forgets its token.
/// </summary>
internal static class SessionStore
{
    private sealed class Slot
    {
        internal DcosSession? Session;
    }

    private static readonly ConditionalWeakTable<Runspace, Slot> Slots = new();

    internal static DcosSession? Default
    {
        get
        {
            var runspace = Runspace.DefaultRunspace;
            return runspace != null && Slots.TryGetValue(runspace, out var slot) ? Volatile.Read(ref slot.Session) : null;
        }
        set
        {
            var runspace = Runspace.DefaultRunspace;
            if (runspace == null) return;
            var slot = Slots.GetValue(runspace, Watch);
            Volatile.Write(ref slot.Session, value);
        }
    }

    private static Slot Watch(Runspace runspace)
    {
        var slot = new Slot();
        runspace.StateChanged += (_, e) =>
        {
            if (e.RunspaceStateInfo.State is RunspaceState.Closed or RunspaceState.Broken)
                Interlocked.Exchange(ref slot.Session, null)?.Forget();
        };
        return slot;
    }
}

/// <summary>Forgets the removing runspace's default session (its token) when the module is removed.</summary>
public sealed class ModuleCleanup : IModuleAssemblyCleanup
{
    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        SessionStore.Default?.Forget();
        SessionStore.Default = null;
    }
}
