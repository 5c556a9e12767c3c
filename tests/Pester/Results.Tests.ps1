<#
    What the cmdlets hand back, in real pwsh: Test-* failures that say why in a Pester failure,
    -WhatIf that writes and emits nothing, Export-*/Set-* silent unless -PassThru, one -Root rule,
    one path style, and credential archives that merge like the agent's credentials file.
#>
BeforeDiscovery {
    # The -ForEach tables below are built at discovery, so the module must be imported by then.
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    $changing = @(Get-Command -Module DcosTls -CommandType Cmdlet |
        Where-Object { $_.Parameters.ContainsKey('WhatIf') } | ForEach-Object Name | Sort-Object)
    # Export-DcosTlsMetric only reads under its -Root (it writes to -TextfileDirectory) and refuses a
    # missing root instead of creating it: Lifecycle.Tests.ps1 checks that.
    $rooted = @(Get-Command -Module DcosTls -CommandType Cmdlet |
        Where-Object { $_.Parameters.ContainsKey('Root') -and $_.Parameters.ContainsKey('WhatIf') } |
        Where-Object Name -NotIn 'Export-DcosTlsMetric', 'Update-DockerDaemonCertificate', 'Install-DcosTlsRenewalTimer' | ForEach-Object Name | Sort-Object)
    # Install-DcosTlsRenewalTimer refuses a root without the script and pwsh it names (RenewalTimer.Tests.ps1).
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    $manifest = (Resolve-Path (Join-Path $PSScriptRoot '../../DcosTls.psd1')).Path
    $ca = New-TlsCertificateAuthority -CommonName 'Results CA' -KeyAlgorithm ECDSA
    $server = New-DcosCertificate -Issuer $ca -CommonName localhost -DnsName localhost -IPAddress 127.0.0.1 -KeyAlgorithm ECDSA
    $client = New-DcosCertificate -Issuer $ca -CommonName operator -Usage Client -KeyAlgorithm ECDSA
    $password = ConvertTo-SecureString 'not-a-real-password' -AsPlainText -Force
    $login = New-DockerAuthConfig -Registry repo.internal:5000 -Credential ([pscredential]::new('puller', $password))
    $other = New-DockerAuthConfig -Registry other.internal:5000 -Credential ([pscredential]::new('other', $password))

    # Every file under a folder (an absent folder has none).
    function Get-Written([string] $Folder) {
        if (-not (Test-Path -LiteralPath $Folder)) { return @() }
        @(Get-ChildItem -LiteralPath $Folder -Recurse -Force -File | ForEach-Object FullName)
    }

    # One invocation of each cmdlet that changes something, writing under $Folder. Each call is
    # the one an operator would write, with -PassThru where the cmdlet has it.
    $invocations = @{
        'New-DcosAcmeAccount'             = { param($Folder) New-DcosAcmeAccount -AcmeDirectory https://127.0.0.9:1/dir -AccountPath (Join-Path $Folder 'acme') -AcceptTermsOfService @args }
        'Disconnect-DcosCluster'          = { param($Folder) Disconnect-DcosCluster @args }
        'New-DcosCertificate'             = { param($Folder) New-DcosCertificate -Issuer $ca -CommonName whatif.internal -KeyAlgorithm ECDSA @args }
        'New-TlsCertificateAuthority'     = { param($Folder) New-TlsCertificateAuthority -CommonName 'WhatIf CA' -KeyAlgorithm ECDSA @args }
        'Export-DcosCertificate'          = { param($Folder) $server | Export-DcosCertificate -Path (Join-Path $Folder 'repo.crt') -PassThru @args }
        'Export-DcosCertificateRequest'   = { param($Folder) New-DcosCertificateRequest -CommonName whatif.internal -KeyAlgorithm ECDSA | Export-DcosCertificateRequest -Path (Join-Path $Folder 'whatif.csr') -PassThru @args }
        'Install-DockerRegistryTrust'     = { param($Folder) $ca | Install-DockerRegistryTrust -Registry repo.internal:5000 -Root $Folder @args }
        'Uninstall-DockerRegistryTrust'   = { param($Folder) $ca | Uninstall-DockerRegistryTrust -Registry repo.internal:5000 -Root $Folder @args }
        'Set-MesosDockerConfig'           = { param($Folder) $login | Set-MesosDockerConfig -Root $Folder -PassThru @args }
        # -Root is each agent's root, written over remoting: 127.0.0.9:1 answers nothing, so only -WhatIf is checked here.
        'Invoke-DcosAgentProvisioning'    = { param($Folder) '127.0.0.9' | Invoke-DcosAgentProvisioning -CaCertificate $ca -Registry repo.internal:5000 -Port 1 -Root $Folder @args }
        'New-DockerAuthArchive'           = { param($Folder) $login | New-DockerAuthArchive -Root $Folder -Path /etc/docker.tar.gz @args }
        'Set-DockerDaemonTls'             = { param($Folder) Set-DockerDaemonTls -Root $Folder -CaCertificate $ca -Certificate $server -PassThru @args }
        'Install-DockerClientCertificate' = { param($Folder) Install-DockerClientCertificate -Path (Join-Path $Folder 'client') -CaCertificate $ca -Certificate $client @args }
        'New-MarathonRegistryApp'         = { param($Folder) $null = New-Item -ItemType Directory -Force $Folder; New-MarathonRegistryApp -Node 10.0.0.21 -Path (Join-Path $Folder 'registry.json') -MarathonLbOptionsPath (Join-Path $Folder 'mlbint.json') @args }
        'Export-DcosTlsMetric'            = { param($Folder) $null = New-Item -ItemType Directory -Force $Folder; Export-DcosTlsMetric -TextfileDirectory / -Root $Folder -PassThru @args }
        'Update-DockerDaemonCertificate'  = { param($Folder) Update-DockerDaemonCertificate -Root $Folder -Issuer $ca -Force -PassThru @args }
        'Update-DockerClientCertificate'  = { param($Folder) Update-DockerClientCertificate -Path (Join-Path $Folder 'client') -Issuer $ca -Force -PassThru @args }
        'Update-DcosCertificate'          = { param($Folder) Update-DcosCertificate -Path (Join-Path $Folder 'described') -Root $Folder -Issuer $ca -Force -PassThru @args }
        'Install-DcosTlsRenewalTimer'     = { param($Folder) Install-DcosTlsRenewalTimer /usr/local/sbin/renew.ps1 -PwshPath /usr/local/sbin/renew.ps1 -TextfileDirectory / -Root $Folder -PassThru @args }
        'Uninstall-DcosTlsRenewalTimer'   = { param($Folder) Uninstall-DcosTlsRenewalTimer -Root $Folder -PassThru @args }
        # The cluster side: under -WhatIf nothing is sent, so no session is needed.
        'Set-MarathonApp'                 = { param($Folder) New-MarathonRegistryApp | Set-MarathonApp @args }
        'Remove-MarathonApp'              = { param($Folder) Remove-MarathonApp /registry @args }
        'Restart-MarathonApp'             = { param($Folder) Restart-MarathonApp /registry @args }
        'Install-MarathonLb'              = { param($Folder) Install-MarathonLb -ServiceAccountSecret marathon-lb/service-account-secret @args }
        'Set-DcosSecret'                  = { param($Folder) $password | Set-DcosSecret whatif/secret @args }
        'Remove-DcosSecret'               = { param($Folder) Remove-DcosSecret whatif/secret -PassThru @args }
        'New-DcosServiceAccount'          = { param($Folder) New-DcosServiceAccount whatif-sa @args }
        'Remove-DcosServiceAccount'       = { param($Folder) Remove-DcosServiceAccount whatif-sa -RemoveSecret -PassThru @args }
        'Grant-DcosPermission'            = { param($Folder) Grant-DcosPermission whatif-sa 'dcos:secrets:default:/whatif/*' read -PassThru @args }
        'Revoke-DcosPermission'           = { param($Folder) Revoke-DcosPermission whatif-sa 'dcos:secrets:default:/whatif/*' read -PassThru @args }
    }

    # Runs a generated Pester file in a fresh pwsh with the Pester version running this file, and
    # returns each test's name, result and failure message.
    function Invoke-InnerPester([string] $Path) {
        $pester = Join-Path (Get-Module Pester).ModuleBase 'Pester.psd1'
        $summary = Join-Path $TestDrive "inner-$([guid]::NewGuid().ToString('n')).json"
        $runner = Join-Path $TestDrive 'inner-runner.ps1'
        Set-Content -LiteralPath $runner -Value @'
param($Pester, $Path, $Summary)
Import-Module $Pester
$configuration = New-PesterConfiguration
$configuration.Run.Path = $Path
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'None'
$run = Invoke-Pester -Configuration $configuration
ConvertTo-Json -AsArray -InputObject @($run.Tests | ForEach-Object {
    [ordered]@{ Name = $_.ExpandedName; Result = "$($_.Result)"; Message = @($_.ErrorRecord | ForEach-Object { $_.Exception.Message }) -join "`n" }
}) | Set-Content -LiteralPath $Summary
'@
        # Under the repository's dotnet tool the process is dotnet and pwsh.dll is its argument.
        $pwsh = [Environment]::ProcessPath
        [string[]] $pwshArgs = if ((Split-Path -Leaf $pwsh) -like 'pwsh*') { @() } else { @(Join-Path $PSHOME 'pwsh.dll') }
        $output = & $pwsh @pwshArgs -NoProfile -NonInteractive -File $runner -Pester $pester -Path $Path -Summary $summary 2>&1
        if (-not (Test-Path -LiteralPath $summary)) { throw "The inner Pester run wrote no summary: $($output -join "`n")" }
        (Get-Content -Raw -LiteralPath $summary | ConvertFrom-Json) | ForEach-Object { $_ }
    }
}

Describe 'Test-* failures say why in a Pester failure' -Tag Results {
    BeforeAll {
        # A registry at 127.0.0.1 whose certificate comes from a CA other than the installed one.
        $foreignCa = New-TlsCertificateAuthority -CommonName 'Foreign CA' -KeyAlgorithm ECDSA
        $foreign = New-DcosCertificate -Issuer $foreignCa -CommonName localhost -DnsName localhost -KeyAlgorithm ECDSA
        $tls = Join-Path $TestDrive 'tls'
        $foreign | Export-DcosCertificate -Path (Join-Path $tls 'foreign.crt')
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $registry = "localhost:$port"
        $openssl = Start-Process openssl -PassThru -RedirectStandardOutput (Join-Path $TestDrive 'openssl.out') -RedirectStandardError (Join-Path $TestDrive 'openssl.err') -ArgumentList @(
            's_server', '-accept', "127.0.0.1:$port", '-cert', (Join-Path $tls 'foreign.crt'), '-key', (Join-Path $tls 'foreign.key'), '-www', '-quiet')
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        do {
            Start-Sleep -Milliseconds 100
            $probe = [System.Net.Sockets.TcpClient]::new()
            try { $probe.Connect('127.0.0.1', $port); $up = $true } catch { $up = $false } finally { $probe.Dispose() }
        } until ($up -or [DateTime]::UtcNow -gt $deadline)

        $agent = Join-Path $TestDrive 'tested-agent'
        $ca | Install-DockerRegistryTrust -Registry $registry -Root $agent -Target Docker
        Set-DockerDaemonTls -Root $agent -CaCertificate $ca -Certificate $server
        $key = Join-Path $agent 'etc/docker/tls/server-key.pem'
        [System.IO.File]::SetUnixFileMode($key, [System.IO.UnixFileMode]'UserRead, UserWrite, GroupRead, OtherRead')

        $inner = Join-Path $TestDrive 'Agent.Tests.ps1'
        Set-Content -LiteralPath $inner -Value @"
BeforeAll { Import-Module '$manifest' -Force }
Describe 'the agent' {
    It 'trusts its registry' {
        Test-DockerRegistryTrust -Registry '$registry' -ConnectAddress 127.0.0.1 -Root '$agent' -ErrorAction Stop | Should -BeTrue
    }
    It 'trusts a registry with no CA' {
        Test-DockerRegistryTrust -Registry 'nothing.internal:5000' -Root '$agent' -ErrorAction Stop | Should -BeTrue
    }
    It 'has a safe daemon' {
        Test-DockerDaemonTls -Root '$agent' -ErrorAction Stop | Should -BeTrue
    }
    It 'has a safe daemon (plain)' {
        Test-DockerDaemonTls -Root '$agent' -ErrorAction SilentlyContinue | Should -BeTrue
    }
}
"@
        $verdicts = @{}
        foreach ($test in Invoke-InnerPester $inner) { $verdicts[[string] $test.Name] = $test }
    }
    AfterAll {
        if ($openssl) { Stop-Process -Id $openssl.Id -ErrorAction Ignore }
    }

    It 'names the registry, the store and the CA problem when the server chains to another CA' {
        $verdicts['trusts its registry'].Result | Should -Be 'Failed'
        $verdicts['trusts its registry'].Message | Should -Match ([regex]::Escape("$registry is not trusted through the Docker store (UnknownAuthority)"))
        $verdicts['trusts its registry'].Message | Should -Match 'Foreign CA'
    }

    It 'names the registry and the store when no CA is installed for it' {
        $verdicts['trusts a registry with no CA'].Result | Should -Be 'Failed'
        $verdicts['trusts a registry with no CA'].Message | Should -Match 'No CA is installed for nothing\.internal:5000 in the Docker store'
    }

    It 'names the daemon check and the key file when the key is readable by others' {
        $verdicts['has a safe daemon'].Result | Should -Be 'Failed'
        $verdicts['has a safe daemon'].Message | Should -Match 'KeyPermissions'
        $verdicts['has a safe daemon'].Message | Should -Match ([regex]::Escape('etc/docker/tls/server-key.pem has mode 0644'))
    }

    It 'still fails a plain "| Should -BeTrue" (the result is a bool, never a truthy object)' {
        $verdicts['has a safe daemon (plain)'].Result | Should -Be 'Failed'
        $verdicts['has a safe daemon (plain)'].Message | Should -Be 'Expected $true, but got $false.'
    }

    It 'writes one error per failed check with a stable id and category, and $false' {
        $answer = Test-DockerDaemonTls -Root $agent -ErrorVariable problems -ErrorAction SilentlyContinue
        $answer | Should -BeOfType [bool]
        $answer | Should -BeFalse
        @($problems).Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'DaemonTlsKeyPermissionsFailed,DcosTls.Cmdlets.TestDockerDaemonTlsCommand'
        $problems[0].CategoryInfo.Category | Should -Be 'SecurityError'
        $problems[0].TargetObject.Check | Should -Be 'KeyPermissions'

        $answer = Test-DockerRegistryTrust -Registry nothing.internal:5000 -Root $agent -ErrorVariable problems -ErrorAction SilentlyContinue
        $answer | Should -BeOfType [bool]
        $answer | Should -BeFalse
        $problems[0].FullyQualifiedErrorId | Should -Be 'RegistryTrustNoInstalledCertificates,DcosTls.Cmdlets.TestDockerRegistryTrustCommand'
        $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $problems[0].TargetObject.Reason | Should -Be 'NoInstalledCertificates'

        $answer = Test-DockerRegistryTrust -Registry $registry -ConnectAddress 127.0.0.1 -Root $agent -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -Be 'RegistryTrustUnknownAuthority,DcosTls.Cmdlets.TestDockerRegistryTrustCommand'
        $problems[0].CategoryInfo.Category | Should -Be 'SecurityError'
    }

    It 'keeps -Detailed as objects with the reason, and writes no error then' {
        $checks = Test-DockerDaemonTls -Root $agent -Detailed -ErrorVariable problems
        @($problems).Count | Should -Be 0
        ($checks | Where-Object { -not $_.Passed }).Check | Should -Be 'KeyPermissions'
        $detail = Test-DockerRegistryTrust -Registry nothing.internal:5000 -Root $agent -Detailed -ErrorVariable problems
        @($problems).Count | Should -Be 0
        $detail.Reason | Should -Be 'NoInstalledCertificates'
    }
}

Describe '-WhatIf writes nothing and emits no result row' -Tag Results {
    It 'has an invocation here for every cmdlet with -WhatIf' {
        $covered = @($invocations.Keys | Sort-Object)
        @($changing | Where-Object { $_ -notin $covered }) | Should -BeNullOrEmpty -Because 'every changing cmdlet is checked below'
    }

    It '<_> -WhatIf emits no row and writes no file' -ForEach $changing {
        $folder = Join-Path $TestDrive "whatif-$_"
        if ($_ -eq 'Uninstall-DockerRegistryTrust') { $null = $ca | Install-DockerRegistryTrust -Registry repo.internal:5000 -Root $folder }
        if ($_ -eq 'Update-DockerDaemonCertificate') { Set-DockerDaemonTls -Root $folder -CaCertificate $ca -Certificate $server }
        if ($_ -eq 'Update-DockerClientCertificate') { $null = Install-DockerClientCertificate -Path (Join-Path $folder 'client') -CaCertificate $ca -Certificate $client }
        if ($_ -eq 'Update-DcosCertificate') { New-DcosCertificate -Issuer $ca -CommonName described.internal -KeyAlgorithm ECDSA | Export-DcosCertificate -Path (Join-Path $folder 'described/repo.crt') }
        if ($_ -in 'Install-DcosTlsRenewalTimer', 'Uninstall-DcosTlsRenewalTimer') {
            # The script the timer runs (executable, so it also stands in for pwsh); for the uninstall, the units to remove.
            $null = New-Item -ItemType Directory -Force (Join-Path $folder 'usr/local/sbin')
            Set-Content -LiteralPath (Join-Path $folder 'usr/local/sbin/renew.ps1') -Value '#!/bin/sh'
            & chmod 0755 (Join-Path $folder 'usr/local/sbin/renew.ps1')
            if ($_ -eq 'Uninstall-DcosTlsRenewalTimer') { $null = & $invocations['Install-DcosTlsRenewalTimer'] $folder }
        }
        $before = Get-Written $folder
        $rows = @(& $invocations[$_] $folder -WhatIf)
        $rows | Should -BeNullOrEmpty
        Get-Written $folder | Should -Be $before
    }
}

Describe 'Export-* and Set-* are silent unless -PassThru' -Tag Results {
    It 'Export-DcosCertificate writes the files and emits nothing' {
        $crt = Join-Path $TestDrive 'silent/repo.crt'
        $out = @($server | Export-DcosCertificate -Path $crt)
        $out | Should -BeNullOrEmpty
        Test-Path -LiteralPath $crt | Should -BeTrue
    }

    It 'Export-DcosCertificate -PassThru gives one typed row per file with its mode and action' {
        $crt = Join-Path $TestDrive 'passthru/repo.crt'
        $rows = @($server | Export-DcosCertificate -Path $crt -PassThru)
        $rows.Count | Should -Be 3 -Because 'a certificate New-DcosCertificate made gets its renewal description'
        $rows[0].PSObject.TypeNames[0] | Should -Be 'DcosTls.Files.WrittenFile'
        $rows.Role | Should -Be @('Certificate', 'PrivateKey', 'RenewalDescription')
        $rows.Action | Should -Be @('Created', 'Created', 'Created')
        $rows.Mode | Should -Be @('0644', '0600', '0644')
        $rows[1].Path | Should -Be (Join-Path $TestDrive 'passthru/repo.key')
        $rows[2].Path | Should -Be (Join-Path $TestDrive 'passthru/repo.crt.renewal.json')
        $again = @($server | Export-DcosCertificate -Path $crt -PassThru)
        $again.Action | Should -Be @('Unchanged', 'Unchanged', 'Unchanged')
    }

    It 'the WrittenFile view is a table readable at 80 columns with the whole Role, Action and Mode' {
        $rows = @($server | Export-DcosCertificate -Path (Join-Path $TestDrive 'view/registry.pem') -Format HaproxyPem -PassThru)
        $text = $rows | Out-String -Width 80
        $lines = $text -split "`r?`n" | Where-Object { $_.Trim() }
        $lines[0] | Should -Match '^Role\s+Action\s+Mode\s+Path\s*$'
        $lines[2] | Should -Match '^HaproxyPem\s+Created\s+0600\s+/'
        ($lines | Measure-Object -Maximum -Property Length).Maximum | Should -BeLessOrEqual 80
    }

    It 'Set-MesosDockerConfig -AsConfigYaml writes the file and emits nothing; -PassThru gives a WrittenFile' {
        $yaml = Join-Path $TestDrive 'genconf/docker-credentials.yaml'
        $null = New-Item -ItemType Directory -Path (Split-Path $yaml) -Force
        @($login | Set-MesosDockerConfig -AsConfigYaml $yaml) | Should -BeNullOrEmpty
        Test-Path -LiteralPath $yaml | Should -BeTrue
        $row = $login | Set-MesosDockerConfig -AsConfigYaml $yaml -PassThru
        $row.PSObject.TypeNames[0] | Should -Be 'DcosTls.Files.WrittenFile'
        $row.Role | Should -Be 'ConfigYaml'
        $row.Mode | Should -Be '0600'
        $row.Action | Should -Be 'Unchanged'
        $row.Path | Should -Be $yaml
    }

    It 'Set-MesosDockerConfig on an agent emits nothing; -PassThru gives the result' {
        $root = Join-Path $TestDrive 'mesos-agent'
        @($login | Set-MesosDockerConfig -Root $root) | Should -BeNullOrEmpty
        $result = $login | Set-MesosDockerConfig -Root $root -PassThru
        $result.Registries | Should -Be 'repo.internal:5000'
        $result.Action | Should -Be 'Unchanged'
    }

    It 'Set-DockerDaemonTls emits nothing; -PassThru gives one row per file' {
        $root = Join-Path $TestDrive 'daemon-agent'
        @(Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $server) | Should -BeNullOrEmpty
        $rows = @(Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $server -PassThru)
        $rows.Role | Should -Contain 'ServerKey'
        $rows.Action | Sort-Object -Unique | Should -Be 'Unchanged'
    }
}

Describe 'Results name paths in one style' -Tag Results {
    BeforeAll {
        $root = Join-Path $TestDrive 'paths'
        $rows = @(
            $ca | Install-DockerRegistryTrust -Registry repo.internal:5000 -Root $root
            Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $server -PassThru
            $server | Export-DcosCertificate -Path (Join-Path $root 'out/repo.crt') -PassThru
            $login | New-DockerAuthArchive -Root $root -Path /etc/docker.tar.gz
            (Install-DockerClientCertificate -Path (Join-Path $root 'client') -CaCertificate $ca -Certificate $client).Files
        )
        $mesos = $login | Set-MesosDockerConfig -Root $root -PassThru
    }

    It 'Path is the file written on this machine, for every result' {
        $rows.Count | Should -BeGreaterThan 8
        foreach ($row in $rows) {
            $row.PSObject.Properties.Name | Should -Not -Contain 'FullPath'
            Test-Path -LiteralPath $row.Path | Should -BeTrue -Because "$($row.PSObject.TypeNames[0]) $($row.Path)"
        }
        Test-Path -LiteralPath $mesos.Path | Should -BeTrue
        Test-Path -LiteralPath $mesos.EnvironmentPath | Should -BeTrue
    }

    It 'AgentPath is the same file as the agent sees it, where there is one' {
        foreach ($row in $rows | Where-Object { $_.PSObject.Properties['AgentPath'] -and $_.AgentPath }) {
            $row.AgentPath | Should -Match '^/'
            $row.Path | Should -Be (Join-Path $root $row.AgentPath.TrimStart('/'))
        }
        $mesos.AgentPath | Should -Be '/var/lib/dcos/docker_credentials'
        $mesos.Path | Should -Be (Join-Path $root 'var/lib/dcos/docker_credentials')
    }
}

Describe 'A -Root that does not exist yet is created, except under -WhatIf' -Tag Results {
    # Update-DcosCertificate renews files already under the root: a missing root holds nothing to renew.
    It '<_> creates a missing -Root' -ForEach @($rooted | Where-Object { $_ -notin 'Uninstall-DockerRegistryTrust', 'Uninstall-DcosTlsRenewalTimer', 'Invoke-DcosAgentProvisioning', 'Update-DcosCertificate' }) {
        $folder = Join-Path $TestDrive "new-root-$_/staging"
        $null = & $invocations[$_] $folder
        Test-Path -LiteralPath $folder -PathType Container | Should -BeTrue
        Get-Written $folder | Should -Not -BeNullOrEmpty
    }

    It '<_> -WhatIf leaves a missing -Root missing, without an error' -ForEach @($rooted | Where-Object { $_ -ne 'Update-DcosCertificate' }) {
        $folder = Join-Path $TestDrive "whatif-root-$_/staging"
        $problems = @(& $invocations[$_] $folder -WhatIf 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $problems | Should -BeNullOrEmpty
        Test-Path -LiteralPath $folder | Should -BeFalse
    }

    It 'refuses a -Root that is a file, naming it' {
        $file = Join-Path $TestDrive 'root-is-a-file'
        Set-Content -LiteralPath $file -Value 'x'
        { $login | Set-MesosDockerConfig -Root $file } | Should -Throw -ErrorId 'RootNotDirectory,DcosTls.Cmdlets.SetMesosDockerConfigCommand'
        { $ca | Install-DockerRegistryTrust -Registry repo.internal:5000 -Root $file } | Should -Throw -ErrorId 'RootNotDirectory,DcosTls.Cmdlets.InstallDockerRegistryTrustCommand'
    }
}

Describe 'New-DockerAuthArchive merges like Set-MesosDockerConfig' -Tag Results {
    BeforeAll {
        function Read-ArchiveRegistries([string] $Path) {
            $folder = Join-Path $TestDrive "extract-$([guid]::NewGuid().ToString('n'))"
            $null = New-Item -ItemType Directory -Path $folder
            & tar -xzf $Path -C $folder
            @((Get-Content -Raw (Join-Path $folder '.docker/config.json') | ConvertFrom-Json).auths.PSObject.Properties.Name | Sort-Object)
        }
    }

    It 'keeps the registries already in the archive and adds the new one' {
        $archive = Join-Path $TestDrive 'merge/docker.tar.gz'
        $first = $login | New-DockerAuthArchive -Path $archive
        $first.Registries | Should -Be 'repo.internal:5000'
        $second = $other | New-DockerAuthArchive -Path $archive
        $second.Registries | Sort-Object | Should -Be @('other.internal:5000', 'repo.internal:5000')
        $second.Action | Should -Be 'Updated'
        Read-ArchiveRegistries $archive | Should -Be @('other.internal:5000', 'repo.internal:5000')
    }

    It '-Replace writes only the given credentials' {
        $archive = Join-Path $TestDrive 'replace/docker.tar.gz'
        $null = $login | New-DockerAuthArchive -Path $archive
        $result = $other | New-DockerAuthArchive -Path $archive -Replace
        $result.Registries | Should -Be 'other.internal:5000'
        Read-ArchiveRegistries $archive | Should -Be 'other.internal:5000'
    }

    It 'a re-run with the same credentials changes nothing' {
        $archive = Join-Path $TestDrive 'rerun/docker.tar.gz'
        $null = $login | New-DockerAuthArchive -Path $archive
        ($login | New-DockerAuthArchive -Path $archive).Action | Should -Be 'Unchanged'
    }

    It 'refuses an existing file that is not a credentials archive, unless -Replace' {
        $archive = Join-Path $TestDrive 'broken/docker.tar.gz'
        $null = New-Item -ItemType Directory -Path (Split-Path $archive) -Force
        Set-Content -LiteralPath $archive -Value 'not an archive'
        { $login | New-DockerAuthArchive -Path $archive } | Should -Throw -ErrorId 'ArchiveUnreadable,DcosTls.Cmdlets.NewDockerAuthArchiveCommand'
        Get-Content -Raw -LiteralPath $archive | Should -Be "not an archive`n"
        ($login | New-DockerAuthArchive -Path $archive -Replace).Registries | Should -Be 'repo.internal:5000'
    }
}
