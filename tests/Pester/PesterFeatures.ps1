<#
.SYNOPSIS
    What of Pester a test file uses: each Pester command it calls, each parameter it passes to one
    ("Should -Throw", "Mock -ParameterFilter", "It -ForEach"), and TestDrive. The compatibility pass
    (tests/Pester/Invoke-PesterTier.ps1 -Compatibility) runs only the files listed in
    compatibility-files.txt, so that list must use everything the whole tier uses; this is how that
    is checked. Describe blocks with a tag in -ExcludeTag are left out, as the pass leaves them out.
#>
function Get-PesterFeature {
    param(
        [Parameter(Mandatory)] [string[]] $Path,
        [Parameter(Mandatory)] [string[]] $PesterCommand,
        [string[]] $ExcludeTag = @()
    )
    $features = [System.Collections.Generic.HashSet[string]]::new([StringComparer]::OrdinalIgnoreCase)
    foreach ($file in $Path) {
        $tokens = $null; $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($file, [ref]$tokens, [ref]$errors)
        # The blocks the pass skips: a Describe whose -Tag names an excluded tag.
        $skipped = @($ast.FindAll({
                    param($node)
                    if ($node -isnot [System.Management.Automation.Language.CommandAst] -or $node.GetCommandName() -ne 'Describe') { return $false }
                    $elements = $node.CommandElements
                    for ($i = 0; $i -lt $elements.Count - 1; $i++) {
                        if ($elements[$i] -is [System.Management.Automation.Language.CommandParameterAst] -and $elements[$i].ParameterName -eq 'Tag') {
                            $tags = @($elements[$i + 1].FindAll({ param($n) $n -is [System.Management.Automation.Language.StringConstantExpressionAst] }, $true).Value)
                            return [bool]($tags | Where-Object { $_ -in $ExcludeTag })
                        }
                    }
                    $false
                }, $true))
        $inSkipped = {
            param($node)
            foreach ($block in $skipped) {
                if ($node.Extent.StartOffset -ge $block.Extent.StartOffset -and $node.Extent.EndOffset -le $block.Extent.EndOffset) { return $true }
            }
            $false
        }
        foreach ($command in $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandAst] }, $true)) {
            $name = $command.GetCommandName()
            if ($name -notin $PesterCommand -or (& $inSkipped $command)) { continue }
            [void]$features.Add($name)
            foreach ($element in $command.CommandElements) {
                if ($element -is [System.Management.Automation.Language.CommandParameterAst]) { [void]$features.Add("$name -$($element.ParameterName)") }
            }
        }
        foreach ($variable in $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.VariableExpressionAst] -and $n.VariablePath.UserPath -eq 'TestDrive' }, $true)) {
            if (-not (& $inSkipped $variable)) { [void]$features.Add('TestDrive'); break }
        }
    }
    , $features
}
