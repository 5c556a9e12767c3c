using DcosTls.Common;
using DcosTls.Files;

namespace DcosTls.Trust;

/// <summary>
/// Which rows of a shared store (Mesos, System: one folder for every registry) belong to a registry.
/// Nothing in a shared folder names a registry, so the registry's own certs.d folders (Docker and
/// containers) decide: a certificate belongs to the registry when one of them holds the same
/// certificate, and a dangling hash link when it carries the subject hash of such a certificate.
/// A registry with no certs.d folder has no shared rows, even if its CA is in the Mesos folder.
/// </summary>
internal static class SharedStoreRows
{
    internal static IEnumerable<InstalledRegistryTrust> For(RegistryName registry, IReadOnlyList<InstalledRegistryTrust> sharedRows,
        StagedFileWriter writer, Action<string> warn)
    {
        var own = new CertsDirectoryStore[] { new DockerCertsStore(writer, warn), new ContainersCertsStore(writer, warn) }
            .SelectMany(s => s.List(registry)).Where(r => r.Thumbprint != null).ToList();
        var thumbprints = own.Select(r => r.Thumbprint!).ToHashSet(StringComparer.Ordinal);
        var hashes = own.Select(r => r.SubjectHash).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var row in sharedRows)
        {
            bool belongs = row.Thumbprint != null
                ? thumbprints.Contains(row.Thumbprint)
                : row.SubjectHash != null && hashes.Contains(row.SubjectHash);
            if (belongs) yield return row.ForRegistry(registry.Value);
        }
    }
}
