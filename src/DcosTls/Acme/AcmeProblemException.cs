using DcosTls.Common;

namespace DcosTls.Acme;

/// <summary>
/// What went wrong with an ACME order: the server's problem document (type and detail),
/// or a step of ours (a challenge we could not publish, an answer we could not read). The message says
/// which name and what to do; it never holds a key, a TSIG secret or a JWS.
/// </summary>
public sealed class AcmeProblemException : DcosTlsException
{
    internal const string ProblemPrefix = "urn:ietf:params:acme:error:";

    internal AcmeProblemException(string errorId, ErrorCategory category, string message,
        string? problemType = null, string? detail = null, string? identifier = null, TimeSpan? retryAfter = null)
        : base(errorId, category, message, identifier)
    {
        ProblemType = problemType;
        Detail = detail;
        Identifier = identifier;
        RetryAfter = retryAfter;
    }

    /// <summary>The problem's type, e.g. urn:ietf:params:acme:error:rateLimited; null for our own steps.</summary>
    public string? ProblemType { get; }

    /// <summary>The server's detail text.</summary>
    public string? Detail { get; }

    /// <summary>The DNS name the problem is about, when there is one.</summary>
    public string? Identifier { get; }

    /// <summary>How long the server asked to wait (Retry-After), when it said.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>The short problem name (rateLimited, badNonce, ...), or null.</summary>
    internal string? ShortType => ProblemType != null && ProblemType.StartsWith(ProblemPrefix, StringComparison.Ordinal)
        ? ProblemType[ProblemPrefix.Length..] : ProblemType;
}
