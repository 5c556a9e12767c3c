<#
    The renewal patterns' about topic: Get-Help shows it within 80 columns; its code blocks parse,
    every command they name exists and every parameter they give is one that command has; and the
    local half of its marathon-lb pattern runs as written: a local CA read from its files, the pem
    exported with its renewal description, renewed later from the CA files the description names.
#>
BeforeAll {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    Import-Module (Join-Path $repoRoot 'DcosTls.psd1') -Force
}

Describe 'about_DcosTls_Renewal' -Tag Help, Renewal {
    BeforeAll {
        $about = Get-Help about_DcosTls_Renewal | Out-String
        $markdown = Get-Content -Raw -LiteralPath (Join-Path $repoRoot 'en-US/about_DcosTls_Renewal.md')
        $blocks = @([regex]::Matches($markdown, '(?s)```powershell\r?\n(?<code>.*?)\r?\n```') | ForEach-Object { $_.Groups['code'].Value })
    }

    It 'is shown by Get-Help, with no line an 80-column console would break' {
        $about | Should -Match 'SHORT DESCRIPTION'
        $about | Should -Match 'Update-DcosCertificate'
        @($about -split '\r?\n' | Where-Object { $_.Length -gt 79 }) | Should -BeNullOrEmpty
    }

    It 'has code blocks that parse, naming only commands that exist with parameters they have' {
        $blocks.Count | Should -BeGreaterThan 3
        $problems = foreach ($code in $blocks) {
            $errors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseInput($code, [ref]$null, [ref]$errors)
            foreach ($e in $errors) { "does not parse: $($e.Message) in: $code" }
            foreach ($command in $ast.FindAll({ $args[0] -is [System.Management.Automation.Language.CommandAst] }, $true)) {
                $name = $command.GetCommandName()
                $found = Get-Command $name -ErrorAction Ignore
                if (-not $found) { if ($name -notin 'systemctl') { "no command '$name'" }; continue }
                if ($found.CommandType -eq 'Application') { continue }
                $known = @($found.Parameters.Values | ForEach-Object { $_.Name; $_.Aliases })
                foreach ($parameter in $command.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] }) {
                    if ($parameter.ParameterName -notin $known) { "$name has no -$($parameter.ParameterName)" }
                }
            }
        }
        $problems | Should -BeNullOrEmpty
    }

    It 'renews a pem whose local CA was read from files, from those files, with no -Issuer' {
        Push-Location (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'pattern')).FullName
        try {
            New-TlsCertificateAuthority -CommonName 'Pattern CA' -KeyAlgorithm ECDSA -ValidDays 2 | Export-DcosCertificate -Path ./ca/ca.crt
            # The pattern's first block, less the secret (no cluster here).
            $pem = './registry/registry.pem'
            $ca = Import-DcosCertificate -Path ./ca/ca.crt -KeyPath ./ca/ca.key
            New-DcosCertificate -Issuer $ca -CommonName registry.example.com -KeyAlgorithm ECDSA -ValidDays 1 |
                Export-DcosCertificate -Path $pem -Format HaproxyPem
            $description = Get-Content -Raw "$pem.renewal.json" | ConvertFrom-Json
            $description.issuer.caCertificatePath | Should -Be (Resolve-Path ./ca/ca.crt).ProviderPath
            $before = (Get-FileHash $pem).Hash

            # Not due: nothing emitted, nothing written.
            @(Update-DcosCertificate -Path $pem) | Should -BeNullOrEmpty
            (Get-FileHash $pem).Hash | Should -Be $before

            # The daily block's renewal, forced here (the certificate is a minute old).
            $rows = @(Update-DcosCertificate -Path $pem -Force)
            $rows.Count | Should -Be 1
            $rows[0].Path | Should -Be (Resolve-Path $pem).ProviderPath
            (Get-FileHash $rows[0].Path).Hash | Should -Not -Be $before
        }
        finally { Pop-Location }
    }
}
