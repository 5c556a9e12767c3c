using System.Management.Automation;

namespace DcosTls.Lifecycle;

/// <summary>Why a renewal was refused, with the stable error id and category the cmdlet reports.</summary>
internal sealed class RenewalException : Exception
{
    internal RenewalException(string errorId, ErrorCategory category, string message) : base(message)
    {
        ErrorId = errorId;
        Category = category;
    }

    internal string ErrorId { get; }
    internal ErrorCategory Category { get; }
}
