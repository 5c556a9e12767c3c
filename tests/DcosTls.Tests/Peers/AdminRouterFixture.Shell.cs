using DcosTls.Tests.Infrastructure;

namespace DcosTls.Tests.Peers;

public sealed partial class AdminRouterFixture
{
    /// <summary>
    /// A PowerShell engine in <paramref name="dir"/> logged in as a new user of this cluster: $s is the
    /// session (also the runspace's default), $uri and $ca the cluster's address and pinned CA.
    /// </summary>
    public Pwsh ConnectedShell(TempDir dir, string user)
    {
        AddUser(user, user + "-pw");
        var ps = new Pwsh(dir.Path).Set("cred", Secrets.Credential(user, user + "-pw")).Set("uri", Uri).Set("ca", CaPath);
        ps.Run("$s = Connect-DcosCluster -Uri $uri -Credential $cred -CaCertificatePath $ca").ThrowOnError();
        return ps;
    }
}
