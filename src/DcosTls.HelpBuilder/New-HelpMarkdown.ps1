<#
.SYNOPSIS
    Writes a PlatyPS-schema markdown skeleton (en-US/<Cmdlet>.md) for each exported cmdlet that has
    none yet, from the cmdlet's own metadata, the way PlatyPS's New-MarkdownHelp does. Placeholders
    are "{{ Fill ... }}"; the help tests fail while any remains.
.EXAMPLE
    dotnet pwsh src/DcosTls.HelpBuilder/New-HelpMarkdown.ps1
#>
[CmdletBinding()]
param([string] $Manifest = (Join-Path $PSScriptRoot '../../DcosTls.psd1'))
$ErrorActionPreference = 'Stop'
$module = Import-Module $Manifest -PassThru -Force
$target = Join-Path $module.ModuleBase 'en-US'
$common = [System.Management.Automation.Internal.CommonParameters].GetProperties().Name +
    [System.Management.Automation.Internal.ShouldProcessParameters].GetProperties().Name

foreach ($command in $module.ExportedCmdlets.Values) {
    $file = Join-Path $target ($command.Name + '.md')
    if (Test-Path -LiteralPath $file) { continue }
    $sb = [System.Text.StringBuilder]::new()
    $null = $sb.AppendLine("---`nexternal help file: DcosTls.dll-Help.xml`nModule Name: DcosTls`nonline version:`nschema: 2.0.0`n---`n")
    $null = $sb.AppendLine("# $($command.Name)`n`n## SYNOPSIS`n{{ Fill in the Synopsis }}`n`n## SYNTAX`n")
    foreach ($set in $command.ParameterSets) {
        $default = if ($set.IsDefault -and $command.ParameterSets.Count -gt 1) { ' (Default)' } else { '' }
        $null = $sb.AppendLine("### $($set.Name)$default`n" + '```' + "`n$($command.Name) $set`n" + '```' + "`n")
    }
    $null = $sb.AppendLine("## DESCRIPTION`n{{ Fill in the Description }}`n`n## EXAMPLES`n`n### Example 1`n" + '```powershell' + "`n{{ Add example code here }}`n" + '```' + "`n`n{{ Add example description here }}`n`n## PARAMETERS`n")
    foreach ($p in ($command.Parameters.Values | Where-Object { $common -notcontains $_.Name })) {
        $sets = @($p.ParameterSets.Keys)
        $setText = if ($sets -contains '__AllParameterSets') { '(All)' } else { $sets -join ', ' }
        $attr = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })
        $required = [bool]($attr | Where-Object Mandatory)
        $pos = @($attr | Where-Object { $_.Position -ge 0 } | ForEach-Object { $_.Position })
        $position = if ($pos.Count) { $pos[0] } else { 'Named' }
        $pipe = @()
        if ($attr | Where-Object ValueFromPipeline) { $pipe += 'ByValue' }
        if ($attr | Where-Object ValueFromPipelineByPropertyName) { $pipe += 'ByPropertyName' }
        $pipeText = if ($pipe) { "True ($($pipe -join ', '))" } else { 'False' }
        $aliases = if ($p.Aliases.Count) { $p.Aliases -join ', ' } else { '' }
        $type = $p.ParameterType.Name
        $enum = if ($p.ParameterType.IsEnum) { "Accepted values: $([System.Enum]::GetNames($p.ParameterType) -join ', ')`n" } else { '' }
        $null = $sb.AppendLine("### -$($p.Name)`n{{ Fill $($p.Name) Description }}`n`n" + '```yaml' + "`nType: $type`nParameter Sets: $setText`nAliases: $aliases`n$enum`nRequired: $required`nPosition: $position`nDefault value: None`nAccept pipeline input: $pipeText`nAccept wildcard characters: False`n" + '```' + "`n")
    }
    $null = $sb.AppendLine("### CommonParameters`nThis cmdlet supports the common parameters: -Debug, -ErrorAction, -ErrorVariable, -InformationAction, -InformationVariable, -OutVariable, -OutBuffer, -PipelineVariable, -Verbose, -WarningAction, and -WarningVariable. For more information, see [about_CommonParameters](http://go.microsoft.com/fwlink/?LinkID=113216).`n")
    $null = $sb.AppendLine("## INPUTS`n`n### {{ Fill input type }}`n`n## OUTPUTS`n")
    foreach ($t in $command.OutputType) { $null = $sb.AppendLine("### $($t.Name)`n") }
    $null = $sb.AppendLine("## NOTES`n`n## RELATED LINKS`n`n[about_DcosTls](about_DcosTls.md)")
    [System.IO.File]::WriteAllText($file, $sb.ToString())
    "wrote $file"
}
