using Xunit;

namespace DcosTls.Tests.Infrastructure;

/// <summary>
/// The module keeps one default session per process, shared by every runspace. The classes that
/// connect are in one collection (never run in parallel with each other), and each of them starts and
/// ends with no default session, so a class never sees a session another class made.
/// </summary>
public sealed class NoDefaultSession : IDisposable
{
    public NoDefaultSession() => Clear();

    public void Dispose() => Clear();

    private static void Clear()
    {
        using var ps = new Pwsh();
        ps.Run("Disconnect-DcosCluster").ThrowOnError();
    }
}
