using DcosTls.Tests.Infrastructure;
using DcosTls.Tests.Peers;
using Xunit;

namespace DcosTls.Tests.Cluster;

/// <summary>
/// The default session belongs to the runspace that connected: another runspace in the same
/// process (a second host, ForEach-Object -Parallel) neither sees nor replaces nor clears it.
/// </summary>
[Collection(ClusterCollection.Name)]
public class DefaultSessionTests
{
    private readonly AdminRouterFixture _cluster;

    public DefaultSessionTests(AdminRouterFixture cluster) => _cluster = cluster;

    private Pwsh Shell(TempDir dir, string user, string password)
    {
        _cluster.AddUser(user, password);
        return new Pwsh(dir.Path).Set("cred", Secrets.Credential(user, password)).Set("uri", _cluster.Uri).Set("ca", _cluster.CaPath);
    }

    private const string WhoIsDefault = "(New-DcosCertificate -CommonName who.example -KeyAlgorithm ECDSA -ErrorAction Stop) | Out-Null; 'connected'";

    [Fact]
    public void A_second_runspace_neither_sees_nor_clears_the_first_runspace_login()
    {
        using var dir = new TempDir();
        using var first = Shell(dir, "rs-one", "rs-one-pw-31");
        using var second = Shell(dir, "rs-two", "rs-two-pw-32");

        first.Run("$null = Connect-DcosCluster -Uri $uri -Credential $cred -CaCertificatePath $ca").ThrowOnError();
        var unseen = second.Run(WhoIsDefault);
        Assert.Equal("NoDcosSession,DcosTls.Cmdlets.NewDcosCertificateCommand", Assert.Single(unseen.AllErrors).FullyQualifiedErrorId);

        // The second runspace logs in as someone else and then disconnects: the first keeps its own login.
        second.Run("$null = Connect-DcosCluster -Uri $uri -Credential $cred -CaCertificatePath $ca; Disconnect-DcosCluster").ThrowOnError();
        var kept = first.Run("(Get-DcosCaCertificate -ErrorAction Stop).Subject; " + WhoIsDefault).ThrowOnError();
        Assert.Equal("connected", kept.Output.Last().ToString());

        first.Run("Disconnect-DcosCluster").ThrowOnError();
        Assert.Equal("NoDcosSession,DcosTls.Cmdlets.NewDcosCertificateCommand", Assert.Single(first.Run(WhoIsDefault).AllErrors).FullyQualifiedErrorId);
    }

    [Fact]
    public void Parallel_runspaces_start_without_the_default_and_use_an_explicit_session()
    {
        using var dir = new TempDir();
        using var ps = Shell(dir, "rs-par", "rs-par-pw-33").Set("manifest", Repo.Manifest);
        var r = ps.Run(@"
            $s = Connect-DcosCluster -Uri $uri -Credential $cred -CaCertificatePath $ca
            1..2 | ForEach-Object -ThrottleLimit 2 -Parallel {
                Import-Module $using:manifest
                $own = try { New-DcosCertificate -CommonName default.example -KeyAlgorithm ECDSA -ErrorAction Stop; 'default' } catch { $_.FullyQualifiedErrorId }
                $given = (New-DcosCertificate -Session $using:s -CommonName ""p$_.example"" -KeyAlgorithm ECDSA).CommonName
                ""$own|$given""
            }
            " + WhoIsDefault).ThrowOnError();
        Assert.Equal(new[] { "NoDcosSession,DcosTls.Cmdlets.NewDcosCertificateCommand|p1.example",
            "NoDcosSession,DcosTls.Cmdlets.NewDcosCertificateCommand|p2.example" },
            r.Output.Take(2).Select(o => o.ToString()).Order());
        Assert.Equal("connected", r.Output.Last().ToString());
    }
}
