<#
.SYNOPSIS
    Runs the Pester tier (tests/Pester/*.Tests.ps1) with one Pester version, in this pwsh, and
    writes the counts as JSON for tests/run.ps1.
#>
param(
    [Parameter(Mandatory)] [string] $PesterManifest,
    [Parameter(Mandatory)] [string] $SummaryPath,
    [string[]] $Tag
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterManifest -Force
$config = New-PesterConfiguration
$config.Run.Path = $PSScriptRoot
$config.Run.PassThru = $true
$config.Run.Exit = $false
$config.Output.Verbosity = 'Normal'
if ($Tag) { $config.Filter.Tag = $Tag }
$result = Invoke-Pester -Configuration $config
# Skipped and not-run tests count as not executed: the suite has no reason to skip anything here.
$summary = [ordered]@{
    Pester           = (Get-Module Pester).Version.ToString()
    Found            = $result.TotalCount
    Passed           = $result.PassedCount
    Failed           = $result.FailedCount
    FailedContainers = $result.FailedContainersCount + $result.FailedBlocksCount
    NotRun           = $result.NotRunCount + $result.SkippedCount + $result.InconclusiveCount
}
$summary | ConvertTo-Json | Set-Content -Path $SummaryPath
