using DcosTls.Tests.Infrastructure;
using Xunit;

namespace DcosTls.Tests.Help;

/// <summary>
/// The fleet example: certificates cross the remoting serializer and still bind to the next
/// cmdlet on the agent. Proved with -Rehearse (same serializer, no SSH needed).
/// </summary>
public class FleetRehearsalTests
{
    [Fact]
    public void Deserialized_ca_from_the_fleet_script_installs_trust_on_the_agent()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path).Set("DcosTlsManifest", Repo.Manifest);
        ps.Run("$null = New-TlsCertificateAuthority -CommonName 'Fleet CA' -KeyAlgorithm ECDSA | Export-DcosCertificate -Path fleet-ca.crt -NoKey").ThrowOnError();
        string script = Path.Combine(Repo.Root, "module", "Examples", "Invoke-FleetProvisioning.ps1");
        var r = ps.Run($"& '{script}' -Rehearse -CaPath fleet-ca.crt -Registry repo.internal:5000, mirror.internal -Root '{dir["agent"]}' | ForEach-Object {{ $_.Target + '|' + $_.Action }}").ThrowOnError();
        Assert.Contains("Docker|Created", r.Output.Select(o => o.ToString()));
        Assert.Contains("Mesos|Created", r.Output.Select(o => o.ToString()));
        Assert.True(Directory.Exists(dir["agent/etc/docker/certs.d/repo.internal:5000"]));
        Assert.True(Directory.Exists(dir["agent/etc/docker/certs.d/mirror.internal"]));
        // a second run of the fleet job changes nothing
        r = ps.Run($"& '{script}' -Rehearse -CaPath fleet-ca.crt -Registry repo.internal:5000, mirror.internal -Root '{dir["agent"]}' | ForEach-Object {{ $_.Action }}").ThrowOnError();
        // Per registry: its certs.d copy, the shared Mesos copy and its hash link.
        Assert.Equal(Enumerable.Repeat("Unchanged", 6), r.Output.Select(o => o.ToString()));
    }
}
