using System.Management.Automation;

namespace DcosTls.Trust;

/// <summary>A refusal found while checking input, before anything is written; carries its error id and category.</summary>
internal sealed class RegistryTrustException : Exception
{
    internal RegistryTrustException(string errorId, ErrorCategory category, string message, object? target = null) : base(message)
    {
        ErrorId = errorId;
        Category = category;
        Target = target;
    }

    internal string ErrorId { get; }
    internal ErrorCategory Category { get; }
    internal object? Target { get; }
}
