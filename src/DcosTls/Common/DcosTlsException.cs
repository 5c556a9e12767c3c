namespace DcosTls.Common;

/// <summary>
/// Every refusal or failure DcosTls reports: the stable error id (the FullyQualifiedErrorId stem that
/// scripts match on), the category, what it is about, and a message that says what to do. The domain
/// exceptions derive from it, so a cmdlet maps all of them to an ErrorRecord in one place
/// (DcosCmdlet.ToErrorRecord). Messages never quote a secret; the inner exception is kept for its
/// type and stack.
/// </summary>
public class DcosTlsException : Exception
{
    public DcosTlsException(string errorId, ErrorCategory category, string message, object? targetObject = null, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorId = errorId;
        Category = category;
        TargetObject = targetObject;
    }

    /// <summary>The stable FullyQualifiedErrorId stem for this failure.</summary>
    public string ErrorId { get; }

    /// <summary>The ErrorCategory the ErrorRecord carries.</summary>
    public ErrorCategory Category { get; }

    /// <summary>What the error is about (a path, a registry, a name): never a secret.</summary>
    public object? TargetObject { get; init; }
}
