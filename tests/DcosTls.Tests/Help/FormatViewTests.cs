using System.Xml.Linq;
using DcosTls.Tests.Infrastructure;
using Xunit;

namespace DcosTls.Tests.Help;

/// <summary>
/// Format views render: every column of every table view is evaluated (Format-Table is not in the
/// hosted core engine, so the test evaluates the columns as the formatter would) against real objects.
/// </summary>
public class FormatViewTests
{
    /// <summary>
    /// Scripts that make one object of each type the views are for. Every path is under $scratch, a
    /// folder of the test's own that is deleted afterwards (never the temp folder itself).
    /// </summary>
    public static readonly Dictionary<string, string> Samples = new()
    {
        ["DcosTls.Certificates.DcosCertificate"] = "New-DcosCertificate -SelfSigned -CommonName view.example -KeyAlgorithm ECDSA",
        // Registry trust: throw-away staging roots; Test needs no network when no CA is installed.
        ["DcosTls.Trust.RegistryTrustResult"] = "New-TlsCertificateAuthority -CommonName 'View CA' -KeyAlgorithm ECDSA | Install-DockerRegistryTrust -Registry view.example:5000 -Root \"$scratch/trust-result\"",
        ["DcosTls.Trust.InstalledRegistryTrust"] = "$r = \"$scratch/installed-trust\"; $null = New-TlsCertificateAuthority -CommonName 'View CA' -KeyAlgorithm ECDSA | Install-DockerRegistryTrust -Registry view.example:5000 -Root $r; Get-DockerRegistryTrust -Root $r",
        ["DcosTls.Trust.RegistryTrustTestResult"] = "Test-DockerRegistryTrust -Registry view.example:5000 -Root ([System.IO.Directory]::CreateDirectory(\"$scratch/empty-root\").FullName) -Detailed",
        ["DcosTls.DockerDaemon.DockerTlsFile"] = "$ca = New-TlsCertificateAuthority -CommonName v -KeyAlgorithm ECDSA; " +
            "Set-DockerDaemonTls -Root ([System.IO.Directory]::CreateDirectory(\"$scratch/daemon-root\").FullName) -CaCertificate $ca -Certificate (New-DcosCertificate -Issuer $ca -CommonName v -KeyAlgorithm ECDSA) -PassThru",
        // An empty staging root: the DaemonConfig check fails without touching anything.
        ["DcosTls.DockerDaemon.DockerDaemonTlsCheck"] = "Test-DockerDaemonTls -Root ([System.IO.Directory]::CreateDirectory(\"$scratch/empty-daemon-root\").FullName) -Detailed",
        ["DcosTls.DockerDaemon.DockerClientSettings"] = "$ca = New-TlsCertificateAuthority -CommonName v -KeyAlgorithm ECDSA; " +
            "Install-DockerClientCertificate -Path \"$scratch/client\" -CaCertificate $ca -Certificate (New-DcosCertificate -Issuer $ca -CommonName c -Usage Client -KeyAlgorithm ECDSA)",
        ["DcosTls.Lifecycle.CertificateRenewal"] = "$ca = New-TlsCertificateAuthority -CommonName v -KeyAlgorithm ECDSA; $r = [System.IO.Directory]::CreateDirectory(\"$scratch/renew-root\").FullName; " +
            "Set-DockerDaemonTls -Root $r -CaCertificate $ca -Certificate (New-DcosCertificate -Issuer $ca -CommonName v -KeyAlgorithm ECDSA); Update-DockerDaemonCertificate -Root $r -Issuer $ca -Force -PassThru",
        ["DcosTls.Lifecycle.DescribedRenewalResult"] = "$ca = New-TlsCertificateAuthority -CommonName v -KeyAlgorithm ECDSA; $d = [System.IO.Directory]::CreateDirectory(\"$scratch/described\").FullName; " +
            "New-DcosCertificate -Issuer $ca -CommonName v -KeyAlgorithm ECDSA | Export-DcosCertificate -Path \"$d/v.crt\"; Update-DcosCertificate -Path $d -Issuer $ca -Force",
        ["DcosTls.Marathon.MarathonRegistryApp"] = "New-MarathonRegistryApp",
        ["DcosTls.Lifecycle.AgentCertificate"] = "$ca = New-TlsCertificateAuthority -CommonName v -KeyAlgorithm ECDSA; $r = [System.IO.Directory]::CreateTempSubdirectory().FullName; " +
            "Set-DockerDaemonTls -Root $r -CaCertificate $ca -Certificate (New-DcosCertificate -Issuer $ca -CommonName v -KeyAlgorithm ECDSA); Get-DcosTlsCertificate -Root $r",
        ["DcosTls.Credentials.DockerAuthArchive"] = "$p = [securestring]::new(); 'x'.ToCharArray() | ForEach-Object { $p.AppendChar($_) }; " +
            "New-DockerAuthArchive -Registry view.example:5000 -Credential ([pscredential]::new('u', $p)) -Path \"$scratch/docker.tar.gz\"",
        ["DcosTls.Credentials.MesosDockerConfigResult"] = "$p = [securestring]::new(); 'x'.ToCharArray() | ForEach-Object { $p.AppendChar($_) }; " +
            "Set-MesosDockerConfig -Registry view.example:5000 -Credential ([pscredential]::new('u', $p)) -Root ([System.IO.Directory]::CreateDirectory(\"$scratch/mesos-root\").FullName) -PassThru",
        ["DcosTls.Files.WrittenFile"] = "New-DcosCertificate -SelfSigned -CommonName view.example -KeyAlgorithm ECDSA | Export-DcosCertificate -Path \"$scratch/view.crt\" -PassThru",
        ["DcosTls.Requests.DcosCertificateRequest"] = "New-DcosCertificateRequest -CommonName view.example -DnsName view.example -KeyAlgorithm ECDSA",
        // An agent address with nothing listening: the row of an unreachable agent, without a network.
        ["DcosTls.Fleet.FleetAgentResult"] = "'127.0.0.9' | Invoke-DcosAgentProvisioning -CaCertificate (New-TlsCertificateAuthority -CommonName v -KeyAlgorithm ECDSA) -Registry view.example:5000 -Port 1",
        ["DcosTls.Credentials.DockerRegistryCredential"] = "$p = [securestring]::new(); 'x'.ToCharArray() | ForEach-Object { $p.AppendChar($_) }; New-DockerAuthConfig view.example:5000 ([pscredential]::new('u', $p))",
    };

