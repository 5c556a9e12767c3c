namespace DcosTls.Trust;

/// <summary>
/// The root holds no os-release, so the System store cannot be chosen. An InvalidOperationException
/// like the store's other "cannot be used here" refusals, but a missing file (ObjectNotFound), not a
/// distribution we do not support (NotImplemented).
/// </summary>
internal sealed class OsReleaseNotFoundException(string message, string path) : InvalidOperationException(message)
{
    /// <summary>The staged os-release that was looked for.</summary>
    internal string Path { get; } = path;

    /// <summary>The category a trust store's refusal is reported with.</summary>
    internal static ErrorCategory CategoryOf(InvalidOperationException e)
        => e is OsReleaseNotFoundException ? ErrorCategory.ObjectNotFound : ErrorCategory.NotImplemented;
}
