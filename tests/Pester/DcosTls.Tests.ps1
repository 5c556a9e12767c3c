<#
    Module-level checks in real pwsh: the manifest, help for every cmdlet, and a staging agent
    provisioned from a local CA. tests/run.ps1 runs this tier with every Pester version it restores.
#>
BeforeDiscovery {
    # -ForEach data is evaluated at discovery, so the module must be imported by then.
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    $cmdlets = @((Get-Module DcosTls).ExportedCmdlets.Keys | Sort-Object)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
}

Describe 'DcosTls module' {
    It 'has a valid manifest' {
        Test-ModuleManifest -Path (Join-Path $PSScriptRoot '../../DcosTls.psd1') | Should -Not -BeNullOrEmpty
    }

    It 'exports the cmdlets it documents' {
        (Get-Module DcosTls).ExportedCmdlets.Count | Should -BeGreaterOrEqual 19
    }

    It 'documents <_> with a synopsis, a description and an example' -ForEach $cmdlets {
        $help = Get-Help $_ -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match '^\s*\S+ \[' -Because 'a synopsis from the help file, not the generated syntax'
        ($help.description.Text -join '') | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterThan 0
    }
}

# -ForEach on a Describe: a Pester feature the compatibility pass (tests/run.ps1) keeps.
Describe 'A local <KeyAlgorithm> CA provisions a staging agent' -ForEach @(
    @{ KeyAlgorithm = 'ECDSA' }
    @{ KeyAlgorithm = 'RSA' }
) {
    BeforeAll {
        $ca = New-TlsCertificateAuthority -CommonName "Pester $KeyAlgorithm CA" -KeyAlgorithm $KeyAlgorithm
        $staging = Join-Path $TestDrive "agent-$KeyAlgorithm"
    }

    It 'installs trust once and reports Unchanged the second time' {
        $first = $ca | Install-DockerRegistryTrust -Registry 'repo.internal:5000' -Root $staging
        $first.Action | Should -Contain 'Created'
        $second = $ca | Install-DockerRegistryTrust -Registry 'repo.internal:5000' -Root $staging
        $second.Action | Sort-Object -Unique | Should -Be 'Unchanged'
    }

    It 'issues a server certificate that chains to the CA' {
        $cert = New-DcosCertificate -Issuer $ca -CommonName repo.internal -DnsName repo.internal -KeyAlgorithm $KeyAlgorithm
        $cert.Chain[0].Thumbprint | Should -Be $ca.Certificate.Thumbprint
        $cert.KeyAlgorithm | Should -Be $KeyAlgorithm
        $cert.ExtendedKeyUsages | Should -Contain 'serverAuth'
    }
}
