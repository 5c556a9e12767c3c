<#
.SYNOPSIS
    Builds, tests, documents and packages DcosTls (needs pwsh 7.4+ and the .NET SDK).
.DESCRIPTION
    Tasks:
      Restore  dotnet restore
      Build    dotnet build: assembles the importable module (module/bin, module/bin/Dependencies);
               after it, Import-Module ./DcosTls.psd1 works.
      Test     the xunit suite (hosting the real PowerShell engine); then Invoke-Pester on tests/
               when Pester 5 is installed.
      Help     en-US/DcosTls.dll-Help.xml from the PlatyPS markdown in en-US/ (New-ExternalHelp
               when PlatyPS is installed, otherwise the converter the .NET build uses).
      Package  module/DcosTls/<version>/: a copy ready for $env:PSModulePath or Publish-PSResource.
    Machines without pwsh run the same steps with `dotnet build DcosTls.sln` and `tests/run.sh`.
.EXAMPLE
    ./build.ps1 -Task Build, Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Restore', 'Build', 'Test', 'Help', 'Package')]
    [string[]] $Task = @('Build', 'Test'),
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug'
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

foreach ($t in $Task) {
    switch ($t) {
        'Restore' { Invoke-Dotnet restore "$root/DcosTls.sln" }
        'Build' { Invoke-Dotnet build "$root/DcosTls.sln" -c $Configuration }
        'Test' {
            Invoke-Dotnet test "$root/tests/DcosTls.Tests/DcosTls.Tests.csproj" -c $Configuration
            $pester = Get-Module -ListAvailable Pester | Where-Object Version -ge '5.0' | Select-Object -First 1
            if ($pester) {
                Import-Module $pester
                $config = New-PesterConfiguration
                $config.Run.Path = "$root/tests"
                $config.Run.Exit = $true
                $config.Filter.ExcludeTag = 'Provisioning'   # those run on agents, not here
                Invoke-Pester -Configuration $config
            }
            else {
                Write-Warning 'Pester 5 is not installed: only the xunit suite ran (Install-Module Pester -MinimumVersion 5.0).'
            }
        }
        'Help' {
            $platyps = Get-Module -ListAvailable platyPS | Select-Object -First 1
            if ($platyps) {
                Import-Module $platyps
                New-ExternalHelp -Path "$root/en-US" -OutputPath "$root/en-US" -Force | Out-Null
            }
            else {
                Invoke-Dotnet build "$root/src/DcosTls/DcosTls.csproj" -c $Configuration
            }
        }
        'Package' {
            Invoke-Dotnet build "$root/src/DcosTls/DcosTls.csproj" -c Release
            $version = (Import-PowerShellDataFile "$root/DcosTls.psd1").ModuleVersion
            $target = Join-Path $root "module/DcosTls/$version"
            if (Test-Path $target) { Remove-Item $target -Recurse -Force }
            New-Item -ItemType Directory -Path $target | Out-Null
            Copy-Item "$root/module/bin" "$target/module/bin" -Recurse
            Copy-Item "$root/module/*.ps1xml" "$target/module/"
            Copy-Item "$root/en-US" "$target/en-US" -Recurse
            Copy-Item "$root/DcosTls.psd1", "$root/README.md" $target
            Test-ModuleManifest "$target/DcosTls.psd1" | Out-Null
            Write-Host "Packaged: $target"
        }
    }
}
