<#
.SYNOPSIS
    Builds, tests, documents, packages and demonstrates DcosTls.
.DESCRIPTION
    Needs only the .NET SDK: pwsh is the repository's dotnet tool, so run it as
    `dotnet tool restore && dotnet pwsh ./build.ps1 -Task <tasks>`. Tasks run in the order given:

      Restore  dotnet restore of DcosTls.sln.
      Build    dotnet build: assembles the importable module (module/bin, module/bin/Dependencies)
               and its help; after it, Import-Module ./DcosTls.psd1 works.
      Test     tests/run.ps1 in a pwsh of its own: every tier (unit, xunit, Pester 6.2.0, then the
               Pester 5.7.1 compatibility pass; Pester from the package registry). A failed test
               fails the build; later tasks do not run.
      Help     Rewrites the SYNTAX and parameter metadata of en-US/<Cmdlet>.md from the built cmdlets
               (Get-Command), then builds en-US/DcosTls.dll-Help.xml and about_DcosTls.help.txt from the
               markdown with the converter in src/DcosTls.HelpBuilder. Run after Build.
      Package  <PackagePath>/<version>/: the module as users install it (manifest, assemblies without
               .pdb, format files, compiled help, README, module/Examples and tests/Provisioning),
               ready for $env:PSModulePath or Publish-PSResource.
      Example  the main job: builds the module project (unless -NoBuild or Build ran already), then runs
               module/Examples/Provision-Agent.ps1 into the staging root -StagingRoot.
.PARAMETER Task
    The tasks to run, in order; a comma-separated string works too (pwsh -File). Default: Build, Test.
.PARAMETER Configuration
    The .NET build configuration of Build and Package.
.PARAMETER PackagePath
    The folder Package writes <version>/ into. Default: module/DcosTls.
.PARAMETER NoBuild
    Package, or run the example on, what the last build assembled instead of building first.
.PARAMETER StagingRoot
    The staging root of the Example task (relative to the current location). Default: ./staging.
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Build, Test, Package
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Example -StagingRoot ./staging
#>
[CmdletBinding()]
param(
    [string[]] $Task = @('Build', 'Test'),
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug',
    [string] $PackagePath = (Join-Path $PSScriptRoot 'module/DcosTls'),
    [switch] $NoBuild,
    [string] $StagingRoot = './staging'
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
# `pwsh -File build.ps1 -Task Build,Package` passes one string: split it as pwsh would split a list.
$Task = @($Task -split ',' | ForEach-Object Trim | Where-Object { $_ })
$known = 'Restore', 'Build', 'Test', 'Help', 'Package', 'Example'
foreach ($t in $Task) {
    if ($t -notin $known) { throw "Unknown task '$t'. Tasks: $($known -join ', ')." }
}

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

# This pwsh as a command line: its executable, or `dotnet pwsh.dll` when it is the dotnet tool.
function Get-PwshCommandLine {
    $exe = [Environment]::ProcessPath
    if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { , @($exe, (Join-Path $PSHOME 'pwsh.dll')) }
    else { , @($exe) }
}

foreach ($t in $Task) {
    switch ($t) {
        'Restore' { Invoke-Dotnet restore (Join-Path $root 'DcosTls.sln') }
        'Build' { Invoke-Dotnet build (Join-Path $root 'DcosTls.sln') -c $Configuration }
        'Test' {
            # run.ps1 ends its own process with the exit code; a pwsh of its own keeps this script going.
            $pwsh = Get-PwshCommandLine
            & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File (Join-Path $root 'tests/run.ps1')
            if ($LASTEXITCODE -ne 0) { throw "Test: tests/run.ps1 failed (exit code $LASTEXITCODE); see its summary above." }
        }
        'Help' {
            # One generator: the markdown (PlatyPS schema) is the source; its SYNTAX and parameter
            # metadata are first brought in line with the built cmdlets, then converted to MAML.
            $en = Join-Path $root 'en-US'
            $pwsh = Get-PwshCommandLine
            & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File (Join-Path $root 'src/DcosTls.HelpBuilder/Update-HelpMarkdown.ps1')
            if ($LASTEXITCODE -ne 0) { throw "Help: Update-HelpMarkdown.ps1 failed (exit code $LASTEXITCODE)." }
            $builder = Join-Path $root 'src/DcosTls.HelpBuilder/DcosTls.HelpBuilder.csproj'
            Invoke-Dotnet build $builder -c $Configuration --nologo --verbosity quiet
            Invoke-Dotnet (Join-Path $root "src/DcosTls.HelpBuilder/bin/$Configuration/net8.0/dcostls-helpbuilder.dll") $en $en
            Write-Host "Help: markdown metadata checked against the cmdlets, MAML built into $en"
        }
        'Package' {
            if (-not $NoBuild) { Invoke-Dotnet build (Join-Path $root 'src/DcosTls/DcosTls.csproj') -c $Configuration }
            $version = (Import-PowerShellDataFile (Join-Path $root 'DcosTls.psd1')).ModuleVersion
            $target = Join-Path $PackagePath $version
            if (Test-Path $target) { Remove-Item $target -Recurse -Force }
            $null = New-Item -ItemType Directory -Path $target
            # What a user's install needs, and nothing the build only uses (.pdb, the markdown sources).
            $files = @(
                @{ From = 'DcosTls.psd1', 'README.md'; To = '.' }
                @{ From = 'module/bin/*.dll'; To = 'module/bin' }
                @{ From = 'module/bin/Dependencies/*.dll'; To = 'module/bin/Dependencies' }
                @{ From = 'module/*.ps1xml'; To = 'module' }
                @{ From = 'module/Examples/*.ps1'; To = 'module/Examples' }
                @{ From = 'en-US/*-Help.xml', 'en-US/*.help.txt'; To = 'en-US' }
                @{ From = 'tests/Provisioning/*.ps1'; To = 'tests/Provisioning' }
            )
            foreach ($entry in $files) {
                $destination = New-Item -ItemType Directory -Path (Join-Path $target $entry.To) -Force
                foreach ($pattern in $entry.From) {
                    $found = @(Get-ChildItem -Path (Join-Path $root $pattern) -File)
                    if (-not $found) { throw "Package: nothing matches $pattern; run the Build task first." }
                    $found | Copy-Item -Destination $destination
                }
            }
            $null = Test-ModuleManifest (Join-Path $target 'DcosTls.psd1')
            Write-Host "Packaged: $target"
        }
        'Example' {
            # The module project alone (engine, help builder, module and help assembled): the test and
            # benchmark projects are not needed to provision, and building them was most of the time.
            if (-not $NoBuild -and 'Build' -notin $Task) { Invoke-Dotnet build (Join-Path $root 'src/DcosTls/DcosTls.csproj') -c $Configuration }
            & (Join-Path $root 'module/Examples/Provision-Agent.ps1') -Root $StagingRoot
        }
    }
}
