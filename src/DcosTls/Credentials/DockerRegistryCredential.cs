namespace DcosTls.Credentials;

/// <summary>
/// One registry login: the config.json key, the user, and the password. The password is an
/// internal SecureString: it is not a property, not in ToString or the format view, and it is
/// turned into an auth string only when a credentials file, archive or secret is written.
/// </summary>
public sealed class DockerRegistryCredential
{
    internal DockerRegistryCredential(string registry, string userName, SecureString password, string source)
    {
        Registry = registry;
        UserName = userName;
        password.MakeReadOnly();
        Password = password;
        Source = source;
    }

    /// <summary>The config.json key: bare host[:port], or https://index.docker.io/v1/ for Docker Hub.</summary>
    public string Registry { get; }

    public string UserName { get; }

    /// <summary>Where the login came from: "Credential" or the config.json it was imported from.</summary>
    public string Source { get; }

    internal SecureString Password { get; }

    public override string ToString() => $"{UserName}@{Registry}";
}
