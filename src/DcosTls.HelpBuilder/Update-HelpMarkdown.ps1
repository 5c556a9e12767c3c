<#
.SYNOPSIS
    Rewrites the SYNTAX blocks and the parameter metadata of en-US/<Cmdlet>.md from the built module.
.DESCRIPTION
    Run after changing a cmdlet's parameters (./build.ps1 -Task Build first). Descriptions, examples
    and each parameter's "Default value" stay as written; a parameter with no section yet is reported,
    not invented: write its description, then run this again.
.EXAMPLE
    dotnet pwsh src/DcosTls.HelpBuilder/Update-HelpMarkdown.ps1
#>
[CmdletBinding()]
param([string] $Manifest = (Join-Path $PSScriptRoot '../../DcosTls.psd1'), [string] $HelpFolder = (Join-Path $PSScriptRoot '../../en-US'))
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'HelpMarkdownMetadata.ps1')
Import-Module $Manifest -Force
foreach ($command in Get-Command -Module DcosTls -CommandType Cmdlet) {
    $file = Join-Path $HelpFolder "$($command.Name).md"
    if (-not (Test-Path -LiteralPath $file)) { Write-Warning "$($command.Name): no $file"; continue }
    $text = Get-Content -LiteralPath $file -Raw
    $newline = if ($text.Contains("`r`n")) { "`r`n" } else { "`n" }
    $syntax = (Get-DcosHelpSyntax $command | ForEach-Object { "### $($_.Heading)$newline``````$newline$($_.Line)$newline``````$newline" }) -join $newline
    $text = [regex]::Replace($text, '(?s)(## SYNTAX\r?\n\r?\n).*?(\r?\n## DESCRIPTION)', { param($m) $m.Groups[1].Value + $syntax + $m.Groups[2].Value })
    foreach ($name in Get-DcosHelpParameterNames $command) {
        $pattern = "(?s)(### -$name\r?\n.*?``````yaml\r?\n)(?<y>.*?)(``````)"
        $match = [regex]::Match($text, $pattern)
        if (-not $match.Success) { Write-Warning "$($command.Name): -$name has no section; write one, then run again."; continue }
        $old = $match.Groups['y'].Value
        $default = if ($old -match '(?m)^Default value:\s?(.*)$') { $Matches[1].TrimEnd() } else { 'None' }
        $fields = Get-DcosHelpParameterMetadata $command $name
        $yaml = "Type: $($fields.Type)$newline" +
            "Parameter Sets: $($fields.'Parameter Sets')$newline" +
            "Aliases: $($fields.Aliases)$newline" +
            $(if ($fields.Contains('Accepted values')) { "Accepted values: $($fields.'Accepted values')$newline" } else { '' }) + $newline +
            "Required: $($fields.Required)$newline" +
            "Position: $($fields.Position)$newline" +
            "Default value: $default$newline" +
            "Accept pipeline input: $($fields.'Accept pipeline input')$newline" +
            "Accept wildcard characters: False$newline"
        $text = $text.Substring(0, $match.Groups['y'].Index) + $yaml + $text.Substring($match.Groups['y'].Index + $match.Groups['y'].Length)
    }
    $before = Get-Content -LiteralPath $file -Raw
    if ($text -cne $before) {
        [System.IO.File]::WriteAllText((Resolve-Path -LiteralPath $file).ProviderPath, $text)
        Write-Verbose "Updated $file" -Verbose
    }
}
