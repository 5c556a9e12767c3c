using DcosTls.Session;

namespace DcosTls.Cmdlets;

/// <summary>
/// The session of a cmdlet that changes the cluster. Under -WhatIf nothing is sent, so none is needed:
/// the "What if" line names the cluster when there is a session and only the target otherwise.
/// </summary>
internal static class ClusterChange
{
    internal static DcosSession? SessionForChange(this DcosSessionCmdlet cmdlet)
        => cmdlet.IsWhatIf() ? cmdlet.Session ?? SessionStore.Default : cmdlet.RequireSession();

    internal static string Target(string target, DcosSession? session)
        => session == null ? target : $"{target} on {session.ClusterUri}";
}
