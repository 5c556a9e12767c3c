using DcosTls.Session;

namespace DcosTls.Cmdlets;

/// <summary>Disconnect-DcosCluster: forgets the token (and a service account's key) of a session.</summary>
[Cmdlet(VerbsCommunications.Disconnect, "DcosCluster", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class DisconnectDcosClusterCommand : DcosCmdlet
{
    /// <summary>The session to forget; the default session when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public DcosSession? Session { get; set; }

    protected override void Process()
    {
        var session = Session ?? SessionStore.Default;
        if (session == null)
        {
            WriteVerbose("No session to disconnect.");
            return;
        }
        if (!ShouldProcess(session.ClusterUri.ToString(), $"Forget the token of {session.UserId}")) return;
        session.Forget();
        if (ReferenceEquals(session, SessionStore.Default)) SessionStore.Default = null;
        WriteVerbose($"Disconnected from {session.ClusterUri}.");
    }
}
