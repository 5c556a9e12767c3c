<#
    A user's install: ./build.ps1 -Task Package, Publish-PSResource of the package to a local file
    repository, Save-PSResource DcosTls from it into an empty module folder, then a pwsh whose
    PSModulePath holds only that folder and pwsh's own modules: Import-Module DcosTls by name,
    Get-Help about_DcosTls, and the example job run from the installed copy.
#>
BeforeAll {
    . (Join-Path $PSScriptRoot 'Pwsh.ps1')
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $manifest = Import-PowerShellDataFile (Join-Path $repoRoot 'DcosTls.psd1')
    $version = $manifest.ModuleVersion
    $packages = Join-Path $TestDrive 'package'
    $feed = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'feed')).FullName
    $modules = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'modules')).FullName
    $repositoryName = "DcosTlsTest$([guid]::NewGuid().ToString('n').Substring(0, 8))"

    # The suite has just built the module; Package copies what that build assembled.
    $packageOutput = Invoke-ChildPwsh -ArgumentList '-File', (Join-Path $repoRoot 'build.ps1'), '-Task', 'Package', '-NoBuild', '-PackagePath', $packages
    $packageExit = $LASTEXITCODE
    $package = Join-Path $packages $version

    Register-PSResourceRepository -Name $repositoryName -Uri $feed -Trusted
    Publish-PSResource -Path $package -Repository $repositoryName
    Save-PSResource -Name DcosTls -Repository $repositoryName -Path $modules -TrustRepository
    $installed = Join-Path $modules "DcosTls/$version"

    $work = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'user')).FullName
    $session = @'
$ErrorActionPreference = 'Stop'
Import-Module DcosTls
'BASE=' + (Get-Module DcosTls).ModuleBase
'CMDLETS=' + (Get-Module DcosTls).ExportedCmdlets.Count
'ASSEMBLY=' + [DcosTls.Cmdlets.DcosCmdlet].Assembly.GetName().Version.ToString(3)
'ABOUT=' + ((Get-Help about_DcosTls | Out-String) -match 'SHORT DESCRIPTION')
'SYNOPSIS=' + (Get-Help New-DcosCertificate).Synopsis
$steps = & (Join-Path (Get-Module DcosTls).ModuleBase 'module/Examples/Provision-Agent.ps1') -Root ./staging 6> $null
'STEPS=' + $steps.Count
'DAEMON=' + ($steps | Where-Object Task -eq 'Check: daemon TLS consistent').Result
'@
    $pathSeparator = [System.IO.Path]::PathSeparator
    $userOutput = @(Invoke-ChildPwsh -ArgumentList '-Command', $session -WorkingDirectory $work -Environment @{
            PSModulePath = "$modules$pathSeparator$(Join-Path $PSHOME 'Modules')" })
    $userExit = $LASTEXITCODE
    function Get-Reported([string] $Key) {
        $line = $userOutput | Where-Object { $_ -like "$Key=*" } | Select-Object -First 1
        if ($line) { $line.Substring($Key.Length + 1) }
    }
}

AfterAll {
    if (Get-PSResourceRepository -Name $repositoryName -ErrorAction Ignore) { Unregister-PSResourceRepository -Name $repositoryName }
}

Describe 'A user installs DcosTls from a package' -Tag Install {
    It 'build.ps1 -Task Package makes the package' {
        $packageExit | Should -Be 0 -Because ($packageOutput -join "`n")
        Join-Path $package 'DcosTls.psd1' | Should -Exist
    }

    It 'ships no .pdb and no markdown help sources' {
        @(Get-ChildItem -LiteralPath $package -Recurse -File -Include *.pdb, *.md | Where-Object Name -ne 'README.md') |
            Should -BeNullOrEmpty
    }

    It 'ships the compiled help, the examples and the provisioning checks' {
        foreach ($file in 'en-US/DcosTls.dll-Help.xml', 'en-US/about_DcosTls.help.txt', 'module/Examples/Provision-Agent.ps1',
            'module/Examples/Invoke-FleetProvisioning.ps1', 'tests/Provisioning/Agent.Tests.ps1', 'module/bin/DcosTls.dll',
            'module/bin/Dependencies/DcosTls.Engine.dll') {
            Join-Path $package $file | Should -Exist
        }
    }

    It 'installs from a PSResourceGet repository into an empty module path' {
        Join-Path $installed 'DcosTls.psd1' | Should -Exist
        Join-Path $installed 'tests/Provisioning/Agent.Tests.ps1' | Should -Exist
    }

    It 'imports by name from the installed copy, with help' {
        $userExit | Should -Be 0 -Because ($userOutput -join "`n")
        Get-Reported BASE | Should -Be $installed
        [int] (Get-Reported CMDLETS) | Should -Be $manifest.CmdletsToExport.Count
        Get-Reported ABOUT | Should -Be 'True'
        Get-Reported SYNOPSIS | Should -Not -BeNullOrEmpty
        Get-Reported SYNOPSIS | Should -Not -Match '^\s*New-DcosCertificate \['
    }

    It 'carries one version: the assembly has the manifest''s ModuleVersion' {
        Get-Reported ASSEMBLY | Should -Be ([version] $version).ToString(3)
    }

    It 'runs the example job from the installed copy' {
        [int] (Get-Reported STEPS) | Should -Be 8 -Because ($userOutput -join "`n")
        Get-Reported DAEMON | Should -Be 'True'
        Join-Path $work 'staging/var/lib/dcos/docker_credentials' | Should -Exist
    }
}
