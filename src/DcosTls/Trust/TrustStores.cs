using DcosTls.Files;

namespace DcosTls.Trust;

/// <summary>Makes the store object for a target.</summary>
internal static class TrustStores
{
    internal static TrustStore Create(TrustTarget target, StagedFileWriter writer, Action<string> warn) => target switch
    {
        TrustTarget.Docker => new DockerCertsStore(writer, warn),
        TrustTarget.Containers => new ContainersCertsStore(writer, warn),
        TrustTarget.Mesos => new MesosHashedStore(writer, warn),
        TrustTarget.System => new SystemTrustStore(writer, warn),
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, "Unknown trust target."),
    };
}
