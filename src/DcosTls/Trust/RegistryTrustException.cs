using DcosTls.Common;

namespace DcosTls.Trust;

/// <summary>A refusal found while checking input, before anything is written; carries its error id and category.</summary>
internal sealed class RegistryTrustException : DcosTlsException
{
    internal RegistryTrustException(string errorId, ErrorCategory category, string message, object? target = null)
        : base(errorId, category, message, target) { }
}
