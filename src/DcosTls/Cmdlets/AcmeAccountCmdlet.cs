using DcosTls.Acme;
using DcosTls.Common;

namespace DcosTls.Cmdlets;

/// <summary>
/// What the two account cmdlets share: the directory, its TLS trust and the key folder (-AcmeDirectory,
/// -Acme, -AccountPath, -CaCertificatePath, declared by DcosTls.Generators from its one table).
/// </summary>
[AcmeParameters(AcmeRole.Account, DirectorySets = [DirectorySet], NamedSets = [NamedSet])]
public abstract partial class AcmeAccountCmdlet : DcosCmdlet
{
    private protected const string DirectorySet = "Directory";
    private const string NamedSet = "Named";
    private readonly CancellationTokenSource _cancel = new();

    /// <summary>The directory URL, given or named by -Acme.</summary>
    private Uri ChosenDirectory => ParameterSetName == NamedSet ? AcmeServers.Directory(Acme) : AcmeDirectory;

    // The ACME server's refusal ends this directory's lookup only, and names the directory.
    protected override bool EndsOnlyThisInput(DcosTlsException error) => error is AcmeProblemException;

    protected override object? TargetOf(DcosTlsException error) => error is AcmeProblemException ? ChosenDirectory : null;

    internal void Run(bool create, bool agree, string[]? contacts)
    {
        var directory = AcmeSettingsFactory.CheckDirectory(ChosenDirectory);
        var trust = AcmeSettingsFactory.ReadTrust(ResolveOptionalPath(CaCertificatePath));
        var list = AcmeSettingsFactory.CheckContacts(contacts);
        var store = new AcmeAccountKeyStore(AccountPath == null ? AcmeAccountKeyStore.DefaultFolder(directory) : ResolvePath(AccountPath));
        store.Check();
        if (store.Exists) store.Load().Dispose();
        if (create && !ShouldProcess(directory.ToString(), store.Exists ? $"Look up the account of '{store.KeyPath}'" : $"Create an ACME account (key in '{store.KeyPath}')"))
            return;
        using var client = new AcmeClient(directory, trust, WriteVerbose, _cancel.Token);
        var state = AcmeAccountOpener.Open(client, store, create, agree, list, WriteVerbose);
        WriteObject(new AcmeAccount(directory, state, store.KeyPath));
    }

    protected override void StopProcessing() => _cancel.Cancel();
}
