<#
    Every runnable example, in real pwsh. A runnable example is a powershell code block directly
    preceded by the line <!-- runnable -->: in en-US/<Cmdlet>.md each runs on its own, in this
    README the marked blocks run in order in one scope. Each runs with the module imported, in an
    empty folder as the current location, with Get-Credential and Read-Host answered by an example
    login. Also: the about topic fits an 80-column console and lists every cmdlet, and neither help,
    README, examples nor code comments speak internal shorthand.
#>
BeforeDiscovery {
    $repoRoot = Join-Path $PSScriptRoot '../..'
    $marked = '(?s)<!-- runnable -->[ \t]*\r?\n[ \t]*```powershell\r?\n(?<code>.*?)\r?\n[ \t]*```'
    $helpExamples = foreach ($file in Get-ChildItem (Join-Path $repoRoot 'en-US') -Filter '*-*.md' | Sort-Object Name) {
        foreach ($match in [regex]::Matches((Get-Content -Raw $file.FullName), "### (?<title>Example[^\r\n]*)\r?\n$marked")) {
            @{ Name = "$($file.BaseName): $($match.Groups['title'].Value)"; Code = $match.Groups['code'].Value }
        }
    }
    $readmeBlocks = @([regex]::Matches((Get-Content -Raw (Join-Path $repoRoot 'README.md')), $marked) |
        ForEach-Object { $_.Groups['code'].Value })
}

BeforeAll {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    Import-Module (Join-Path $repoRoot 'DcosTls.psd1') -Force
    # README blocks are indented inside list items; the code is the same without the indent.
    function ConvertTo-Script([string] $Code) {
        $lines = $Code -split '\r?\n'
        $indent = ($lines | Where-Object { $_.Trim() } | ForEach-Object { $_.Length - $_.TrimStart().Length } | Measure-Object -Minimum).Minimum
        [scriptblock]::Create((($lines | ForEach-Object { if ($_.Length -ge $indent) { $_.Substring($indent) } else { $_.Trim() } }) -join "`n"))
    }
    function New-ExampleFolder {
        $path = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        (New-Item -ItemType Directory -Path $path).FullName
    }
}

Describe 'Runnable help examples' -Tag Examples {
    BeforeEach {
        Mock Get-Credential { [pscredential]::new('example-user', (ConvertTo-SecureString 'example-only-password' -AsPlainText -Force)) }
        Mock Read-Host { ConvertTo-SecureString 'example-only-password' -AsPlainText -Force } -ParameterFilter { $AsSecureString }
    }

    It 'there are runnable help examples' -ForEach @(@{ Count = @($helpExamples).Count }) {
        $Count | Should -BeGreaterThan 10
    }

    It '<Name> writes only in the current folder, never a fixed temp path' -ForEach $helpExamples {
        # A fixed temp path would be shared by every run and every user of the machine, and left behind.
        $Code | Should -Not -Match 'GetTempPath|/tmp\b'
    }

    It '<Name> runs without an error' -ForEach $helpExamples {
        Push-Location (New-ExampleFolder)
        try {
            $ErrorActionPreference = 'Stop'
            $output = & (ConvertTo-Script $Code)
            # Shown the way pwsh shows it: the format views must render the output, too.
            $null = $output | Out-String -Width 80
        }
        finally { Pop-Location }
    }
}

Describe "The README's runnable blocks, in order, in one scope" -Tag Examples {
    BeforeAll {
        Mock Get-Credential { [pscredential]::new('example-user', (ConvertTo-SecureString 'example-only-password' -AsPlainText -Force)) }
    }

    It 'there are runnable README blocks' -ForEach @(@{ Blocks = $readmeBlocks }) {
        $Blocks.Count | Should -BeGreaterOrEqual 4
    }

    It 'every block runs without an error' -ForEach @(@{ Blocks = $readmeBlocks }) {
        Push-Location (New-ExampleFolder)
        try {
            $ErrorActionPreference = 'Stop'
            for ($i = 0; $i -lt $Blocks.Count; $i++) {
                try { $output = . (ConvertTo-Script $Blocks[$i]) }
                catch { throw "README runnable block $($i + 1) failed: $_`n$($Blocks[$i])" }
                $null = $output | Out-String -Width 80
            }
            './staging/var/lib/dcos/docker_credentials' | Should -Exist
        }
        finally { Pop-Location }
    }
}

