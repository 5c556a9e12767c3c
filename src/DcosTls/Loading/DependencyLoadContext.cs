using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace DcosTls.Loading;

/// <summary>
/// The module's private load context. DcosTls.Engine and everything it needs (BouncyCastle)
/// are loaded here from module/bin/Dependencies, so a different BouncyCastle already loaded by
/// another module (Posh-ACME, Az.KeyVault, Posh-SSH) can neither break us nor be broken by us.
/// </summary>
internal sealed class DependencyLoadContext : AssemblyLoadContext
{
    internal const string ContextName = "DcosTls.Dependencies";
    private const string EngineAssemblyName = "DcosTls.Engine";

    private static readonly string DependencyDirectory = Path.Combine(
        Path.GetDirectoryName(typeof(DependencyLoadContext).Assembly.Location) ?? AppContext.BaseDirectory,
        "Dependencies");

    internal static readonly DependencyLoadContext Instance = new();

    private DependencyLoadContext() : base(ContextName, isCollectible: false) { }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        // Only what ships in Dependencies/ is ours; everything else (the BCL, the engine) falls
        // back to the default context so that shared types stay shared.
        string candidate = Path.Combine(DependencyDirectory, assemblyName.Name + ".dll");
        return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
    }

    /// <summary>
    /// Hooked on the default context: the only request we answer is the one for DcosTls.Engine,
    /// which DcosTls.dll references. The default context never sees BouncyCastle at all.
    /// </summary>
    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name)
    {
        if (!string.Equals(name.Name, EngineAssemblyName, StringComparison.Ordinal)) return null;
        return Instance.LoadFromAssemblyName(name);
    }

    private static int _hooked;

    /// <summary>Runs when DcosTls.dll is loaded, before any cmdlet can touch the engine.</summary>
    [ModuleInitializer]
    internal static void Hook()
    {
        if (Interlocked.Exchange(ref _hooked, 1) == 0)
        {
            Default.Resolving += ResolveEngine;
        }
    }
}
