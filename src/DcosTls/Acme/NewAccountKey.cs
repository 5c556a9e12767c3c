namespace DcosTls.Acme;

/// <summary>
/// An account key written to its temporary file and not yet the account's: Keep renames it into
/// place once the server knows the account; disposing without Keep removes the file (the key object
/// itself belongs to whoever signs with it).
/// </summary>
internal sealed class NewAccountKey : IDisposable
{
    private readonly string _temp;
    private readonly string _target;
    private bool _kept;

    internal NewAccountKey(ECDsa key, string temp, string target)
    {
        Key = key;
        _temp = temp;
        _target = target;
    }

    internal ECDsa Key { get; }

    internal void Keep()
    {
        File.Move(_temp, _target, overwrite: false);
        _kept = true;
    }

    public void Dispose()
    {
        if (!_kept) File.Delete(_temp);
    }
}
