using System.Management.Automation;
using DcosTls.Session;

namespace DcosTls.Common;

/// <summary>
/// Base of cmdlets that talk to a cluster: an optional -Session (the process default otherwise),
/// cancellation on Ctrl+C, and one mapping from API failures to ErrorRecords.
/// </summary>
public abstract class DcosSessionCmdlet : DcosCmdlet
{
    private readonly CancellationTokenSource _cancel = new();

    /// <summary>The session from Connect-DcosCluster; the most recent one when omitted.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public DcosSession? Session { get; set; }

    protected CancellationToken Cancel => _cancel.Token;

    /// <summary>-Session, else the default, else a terminating error that says what to do.</summary>
    internal DcosSession RequireSession()
    {
        var session = Session ?? SessionStore.Default;
        if (session == null || !session.IsConnected)
            Fail("NoDcosSession", ErrorCategory.AuthenticationError,
                "There is no connected DC/OS session. Run Connect-DcosCluster first, or pass -Session.");
        return session!;
    }

    /// <summary>Verbose narration of HTTP calls (method, URL, status only).</summary>
    internal void Log(string line) => WriteVerbose(line);

    internal ErrorRecord ToErrorRecord(DcosApiException e, object? target)
    {
        var category = e switch
        {
            DcosAuthenticationException { StatusCode: 403 } => ErrorCategory.PermissionDenied,
            DcosAuthenticationException => ErrorCategory.AuthenticationError,
            DcosCaException => ErrorCategory.InvalidArgument,
            { StatusCode: 0 } => ErrorCategory.ConnectionError,
            _ => ErrorCategory.ProtocolError,
        };
        var record = new ErrorRecord(e, e.ErrorId, category, target) { ErrorDetails = new ErrorDetails(e.Message) };
        return record;
    }

    protected override void StopProcessing() => _cancel.Cancel();
}
