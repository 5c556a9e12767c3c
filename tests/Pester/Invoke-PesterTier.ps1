<#
.SYNOPSIS
    Runs the Pester tier (tests/Pester/*.Tests.ps1) with one Pester version, in this pwsh, and
    writes the counts as JSON for tests/run.ps1. -ExcludeTag Heavy makes it the compatibility pass
    (see tests/run.ps1's help).
#>
param(
    [Parameter(Mandatory)] [string] $PesterManifest,
    [Parameter(Mandatory)] [string] $SummaryPath,
    [string[]] $Tag,
    [string[]] $ExcludeTag
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
    FailedContainers = $result.FailedContainersCount + $result.FailedBlocksCount
    NotRun           = @($selected | Where-Object Result -notin 'Passed', 'Failed').Count
}
$summary | ConvertTo-Json | Set-Content -Path $SummaryPath
