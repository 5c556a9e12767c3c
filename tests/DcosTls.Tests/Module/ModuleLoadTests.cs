using DcosTls.Tests.Infrastructure;
using Xunit;

namespace DcosTls.Tests.Module;

public class ModuleLoadTests
{
    [Fact]
    public void Manifest_passes_Test_ModuleManifest()
    {
        using var ps = new Pwsh(importModule: false);
        var r = ps.Run($"Test-ModuleManifest -Path '{Repo.Manifest}' -ErrorAction Stop | ForEach-Object {{ $_.Name + '|' + $_.Version + '|' + $_.PowerShellVersion }}").ThrowOnError();
        // The version has one home, DcosTls.psd1; the lowest pwsh the module loads in is the contract here.
        string version = (string)Repo.ManifestData()["ModuleVersion"]!;
        Assert.Matches(@"^\d+\.\d+\.\d+$", version);
        Assert.Equal($"DcosTls|{version}|7.4", r.Value);
    }

    [Fact]
    public void Exports_exactly_the_manifest_cmdlets()
    {
        using var ps = new Pwsh();
        var exported = ps.Run("(Get-Module DcosTls).ExportedCmdlets.Keys | ForEach-Object { $_ }").ThrowOnError()
            .Output.Select(o => o.ToString()).OrderBy(s => s).ToList();
        // Import-PowerShellDataFile is not in the hosted core set; parse the manifest with the engine instead.
        var manifest = ps.Run($"$m = [System.Management.Automation.Language.Parser]::ParseFile('{Repo.Manifest}', [ref]$null, [ref]$null); " +
            "$m.Find({ $args[0] -is [System.Management.Automation.Language.HashtableAst] }, $false).SafeGetValue().CmdletsToExport | ForEach-Object { $_ }")
            .ThrowOnError().Output.Select(o => o.ToString()).OrderBy(s => s).ToList();
        Assert.NotEmpty(exported);
        Assert.Equal(manifest, exported);
    }

    [Fact]
    public void BouncyCastle_never_lands_in_the_default_load_context()
    {
        using var dir = new TempDir();
        // A legacy `openssl genrsa -aes256` key: reading it is the one thing that needs BouncyCastle.
        Tool.Run("openssl", "genrsa", "-aes256", "-traditional", "-passout", "pass:pw-for-test", "-out", dir["legacy.key"], "2048");
        Tool.Openssl("req", "-new", "-x509", "-key", dir["legacy.key"], "-passin", "pass:pw-for-test", "-subj", "/CN=legacy", "-days", "2", "-out", dir["legacy.crt"]);
        using var ps = new Pwsh(dir.Path);
        ps.Run("$pw = [System.Security.SecureString]::new(); 'pw-for-test'.ToCharArray() | ForEach-Object { $pw.AppendChar($_) }; " +
               "$c = Import-DcosCertificate -Path legacy.crt -KeyPath legacy.key -Password $pw; $c.HasPrivateKey").ThrowOnError();
        var contexts = ps.Run("[System.AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -like 'BouncyCastle*' } | " +
            "ForEach-Object { [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name }").ThrowOnError()
            .Output.Select(o => o.ToString()).ToList();
        Assert.NotEmpty(contexts); // it was used...
        Assert.All(contexts, name => Assert.Equal("DcosTls.Dependencies", name)); // ...and only in our context
    }

    [Fact]
    public void No_dependency_type_appears_in_a_parameter_or_an_output()
    {
        using var ps = new Pwsh();
        var assemblies = ps.Run(@"
            (Get-Module DcosTls).ExportedCmdlets.Values | ForEach-Object {
                $c = $_
                $c.Parameters.Values | ForEach-Object { $c.Name + ' -' + $_.Name + ' ' + $_.ParameterType.Assembly.GetName().Name }
                $c.OutputType | ForEach-Object { $c.Name + ' output ' + $_.Type.Assembly.GetName().Name } }").ThrowOnError()
            .Output.Select(o => o.ToString()).ToList();
        Assert.NotEmpty(assemblies);
        var allowed = new[] { "System.Private.CoreLib", "System.Management.Automation", "DcosTls", "System.Runtime", "System.Security.Cryptography", "System.Private.Uri", "System.Collections" };
        Assert.All(assemblies, line => Assert.Contains(line.Split(' ').Last(), allowed));
    }
}
