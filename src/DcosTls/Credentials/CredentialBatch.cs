namespace DcosTls.Credentials;

/// <summary>
/// The credentials a credential-writing cmdlet gathers over its pipeline: objects piped in, or
/// -Registry with -Credential. Shared by New-DockerAuthArchive and Set-MesosDockerConfig, which
/// both write one document from everything they were given.
/// </summary>
internal sealed class CredentialBatch
{
    private readonly List<DockerRegistryCredential> _items = new();

    internal IReadOnlyList<DockerRegistryCredential> Items => _items;

    /// <summary>One pipeline record: the piped objects, or -Registry with -Credential.</summary>
    /// <exception cref="CredentialInputException">a registry or the credential is unusable.</exception>
    internal void Take(bool piped, IEnumerable<DockerRegistryCredential?> objects, IEnumerable<string> registries, PSCredential credential, Action<string> warn)
    {
        if (piped) Add(objects);
        else Add(registries, credential, warn);
    }

    internal void Add(IEnumerable<DockerRegistryCredential?> piped) => _items.AddRange(piped.Where(c => c != null)!);

    /// <exception cref="CredentialInputException">a registry or the credential is unusable.</exception>
    internal void Add(IEnumerable<string> registries, PSCredential credential, Action<string> warn)
    {
        foreach (string registry in registries)
        {
            var created = CredentialFactory.Create(registry, credential, out string? normalisedFrom);
            if (normalisedFrom != null) warn(CredentialFactory.NormalisedWarning(normalisedFrom, created.Registry));
            _items.Add(created);
        }
    }

    /// <summary>At the end of the pipeline: something must have come, and duplicates are named.</summary>
    /// <exception cref="CredentialInputException">nothing was given.</exception>
    internal void Complete(Action<string> warn)
    {
        if (_items.Count == 0)
            throw new CredentialInputException("NoCredentials",
                "No registry credentials were given. Pipe New-DockerAuthConfig or Import-DockerAuthConfig output, or give -Registry and -Credential.");
        foreach (var duplicate in _items.GroupBy(c => c.Registry).Where(g => g.Count() > 1))
            warn($"'{duplicate.Key}' was given {duplicate.Count()} times; the last login is used.");
    }
}
