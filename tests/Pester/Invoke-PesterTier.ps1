<#
.SYNOPSIS
    Runs the Pester tier (tests/Pester/*.Tests.ps1) with one Pester version, in this pwsh, and
    writes the counts as JSON for tests/run.ps1. -Compatibility makes it the compatibility pass:
    the files of compatibility-files.txt without their Heavy blocks, after checking that they use
    every Pester feature the whole tier uses (see tests/run.ps1's help). The JSON's Names are the
    tests that executed ("<file>: <expanded path>"); with -Discover nothing runs and Names are the
    tests discovery selects, named as a run would name them (tests/run.ps1 -UpdateNames).
#>
param(
    [Parameter(Mandatory)] [string] $PesterManifest,
    [Parameter(Mandatory)] [string] $SummaryPath,
    [string[]] $Tag,
    [string[]] $ExcludeTag,
    [switch] $Compatibility,
    [switch] $Discover,
    # Test file names in this folder, comma-separated (pwsh -File takes no arrays): one of the
    # processes tests/run.ps1 runs the whole tier in.
    [string] $File
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterManifest -Force
$config = New-PesterConfiguration
$config.Run.Path = if ($File) { @($File -split ',' | ForEach-Object { Join-Path $PSScriptRoot $_.Trim() }) } else { $PSScriptRoot }
$config.Run.PassThru = $true
$config.Run.Exit = $false
$config.Run.SkipRun = [bool]$Discover
$config.Output.Verbosity = if ($Discover) { 'None' } else { 'Normal' }
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
    foreach ($testFile in Get-ChildItem $PSScriptRoot -Filter *.Tests.ps1) {
        $used = Get-PesterFeature -Path $testFile.FullName -PesterCommand $pesterCommand -ExcludeTag Heavy
        foreach ($feature in $used) {
            if (-not $covered.Contains($feature)) { $uncovered += "'$feature' (used in $($testFile.Name))" }
        }
    }
    if ($uncovered) { Write-Host "The compatibility files do not use: $($uncovered -join ', '); add a file using it to tests/Pester/compatibility-files.txt" }
}
$result = Invoke-Pester -Configuration $config

# A test's identity: its file and its expanded path (Describe.Context.It, <templates> filled in).
$pesterVersion = (Get-Module Pester).Version
# Discovery leaves <template> names unexpanded: a run expands them when the block or test starts, in
# its scope, where the -ForEach data is defined. Expanded here the same way from the same data, with
# the version's own rules: 6.x formats a value with Format-NicelyForTemplate, 5.x interpolates it.
$formatNicely = if ($pesterVersion.Major -ge 6) { & (Get-Module Pester) { ${function:Format-NicelyForTemplate} } }
function Expand-TemplateName([string] $Name, [object[]] $DataChain) {
    if ($Name -notlike '*<*') { return $Name }
    if ($formatNicely) {
        $builder = [System.Text.StringBuilder]::new()
        $pos = 0
        foreach ($match in [regex]::Matches($Name, '(?<!`)<([^>`]+)>|`([<>])|([`"$])')) {
            $null = $builder.Append($Name.Substring($pos, $match.Index - $pos))
            if ($match.Groups[1].Success) { $null = $builder.Append('$(& $____format ($').Append($match.Groups[1].Value).Append('))') }
            elseif ($match.Groups[2].Success) { $null = $builder.Append($match.Groups[2].Value) }
            else { $null = $builder.Append('`').Append($match.Groups[3].Value) }
            $pos = $match.Index + $match.Length
        }
        $null = $builder.Append($Name.Substring($pos))
        $text = '"' + $builder.ToString() + '"'
    }
    else {
        $text = '"' + ($Name -replace '\$', '`$' -replace '"', '`"' -replace '(?<!`)<([^>^`]+)>', '$$($$$1)') + '"'
    }
    # In a scope of its own, so that data keys (Name, Data, ...) shadow nothing of this script.
    & {
        param($____Chain, $____Text, $____format)
        # Outer data first, so a test's own data wins, as in the nested scopes of a run; $_ is the
        # innermost data item.
        $____Current = $null
        foreach ($____Data in $____Chain) {
            if ($null -eq $____Data) { continue }
            $____Current = $____Data
            if ($____Data -is [System.Collections.IDictionary]) {
                foreach ($____Key in $____Data.Keys) { Set-Variable -Name $____Key -Value $____Data[$____Key] }
            }
        }
        $____Expand = [scriptblock]::Create($____Text)
        if ($null -eq $____Current) { & $____Expand } else { $____Current | ForEach-Object { & $____Expand } }
    } $DataChain $text $formatNicely
}
function Get-TestName($Block, [string] $File, [string[]] $Path, [object[]] $DataChain) {
    $chain = @($DataChain) + , $Block.Data
    $here = @($Path) + (Expand-TemplateName $Block.Name $chain)
    foreach ($test in $Block.Tests) {
        if (-not $test.ShouldRun) { continue }
        "${File}: " + (@($here) + (Expand-TemplateName $test.Name (@($chain) + , $test.Data)) -join '.')
    }
    foreach ($child in $Block.Blocks) { Get-TestName $child $File $here $chain }
}
$names = @(if ($Discover) {
        foreach ($container in $result.Containers) {
            $containerFile = [System.IO.Path]::GetFileName($container.Item.ToString())
            foreach ($block in $container.Blocks) { Get-TestName $block $containerFile @() @() }
        }
    }
    else {
        foreach ($test in $result.Tests) {
            if ($test.ShouldRun -and $test.Executed) {
                "$([System.IO.Path]::GetFileName($test.Block.BlockContainer.Item.ToString())): $($test.ExpandedPath)"
            }
        }
    })

# Where the time goes, for whoever has to keep the test command under its budget.
$slowest = @($result.Containers | Where-Object { $_.Duration.TotalSeconds -ge 1 } | Sort-Object Duration -Descending |
    ForEach-Object { '{0} {1:0} s' -f [IO.Path]::GetFileName($_.Item.ToString()), $_.Duration.TotalSeconds })
if ($slowest -and -not $Discover) { Write-Host ('Time per file: ' + ($slowest -join ', ')) }
# Found: the tests the tag filters select (all of them without a filter). Skipped and not-run
# tests among them count as not executed: the suite has no reason to skip anything here.
$selected = @($result.Tests | Where-Object ShouldRun)
$summary = [ordered]@{
    Pester           = $pesterVersion.ToString()
    Found            = $selected.Count
    Passed           = $result.PassedCount
    Failed           = $result.FailedCount
    FailedContainers = $result.FailedContainersCount + $result.FailedBlocksCount + $uncovered.Count
    NotRun           = @($selected | Where-Object Result -notin 'Passed', 'Failed').Count
    Names            = $names
}
$summary | ConvertTo-Json -Depth 3 | Set-Content -Path $SummaryPath
