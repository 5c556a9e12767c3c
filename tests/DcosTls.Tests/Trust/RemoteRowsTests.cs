using DcosTls.Tests.Infrastructure;
using Xunit;

namespace DcosTls.Tests.Trust;

/// <summary>Trust rows that come back from a remote agent carry an agent-side Path: they must be read from their PEM.</summary>
public class RemoteRowsTests
{
    [Fact]
    public void Deserialized_trust_rows_become_certificates_from_their_pem_not_their_path()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path).Set("root", dir["agent"]);
        var r = ps.Run(@"
            $ca = New-TlsCertificateAuthority -CommonName 'Remote Rows CA' -KeyAlgorithm ECDSA
            $null = $ca | Install-DockerRegistryTrust -Registry repo.internal:5000 -Root $root
            $rows = Get-DockerRegistryTrust -Root $root
            $back = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($rows))
            [System.IO.Directory]::Delete($root, $true)   # the agent-side files are not here
            $back | Import-DcosCertificate | ForEach-Object { $_.Thumbprint -eq $ca.Thumbprint }").ThrowOnError();
        // One row per store (Docker certs.d, Mesos hashed folder), both read back as the CA.
        Assert.Equal(new object[] { true, true }, r.Output.Select(o => o.BaseObject));
    }
}
