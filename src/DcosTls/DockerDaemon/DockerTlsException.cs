using DcosTls.Common;

namespace DcosTls.DockerDaemon;

/// <summary>Bad input for the Docker TLS cmdlets, with the stable error id the cmdlet reports.</summary>
internal sealed class DockerTlsException : DcosTlsException
{
    internal DockerTlsException(string errorId, string message, bool invalidData = false, object? targetObject = null)
        : base(errorId, invalidData ? ErrorCategory.InvalidData : ErrorCategory.InvalidArgument, message, targetObject)
    {
        InvalidData = invalidData;
    }

    /// <summary>True when existing content (a file on the agent) is at fault rather than an argument.</summary>
    internal bool InvalidData { get; }
}
