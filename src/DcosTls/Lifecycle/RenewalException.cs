using DcosTls.Common;

namespace DcosTls.Lifecycle;

/// <summary>Why a renewal was refused, with the stable error id and category the cmdlet reports.</summary>
internal sealed class RenewalException : DcosTlsException
{
    internal RenewalException(string errorId, ErrorCategory category, string message) : base(errorId, category, message) { }
}