    /// <summary>Types whose sample needs a fixture: their views are checked by the tests named here.</summary>
    public static readonly Dictionary<string, string> CheckedElsewhere = new()
    {
        ["DcosTls.Session.DcosSession"] = "Cluster.ConnectDcosClusterTests.Session_table_view_renders_and_shows_no_token",
        ["DcosTls.Certificates.DcosCertificate#ClusterCa"] = "Cluster.ConnectDcosClusterTests.Get_DcosCaCertificate_rows_carry_the_type_name_of_the_role_table",
        ["DcosTls.Credentials.DcosPullSecret"] = "Credentials.PullSecretTests (the secrets store stand-in)",
        ["DcosTls.Acme.AcmeAccount"] = "Pester Acme.Tests.ps1: the account's default views show a real pebble account (the ACME test CA)",
        ["DcosTls.Fleet.DcosAgent"] = "Fleet.GetDcosAgentTests.The_view_columns_evaluate_on_a_real_agent (the master stand-in)",
        // The cluster rows need the cluster stand-in: their views render module-made records in Pester Views.Tests.ps1
        // (80 columns, every label a property) and real rows in Cluster.Tests.ps1.
        ["DcosTls.Marathon.MarathonApp"] = "Pester Views.Tests.ps1 and Cluster.Tests.ps1 (the cluster stand-in)",
        ["DcosTls.Marathon.MarathonDeployment"] = "Pester Views.Tests.ps1 and Cluster.Tests.ps1 (the cluster stand-in)",
        ["DcosTls.Cluster.DcosSecretInfo"] = "Pester Views.Tests.ps1 and Cluster.Tests.ps1 (the cluster stand-in)",
        ["DcosTls.Cluster.DcosServiceAccount"] = "Pester Views.Tests.ps1 and Cluster.Tests.ps1 (the cluster stand-in)",
        ["DcosTls.Cluster.DcosPermission"] = "Pester Views.Tests.ps1 and Cluster.Tests.ps1 (the cluster stand-in)",
        ["DcosTls.Cluster.DcosPackageInstall"] = "Pester Views.Tests.ps1 and Cluster.Tests.ps1 (the cluster stand-in)",
    };

    [Fact]
    public void Every_column_of_every_view_evaluates_on_a_real_object()
    {
        using var scratch = new TempDir("dcostls-view-");
        using var ps = new Pwsh(scratch.Path).Set("scratch", scratch.Path);
        foreach (var (file, view, type) in FormatViewChecks.Views(ps))
        {
            if (!Samples.TryGetValue(type, out var make))
            {
                Assert.True(CheckedElsewhere.ContainsKey(type), $"{Path.GetFileName(file)}: the view for {type} has no sample in FormatViewTests.Samples");
                continue;
            }
            FormatViewChecks.AssertColumnsEvaluate(ps, view, type, ps.Run(make).ThrowOnError().Output.First());
        }
    }
}

/// <summary>Reading and evaluating the module's format views, shared with tests that need fixtures.</summary>
public static class FormatViewChecks
{
    /// <summary>Every view in the module's format files: (file, view element, first type name).</summary>
    public static IEnumerable<(string File, XElement View, string Type)> Views(Pwsh ps)
    {
        var files = ps.Run("(Get-Module DcosTls).ExportedFormatFiles | ForEach-Object { $_ }").ThrowOnError().Output.Select(o => o.ToString()).ToList();
        Assert.NotEmpty(files);
        foreach (var file in files)
            foreach (var view in XDocument.Load(file).Descendants("View"))
                yield return (file, view, view.Element("ViewSelectedBy")!.Elements("TypeName").First().Value);
    }

    /// <summary>Evaluates each column as the formatter would: a property must exist, a script must run.</summary>
    public static void AssertColumnsEvaluate(Pwsh ps, XElement view, string type, object sample)
    {
        ps.Set("sample", sample);
        foreach (var item in view.Descendants("TableColumnItem"))
        {
            string? property = item.Element("PropertyName")?.Value;
            string? script = item.Element("ScriptBlock")?.Value;
            var r = property != null
                ? ps.Run($"if ($null -eq $sample.PSObject.Properties['{property}']) {{ throw 'no property {property} on {type}' }}")
                : ps.Run("$sample | ForEach-Object ([scriptblock]::Create('" + script!.Replace("'", "''") + "'))");
            Assert.True(!r.AllErrors.Any(), $"view {view.Element("Name")?.Value}: {property ?? script}: {string.Join("; ", r.AllErrors)}");
        }
    }
}
