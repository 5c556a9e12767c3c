<#
.SYNOPSIS
    Runs the Pester tier (tests/Pester/*.Tests.ps1) with one Pester version, in this pwsh, and
    writes the counts as JSON for tests/run.ps1. -Compatibility makes it the compatibility pass:
    the files of compatibility-files.txt without their Heavy blocks, after checking that they use
    every Pester feature the whole tier uses (see tests/run.ps1's help).
#>
param(
    [Parameter(Mandatory)] [string] $PesterManifest,
    [Parameter(Mandatory)] [string] $SummaryPath,
    [string[]] $Tag,
    [string[]] $ExcludeTag,
    [switch] $Compatibility
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterManifest -Force
$config = New-PesterConfiguration
$config.Run.Path = $PSScriptRoot
$config.Run.PassThru = $true
$config.Run.Exit = $false
$config.Output.Verbosity = 'Normal'
# tests/run.ps1 passes several tags as one comma-separated argument (pwsh -File takes no arrays).
if ($Tag) { $config.Filter.Tag = @($Tag -split ',' | ForEach-Object Trim) }
if ($ExcludeTag) { $config.Filter.ExcludeTag = @($ExcludeTag -split ',' | ForEach-Object Trim) }
$uncovered = @()
if ($Compatibility) {
    . (Join-Path $PSScriptRoot 'PesterFeatures.ps1')
    $config.Filter.ExcludeTag = @('Heavy')
    $listed = @(Get-Content (Join-Path $PSScriptRoot 'compatibility-files.txt') | ForEach-Object { ($_ -replace '#.*$', '').Trim() } | Where-Object { $_ } |
        ForEach-Object { Join-Path $PSScriptRoot $_ })
    $config.Run.Path = $listed
    $pesterCommand = @((Get-Command -Module Pester).Name)
    $covered = Get-PesterFeature -Path $listed -PesterCommand $pesterCommand -ExcludeTag Heavy
    foreach ($file in Get-ChildItem $PSScriptRoot -Filter *.Tests.ps1) {
        $used = Get-PesterFeature -Path $file.FullName -PesterCommand $pesterCommand -ExcludeTag Heavy
        foreach ($feature in $used) {
            if (-not $covered.Contains($feature)) { $uncovered += "'$feature' (used in $($file.Name))" }
        }
    }
    if ($uncovered) { Write-Host "The compatibility files do not use: $($uncovered -join ', '); add a file using it to tests/Pester/compatibility-files.txt" }
}
$result = Invoke-Pester -Configuration $config
# Where the time goes, for whoever has to keep the test command under its budget.
$slowest = @($result.Containers | Where-Object { $_.Duration.TotalSeconds -ge 1 } | Sort-Object Duration -Descending |
    ForEach-Object { '{0} {1:0} s' -f [IO.Path]::GetFileName($_.Item.ToString()), $_.Duration.TotalSeconds })
if ($slowest) { Write-Host ('Time per file: ' + ($slowest -join ', ')) }
# Found: the tests the tag filters select (all of them without a filter). Skipped and not-run
# tests among them count as not executed: the suite has no reason to skip anything here.
$selected = @($result.Tests | Where-Object ShouldRun)
$summary = [ordered]@{
    Pester           = (Get-Module Pester).Version.ToString()
    Found            = $selected.Count
    Passed           = $result.PassedCount
    Failed           = $result.FailedCount
    FailedContainers = $result.FailedContainersCount + $result.FailedBlocksCount + $uncovered.Count
    NotRun           = @($selected | Where-Object Result -notin 'Passed', 'Failed').Count
}
$summary | ConvertTo-Json | Set-Content -Path $SummaryPath
