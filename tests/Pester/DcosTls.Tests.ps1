#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    Module-level checks for pwsh users (./build.ps1 -Task Test runs them when Pester 5 is installed).
    The xunit suite covers the same ground in the hosted engine; these run in a real pwsh.
#>
BeforeAll {
    $manifest = [System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'DcosTls.psd1')
    Import-Module $manifest -Force
    $staging = Join-Path $TestDrive 'agent'
}

Describe 'DcosTls module' {
    It 'has a valid manifest' {
        Test-ModuleManifest -Path ([System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'DcosTls.psd1')) | Should -Not -BeNullOrEmpty
    }

    It 'documents every cmdlet' -ForEach @((Get-Module DcosTls).ExportedCmdlets.Keys) {
        $help = Get-Help $_ -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterThan 0
    }
}

Describe 'A local CA provisions a staging agent' {
    BeforeAll {
        $ca = New-TlsCertificateAuthority -CommonName 'Pester CA' -KeyAlgorithm ECDSA
    }

    It 'installs trust once and reports Unchanged the second time' {
        $first = $ca | Install-DockerRegistryTrust -Registry 'repo.internal:5000' -Root $staging
        $first.Action | Should -Contain 'Created'
        $second = $ca | Install-DockerRegistryTrust -Registry 'repo.internal:5000' -Root $staging
        $second.Action | Sort-Object -Unique | Should -Be 'Unchanged'
    }

    It 'issues a server certificate that chains to the CA' {
        $cert = New-DcosCertificate -Issuer $ca -CommonName repo.internal -DnsName repo.internal -KeyAlgorithm ECDSA
        $cert.Chain[0].Thumbprint | Should -Be $ca.Certificate.Thumbprint
        $cert.ExtendedKeyUsages | Should -Contain 'serverAuth'
    }
}
