using DcosTls.Common;

namespace DcosTls.Session;

/// <summary>A DC/OS API call failed. Messages never quote the token, a password or a request body.</summary>
public class DcosApiException : DcosTlsException
{
    internal DcosApiException(string errorId, string message, int statusCode = 0, ErrorCategory? category = null)
        : base(errorId, category ?? (statusCode == 0 ? ErrorCategory.ConnectionError : ErrorCategory.ProtocolError), message)
    {
        StatusCode = statusCode;
    }

    /// <summary>The HTTP status, 0 when there was no response.</summary>
    public int StatusCode { get; }
}

/// <summary>The token is missing, expired or refused: log in again.</summary>
public sealed class DcosAuthenticationException : DcosApiException
{
    internal DcosAuthenticationException(string errorId, string message, int statusCode = 401) : base(errorId, message, statusCode, statusCode == 403 ? ErrorCategory.PermissionDenied : ErrorCategory.AuthenticationError) { }
}

/// <summary>The DC/OS CA (cfssl) refused a request; carries cfssl's own code and message.</summary>
public sealed class DcosCaException : DcosApiException
{
    internal DcosCaException(int cfsslCode, string cfsslMessage, int statusCode)
        : base("CaRequestRefused", $"The DC/OS CA refused the request: cfssl error {cfsslCode}: {cfsslMessage}", statusCode, ErrorCategory.InvalidArgument)
    {
        CfsslCode = cfsslCode;
        CfsslMessage = cfsslMessage;
    }

    public int CfsslCode { get; }
    public string CfsslMessage { get; }
}
