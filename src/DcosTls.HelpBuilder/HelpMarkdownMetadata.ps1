<#
    The parts of en-US/<Cmdlet>.md that must say what the compiled cmdlet says: the SYNTAX blocks and
    each parameter's metadata block (Type, Parameter Sets, Aliases, Required, Position, Accept pipeline
    input). Dot-sourced by Update-HelpMarkdown.ps1, which rewrites them from Get-Command, and by the help
    tests, which compare them. The prose around them (descriptions, examples, Default value) is written
    by hand and left alone.
#>

$script:CommonParameterNames = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters

function Get-DcosHelpSyntax {
    # One block per parameter set: (heading, syntax line), in Get-Command's order.
    param([System.Management.Automation.CommandInfo] $Command)
    $single = $Command.ParameterSets.Count -eq 1
    foreach ($set in $Command.ParameterSets) {
        $heading = if ($single) { '__AllParameterSets' } elseif ($set.IsDefault) { "$($set.Name) (Default)" } else { $set.Name }
        [pscustomobject]@{ Heading = $heading; Line = "$($Command.Name) $set" }
    }
}

function Get-DcosHelpParameterMetadata {
    # The metadata lines of one parameter, as the markdown's yaml block holds them.
    param([System.Management.Automation.CommandInfo] $Command, [string] $Name)
    $parameter = $Command.Parameters[$Name]
    $allSets = @($Command.ParameterSets.Name)
    $sets = @($parameter.ParameterSets.Keys | Where-Object { $_ -ne '__AllParameterSets' } | Sort-Object { $allSets.IndexOf($_) })
    $inAll = $parameter.ParameterSets.ContainsKey('__AllParameterSets') -or $sets.Count -eq $allSets.Count
    $attributes = @($parameter.ParameterSets.Values)
    $mandatory = @($attributes | Where-Object IsMandatory)
    $required = if ($mandatory.Count -eq 0) { 'False' }
        elseif ($mandatory.Count -eq $attributes.Count) { 'True' }
        else {
            $ordered = @($parameter.ParameterSets.GetEnumerator() | Sort-Object { $allSets.IndexOf($_.Key) })
            'True ({0}), False ({1})' -f (@($ordered | Where-Object { $_.Value.IsMandatory } | ForEach-Object Key) -join ', '),
                (@($ordered | Where-Object { -not $_.Value.IsMandatory } | ForEach-Object Key) -join ', ')
        }
    $positions = @($attributes | ForEach-Object { if ($_.Position -ge 0) { "$($_.Position)" } else { 'Named' } } | Select-Object -Unique)
    $byValue = @($attributes | Where-Object ValueFromPipeline).Count -gt 0
    $byName = @($attributes | Where-Object ValueFromPipelineByPropertyName).Count -gt 0
    $pipeline = switch ($true) {
        ($byValue -and $byName) { 'True (ByValue, ByPropertyName)'; break }
        $byValue { 'True (ByValue)'; break }
        $byName { 'True (ByPropertyName)'; break }
        default { 'False' }
    }
    $type = [Nullable]::GetUnderlyingType($parameter.ParameterType) ?? $parameter.ParameterType
    $element = if ($type.IsArray) { $type.GetElementType() } else { $type }
    $validateSet = $parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | Select-Object -First 1
    $accepted = if ($validateSet) { $validateSet.ValidValues -join ', ' } elseif ($element.IsEnum) { [Enum]::GetNames($element) -join ', ' }
    $fields = [ordered]@{
        'Type'                  = $type.Name
        'Parameter Sets'        = if ($inAll) { '(All)' } else { $sets -join ', ' }
        'Aliases'               = $parameter.Aliases -join ', '
    }
    if ($accepted) { $fields['Accepted values'] = $accepted }
    $fields['Required'] = $required
    $fields['Position'] = $positions -join ', '
    $fields['Accept pipeline input'] = $pipeline
    $fields
}

function Get-DcosHelpParameterNames {
    param([System.Management.Automation.CommandInfo] $Command)
    $Command.Parameters.Keys | Where-Object { $_ -notin $script:CommonParameterNames }
}

function Read-DcosHelpMarkdown {
    # What a markdown file says today: its syntax blocks and each parameter's metadata.
    param([string] $Path)
    $text = Get-Content -LiteralPath $Path -Raw
    $syntax = [regex]::Match($text, '(?s)## SYNTAX\s*(.*?)\r?\n## DESCRIPTION').Groups[1].Value
    $blocks = foreach ($m in [regex]::Matches($syntax, '(?s)### (?<h>[^\r\n]+)\s*```\s*(?<l>.*?)\s*```')) {
        [pscustomobject]@{ Heading = $m.Groups['h'].Value.Trim(); Line = $m.Groups['l'].Value.Trim() }
    }
    $parameters = [ordered]@{}
    foreach ($m in [regex]::Matches($text, '(?s)### -(?<n>\w+)\r?\n.*?```yaml\r?\n(?<y>.*?)```')) {
        $fields = [ordered]@{}
        foreach ($line in $m.Groups['y'].Value -split '\r?\n') {
            if ($line -match '^(?<k>[^:]+):\s?(?<v>.*)$') { $fields[$Matches.k.Trim()] = $Matches.v.TrimEnd() }
        }
        $parameters[$m.Groups['n'].Value] = $fields
    }
    [pscustomobject]@{ Text = $text; Syntax = @($blocks); Parameters = $parameters }
}
