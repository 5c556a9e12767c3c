namespace DcosTls.Acme;

/// <summary>Public ACME CAs known by name (-Acme), so their directory URL need not be typed.</summary>
public enum AcmeServer
{
    /// <summary>Let's Encrypt, certificates browsers and Docker trust.</summary>
    LetsEncrypt,

    /// <summary>Let's Encrypt's staging CA: generous rate limits, certificates nobody trusts; for trying a setup.</summary>
    LetsEncryptStaging,
}

internal static class AcmeServers
{
    internal static Uri Directory(AcmeServer server) => server switch
    {
        AcmeServer.LetsEncrypt => new Uri("https://acme-v02.api.letsencrypt.org/directory"),
        AcmeServer.LetsEncryptStaging => new Uri("https://acme-staging-v02.api.letsencrypt.org/directory"),
        _ => throw new ArgumentOutOfRangeException(nameof(server)),
    };
}
