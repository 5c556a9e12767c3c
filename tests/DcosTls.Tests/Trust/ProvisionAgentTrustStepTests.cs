using DcosTls.Tests.Infrastructure;
using Xunit;

namespace DcosTls.Tests.Trust;

/// <summary>The "registry trust" step of module/Examples/Provision-Agent.ps1, run in the hosted engine.</summary>
public class ProvisionAgentTrustStepTests
{
    [Fact]
    public void Example_makes_the_staging_root_trust_the_registry_certificate_it_issued()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        string root = dir["staging"];
        ps.Set("root", root).Set("DcosTlsManifest", Repo.Manifest);
        string script = Path.Combine(Repo.Root, "module", "Examples", "Provision-Agent.ps1");
        var r = ps.Run($"& '{script}' -Root $root").ThrowOnError();
        Assert.Contains(r.Output, o => o.BaseObject.GetType().Name == "InstalledRegistryTrust" && o.Properties["Health"].Value.ToString() == "OK");
        var crt = Assert.Single(Directory.GetFiles(Path.Combine(root, "etc/docker/certs.d/repo.internal:5000"), "*.crt"));
        string serverCert = Path.Combine(root, "provisioning", "registry.crt");
        // The step-2 server certificate verifies against the staged Docker file and the staged hashed folder.
        Assert.Contains("OK", Tool.Openssl("verify", "-CAfile", crt, serverCert));
        Assert.Contains("OK", Tool.Openssl("verify", "-CApath", Path.Combine(root, "var/lib/dcos/pki/tls/certs"), serverCert));
    }
}
