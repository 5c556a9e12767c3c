<#
    The markdown in en-US is the help's one source; the parts of it that restate the compiled cmdlet
    (SYNTAX, each parameter's Type, sets, aliases, Required, Position, pipeline input) must say what
    Get-Command says. src/DcosTls.HelpBuilder/Update-HelpMarkdown.ps1 rewrites them after a change.
#>
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    $commands = @(Get-Command -Module DcosTls -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    . (Join-Path $PSScriptRoot '../../src/DcosTls.HelpBuilder/HelpMarkdownMetadata.ps1')
    $helpFolder = Join-Path $PSScriptRoot '../../en-US'
    $fix = 'run src/DcosTls.HelpBuilder/Update-HelpMarkdown.ps1'
}

Describe 'The help markdown says what the cmdlets are' -Tag Help {
    It '<Name>: its SYNTAX blocks are the parameter sets Get-Command shows' -ForEach $commands {
        $command = Get-Command $Name
        $markdown = Read-DcosHelpMarkdown (Join-Path $helpFolder "$Name.md")
        $expected = @(Get-DcosHelpSyntax $command | ForEach-Object { "$($_.Heading): $($_.Line)" })
        @($markdown.Syntax | ForEach-Object { "$($_.Heading): $($_.Line)" }) | Should -Be $expected -Because $fix
    }

    It '<Name>: every parameter''s metadata is what Get-Command shows' -ForEach $commands {
        $command = Get-Command $Name
        $markdown = Read-DcosHelpMarkdown (Join-Path $helpFolder "$Name.md")
        $differences = foreach ($parameter in Get-DcosHelpParameterNames $command) {
            $written = $markdown.Parameters[$parameter]
            if ($null -eq $written) { "-${parameter}: no section"; continue }
            $actual = Get-DcosHelpParameterMetadata $command $parameter
            foreach ($field in @($actual.Keys) + @('Accepted values' | Where-Object { -not $actual.Contains($_) })) {
                if ("$($written[$field])" -cne "$($actual[$field])") { "-${parameter} ${field}: markdown '$($written[$field])', cmdlet '$($actual[$field])'" }
            }
        }
        $extra = @($markdown.Parameters.Keys | Where-Object { -not $command.Parameters.ContainsKey($_) } | ForEach-Object { "-${_}: documented but not a parameter" })
        @($differences) + $extra | Should -BeNullOrEmpty -Because $fix
    }
}
