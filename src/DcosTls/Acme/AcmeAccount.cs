using DcosTls.Common;

namespace DcosTls.Acme;

/// <summary>An ACME account as the server reports it, and where its key is kept (the key itself is never here).</summary>
public sealed class AcmeAccount
{
    internal AcmeAccount(Uri directory, AcmeAccountState state, string keyPath)
    {
        AcmeDirectory = directory;
        Url = state.Url;
        Status = state.Status;
        Contact = new ValueList<string>(state.Contacts);
        KeyPath = keyPath;
    }

    public Uri AcmeDirectory { get; }

    /// <summary>The account URL (the JWS kid).</summary>
    public string Url { get; }

    /// <summary>valid, deactivated or revoked.</summary>
    public string Status { get; }

    /// <summary>Contact e-mail addresses.</summary>
    public ValueList<string> Contact { get; }

    /// <summary>The account key file (0600).</summary>
    public string KeyPath { get; }

    public override string ToString() => $"{Url} ({Status})";
}