Describe 'about_DcosTls' -Tag Help {
    BeforeAll {
        $about = Get-Help about_DcosTls | Out-String
    }

    It 'fits an 80-column console: no line Get-Help would break' {
        @($about -split '\r?\n' | Where-Object { $_.Length -gt 79 }) | Should -BeNullOrEmpty
    }

    It 'keeps the lines of its code blocks (the systemd units and the alert rules)' {
        $lines = $about -split '\r?\n'
        foreach ($line in '[Unit]', '[Service]', 'Type=oneshot', 'OnCalendar=daily', 'WantedBy=timers.target', 'groups:',
            '- alert: DcosTlsCertificateExpiresSoon', 'severity: warning') {
            @($lines | Where-Object { $_.Trim() -ceq $line }) | Should -Not -BeNullOrEmpty -Because "'$line' is a line of its own in the markdown"
        }
        # The YAML keeps its nesting: a rule sits deeper than its group.
        $group = $lines | Where-Object { $_ -match '^\s*- name: dcostls$' } | Select-Object -First 1
        $rule = $lines | Where-Object { $_ -match '^\s*- alert: DcosTlsInventoryStale$' } | Select-Object -First 1
        ($rule.Length - $rule.TrimStart().Length) | Should -BeGreaterThan ($group.Length - $group.TrimStart().Length)
    }

    It 'lists every exported cmdlet under SEE ALSO' {
        $seeAlso = ($about -split 'SEE ALSO')[-1]
        foreach ($cmdlet in (Get-Module DcosTls).ExportedCmdlets.Keys) {
            $seeAlso | Should -Match "\b$cmdlet\b"
        }
    }

    It 'names nothing the module does not ship' {
        $about | Should -Not -Match 'DcosTls\.Host|console host|dotnet run'
    }
}

Describe 'Words for users' -Tag Help {
    BeforeDiscovery {
        $root = Join-Path $PSScriptRoot '../..'
        $texts = @(
            Get-Item (Join-Path $root 'README.md'), (Join-Path $root 'DcosTls.psd1')
            Get-ChildItem (Join-Path $root 'en-US') -Filter *.md
            Get-ChildItem (Join-Path $root 'module') -Recurse -Include *.ps1, *.ps1xml
            Get-ChildItem (Join-Path $root 'src') -Recurse -Filter *.cs | Where-Object FullName -notmatch '[\\/](bin|obj)[\\/]'
            Get-ChildItem (Join-Path $root 'tests/Provisioning') -Filter *.ps1
        ) | ForEach-Object { @{ Name = [System.IO.Path]::GetRelativePath((Resolve-Path $root), $_.FullName); Path = $_.FullName } }
        $userFacing = @(
            Get-Item (Join-Path $root 'README.md')
            Get-ChildItem (Join-Path $root 'en-US') -Filter *.md
            Get-ChildItem (Join-Path $root 'module/Examples') -Filter *.ps1
        ) | ForEach-Object { @{ Name = $_.Name; Path = $_.FullName } }
    }

    BeforeAll {
        # Documents that live outside the repository, or the shorthand for them: a reader of the
        # code or the help cannot follow such a reference.
        $outsideReference = '\bseeds? 0\d\d|\bissues? \d+\b|dcos-api\.md|trust-and-peers|test-peers|powershell-style\.md|§'
    }

    It '<Name> speaks no internal shorthand' -ForEach $texts {
        @(Select-String -LiteralPath $Path -Pattern $outsideReference | ForEach-Object { "$($_.LineNumber): $($_.Line.Trim())" }) |
            Should -BeNullOrEmpty
    }

    It 'the tests and benchmarks cite no document outside the repository' {
        $root = Join-Path $PSScriptRoot '../..'
        @(Get-ChildItem (Join-Path $root 'tests') -Recurse -Include *.cs, *.ps1 |
            Where-Object FullName -notmatch '[\\/](bin|obj)[\\/]' |
            Where-Object Name -ne 'Examples.Tests.ps1' |
            Select-String -Pattern $outsideReference |
            ForEach-Object { "$($_.Filename):$($_.LineNumber): $($_.Line.Trim())" }) | Should -BeNullOrEmpty
    }

    It '<Name> shows idiomatic pwsh, not .NET calls a cmdlet does better' -ForEach $userFacing {
        @(Select-String -LiteralPath $Path -Pattern 'IO\.Path\]::Combine|AppendChar|SecureString\]::new' | ForEach-Object { "$($_.LineNumber): $($_.Line.Trim())" }) |
            Should -BeNullOrEmpty
    }
}
