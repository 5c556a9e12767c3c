using DcosTls.Session;

namespace DcosTls.Cmdlets;

/// <summary>
/// Base of cmdlets that talk to a cluster: an optional -Session (the process default otherwise),
/// and cancellation on Ctrl+C (DcosNetworkCmdlet). API failures are DcosTlsExceptions, mapped like every other error.
/// </summary>
public abstract class DcosSessionCmdlet : DcosNetworkCmdlet
{
    /// <summary>
    /// The session from Connect-DcosCluster; the most recent one when omitted. Virtual so that a
    /// cmdlet whose other parameter sets never reach the cluster can offer it only where it is used.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public virtual DcosSession? Session { get; set; }

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
}
