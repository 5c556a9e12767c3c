using System.Management.Automation;
using DcosTls.Tests.Infrastructure;
using Xunit;
using static DcosTls.Tests.Progress.ProgressAssert;

namespace DcosTls.Tests.Progress;

/// <summary>Invoke-DcosAgentProvisioning knows its agents: a bar with a percentage, one step per agent done.</summary>
public class FleetProgressTests
{
    [Fact]
    public void Fleet_provisioning_counts_agents_under_one_activity()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        // Port 1 on the loopback refuses at once: each agent fails fast, without an SSH server.
        var run = ps.Run(@"
            $ca = New-TlsCertificateAuthority -CommonName 'Progress CA' -KeyAlgorithm ECDSA
            Invoke-DcosAgentProvisioning -Agent 127.0.0.1, localhost -Port 1 -CaCertificate $ca -Registry registry.example.com:5000 -WhatIf -ConnectingTimeout 2000");
        // Both agents were tried and failed at connect: the bar below counts real ends, not a plan.
        Assert.Equal(2, run.Warnings.Count(w => w.Contains("could not be asked", StringComparison.Ordinal)));
        var records = Batch(run, "Invoke-DcosAgentProvisioning");
        OneActivityCompletedOnce(records);
        var updates = records.Where(p => p.RecordType == ProgressRecordType.Processing).ToList();
        Assert.Equal(new[] { 50, 100 }, updates.Select(p => p.PercentComplete).TakeLast(2));
        Assert.Contains("2 of 2", updates[^1].StatusDescription);
        Assert.StartsWith("Asking 2 agent(s)", updates[0].StatusDescription);
    }
}
