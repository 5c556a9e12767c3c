<#
    The fleet over real PowerShell remoting: simulated agents are sshd processes on loopback
    addresses, each in its own mount namespace (its own /etc/docker, /var/lib/dcos and module folder),
    with this pwsh as their powershell subsystem.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    # The version has one home, the manifest: the module folder on an agent is named after it.
    $moduleVersion = (Import-PowerShellDataFile (Join-Path $PSScriptRoot '../../DcosTls.psd1')).ModuleVersion
    . (Join-Path $PSScriptRoot 'SshAgents.ps1')
    . (Join-Path $PSScriptRoot 'Pwsh.ps1')
    $kit = New-SshAgentKit -Path (Join-Path $TestDrive 'operator')
    $port = Get-SharedFreeTcpPort 127.0.0.2, 127.0.0.3
    $agents = @(
        Start-SshAgent -Kit $kit -Address 127.0.0.2 -Root (Join-Path $TestDrive 'agent-a') -Port $port
        Start-SshAgent -Kit $kit -Address 127.0.0.3 -Root (Join-Path $TestDrive 'agent-b') -Port $port
    )
    # ForEach-Object: $agents.Address would be the array's own Address method.
    $hosts = @($agents | ForEach-Object Address)
    $ssh = @{ UserName = 'root'; KeyFilePath = $kit.KeyFilePath; Options = @{ UserKnownHostsFile = $kit.KnownHosts } }
}

AfterAll {
    Get-PSSession | Remove-PSSession
    if ($agents) { $agents | Stop-SshAgent }
}

Describe 'Simulated agents over SSH remoting' -Tag Fleet, Heavy {
    It 'runs a script block on an agent with Invoke-Command -HostName' {
        $a = $agents[0]
        $version = Invoke-Command -HostName $a.Address -Port $a.Port @ssh -ScriptBlock { $PSVersionTable.PSVersion } -ErrorAction Stop
        $version.Major | Should -Be $PSVersionTable.PSVersion.Major
        $version.Minor | Should -Be $PSVersionTable.PSVersion.Minor
    }

    It 'gives each agent its own /etc/docker and /var/lib/dcos' {
        foreach ($a in $agents) {
            Invoke-Command -HostName $a.Address -Port $a.Port @ssh -ErrorAction Stop -ScriptBlock {
                param($name)
                Set-Content -Path /etc/docker/fleet-marker -Value $name
                Set-Content -Path /var/lib/dcos/fleet-marker -Value $name
            } -ArgumentList $a.Address
        }
        foreach ($a in $agents) {
            Get-Content (Join-Path $a.Root 'etc/docker/fleet-marker') | Should -Be $a.Address
            Get-Content (Join-Path $a.Root 'var/lib/dcos/fleet-marker') | Should -Be $a.Address
        }
        Test-Path /etc/docker/fleet-marker | Should -BeFalse -Because 'the operator machine''s own /etc/docker is untouched'
    }

    It 'refuses a host key that is not the pinned one' {
        $a = $agents[1]
        $other = Join-Path $TestDrive 'other_known_hosts'
        # The first agent's host key, written down as the second agent's: a mismatch, not a missing key.
        $firstKey = (Get-Content $kit.KnownHosts | Select-Object -First 1) -split ' ', 2
        Set-Content -Path $other -Value "[$($a.Address)]:$($a.Port) $($firstKey[1])"
        # In a process of its own: pwsh's SSH transport can end its process with a broken pipe when ssh
        # refuses the connection at once, and that must not take the test run with it.
        $job = Start-Job -ScriptBlock {
            Invoke-Command -HostName $using:a.Address -Port $using:a.Port -UserName root -KeyFilePath $using:kit.KeyFilePath -Options @{ UserKnownHostsFile = $using:other; StrictHostKeyChecking = 'yes' } -ScriptBlock { 'connected' } -ErrorAction Stop
        }
        $answer = $job | Wait-Job -Timeout 60 | Receive-Job -ErrorAction SilentlyContinue -ErrorVariable refused
        $job | Remove-Job -Force
        $answer | Should -BeNullOrEmpty -Because 'a mismatched host key must never let the script block run'
        "$refused" | Should -Not -BeNullOrEmpty
    }

    It 'the host-key check sees a connection: the same command with the pinned key runs the script block' {
        # Positive control of the refusal above: same agent, options and job, the pinned known_hosts.
        $a = $agents[1]
        $job = Start-Job -ScriptBlock {
            Invoke-Command -HostName $using:a.Address -Port $using:a.Port -UserName root -KeyFilePath $using:kit.KeyFilePath -Options @{ UserKnownHostsFile = $using:kit.KnownHosts; StrictHostKeyChecking = 'yes' } -ScriptBlock { 'connected' } -ErrorAction Stop
        }
        $answer = $job | Wait-Job -Timeout 60 | Receive-Job -ErrorAction SilentlyContinue -ErrorVariable refused
        $job | Remove-Job -Force
        $answer | Should -Be 'connected' -Because "$refused"
    }
}

Describe 'Invoke-DcosAgentProvisioning on simulated agents' -Tag Fleet, Heavy {
    BeforeAll {
        $ca = New-TlsCertificateAuthority -CommonName 'Fleet Registry CA' -KeyAlgorithm ECDSA
        $registry = 'repo.fleet.internal:5000'
        $password = 'Fleet-Pa55-9c41e'
        $credential = [pscredential]::new('puller', (ConvertTo-SecureString $password -AsPlainText -Force))
        $fleet = @{
            CaCertificate = $ca; Registry = $registry; Credential = $credential; CredentialRegistry = $registry
            UserName = 'root'; KeyFilePath = $kit.KeyFilePath; SSHOption = @{ UserKnownHostsFile = $kit.KnownHosts }
        }
        # The command lines of every process started for these agents: ssh clients (our known_hosts) and the agents' pwsh (our settings file).
        function Get-FleetProcess {
            foreach ($file in Get-ChildItem /proc -Directory -ErrorAction Ignore | Where-Object Name -match '^\d+$') {
                $line = try { [IO.File]::ReadAllText("$($file.FullName)/cmdline") } catch { '' }
                if ($line.Contains($kit.Path)) { [pscustomobject]@{ Pid = [int]$file.Name; CommandLine = $line.Replace([char]0, ' ') } }
            }
        }
    }

    It 'brings the module, the trust and the credentials to each agent''s own root; a second run changes nothing' {
        $first = $hosts | Invoke-DcosAgentProvisioning @fleet -Port $port -ThrottleLimit 2 -Verbose 4>&1
        $rows = @($first | Where-Object { $_ -is [DcosTls.Fleet.FleetAgentResult] })
        $rows.Count | Should -Be 2
        foreach ($row in $rows) {
            $row.Error | Should -BeNullOrEmpty
            $row.Succeeded | Should -BeTrue
            $row.Changed | Should -BeTrue
            $row.Module | Should -Be 'Installed'
            @($row.Rows).Count | Should -BeGreaterThan 0
        }
        @($first | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match '^2 agents .*2 succeeded \(2 changed\), 0 failed' }).Count | Should -Be 1
        # The module went as one ssh stream to each agent, not through the sessions.
        @($first | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match ': module files streamed over ssh \(\d+ files, \d+ bytes, ' }).Count | Should -Be 2
        foreach ($a in $agents) {
            $certsD = Join-Path $a.Root "etc/docker/certs.d/$registry"
            Get-ChildItem $certsD -Filter *.crt | Should -Not -BeNullOrEmpty
            Get-ChildItem (Join-Path $a.Root 'var/lib/dcos/pki/tls/certs') | Should -Not -BeNullOrEmpty
            $config = Get-Content -Raw (Join-Path $a.Root 'var/lib/dcos/docker_credentials') | ConvertFrom-Json
            $auth = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($config.auths.$registry.auth))
            $auth | Should -Be "puller:$password"
            Get-Content (Join-Path $a.Root 'var/lib/dcos/mesos-slave-common') | Should -Contain 'MESOS_DOCKER_CONFIG=file:///var/lib/dcos/docker_credentials'
            Test-Path (Join-Path $a.Root "root/.local/share/powershell/Modules/DcosTls/$moduleVersion/DcosTls.psd1") | Should -BeTrue
            # Keys never travel: no private key anywhere under the agent's root except its own sshd's.
            Get-ChildItem -Recurse -File $a.Root | Where-Object { $_.FullName -notlike '*/.sshd/*' } |
                Select-String -Pattern '-----BEGIN [A-Z ]*PRIVATE KEY-----' | Should -BeNullOrEmpty
        }

        $second = @($hosts | Invoke-DcosAgentProvisioning @fleet -Port $port -Verbose 4>&1)
        @($second | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'stream' }) | Should -BeNullOrEmpty -Because 'an agent with this module gets no module file'
        $second = @($second | Where-Object { $_ -is [DcosTls.Fleet.FleetAgentResult] })
        $second.Count | Should -Be 2
        foreach ($row in $second) {
            $row.Succeeded | Should -BeTrue
            $row.Changed | Should -BeFalse
            $row.Module | Should -Be 'Unchanged'
        }
    }

    It 'replaces a damaged module file through the ssh stream and removes the stage a stopped run left' {
        $a = $agents[0]
        $moduleBase = Join-Path $a.Root "root/.local/share/powershell/Modules/DcosTls/$moduleVersion"
        $dll = Join-Path $moduleBase 'module/bin/DcosTls.dll'
        $good = (Get-FileHash -LiteralPath $dll).Hash
        [IO.File]::WriteAllBytes($dll, [byte[]] (1..64))
        $left = Join-Path $moduleBase '.dcostls-incoming-0123456789abcdef0123456789abcdef'
        Set-Content -LiteralPath $left -Value 'the stage of a run stopped two hours ago'
        (Get-Item -Force -LiteralPath $left).LastWriteTimeUtc = [datetime]::UtcNow.AddHours(-2)
        $out = @($a.Address | Invoke-DcosAgentProvisioning @fleet -Port $port -Verbose 4>&1)
        $row = $out | Where-Object { $_ -is [DcosTls.Fleet.FleetAgentResult] }
        $row.Succeeded | Should -BeTrue -Because "$($row.Error)"
        $row.Module | Should -Be 'Updated'
        @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match ': module files streamed over ssh \(1 files, ' }).Count | Should -Be 1
        (Get-FileHash -LiteralPath $dll).Hash | Should -Be $good
        Get-ChildItem -Force -Recurse -File -LiteralPath $moduleBase | Where-Object { $_.Name -like '.dcostls-incoming-*' -or $_.Name -like '*.tmp' } | Should -BeNullOrEmpty
    }

    It 'sends the module files through the session when the agent''s shell cannot stage the stream' {
        $a = $agents[1]
        $config = Join-Path $a.Root '.sshd/sshd_config'
        $original = Get-Content -Raw -LiteralPath $config
        $help = Join-Path $a.Root "root/.local/share/powershell/Modules/DcosTls/$moduleVersion/en-US/about_DcosTls.help.txt"
        $good = (Get-FileHash -LiteralPath $help).Hash
        Remove-Item -LiteralPath $help
        # sshd reads its configuration again on SIGHUP; it listens again a moment later.
        function Set-SshdConfig([string] $Text) {
            Set-Content -LiteralPath $config -Value $Text -NoNewline
            & kill -HUP $a.Pid
            Start-Sleep -Milliseconds 300
            $deadline = [datetime]::UtcNow.AddSeconds(10)
            while ($true) {
                $client = [System.Net.Sockets.TcpClient]::new()
                try { $client.Connect($a.Address, $a.Port); break } catch { if ([datetime]::UtcNow -gt $deadline) { throw } } finally { $client.Dispose() }
                Start-Sleep -Milliseconds 100
            }
        }
        # Commands run over ssh find no mkdir and no cat there; the powershell subsystem is named by its full path.
        Set-SshdConfig ($original + "SetEnv PATH=/nonexistent`n")
        try { $out = @($a.Address | Invoke-DcosAgentProvisioning @fleet -Port $port -Verbose 4>&1) }
        finally { Set-SshdConfig $original }
        $row = $out | Where-Object { $_ -is [DcosTls.Fleet.FleetAgentResult] }
        $row.Succeeded | Should -BeTrue -Because "$($row.Error)"
        $row.Module | Should -Be 'Updated'
        @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match ': the module files could not be streamed over ssh \(ssh exited \d+.*\); they go through the session$' }).Count | Should -Be 1 -Because (($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join " | ")
        (Get-FileHash -LiteralPath $help).Hash | Should -Be $good
    }

    It 'gives each agent the OS trust with -Target System (its update command run there), the fetcher''s docker.tar.gz at one path and the CA in its own -LegacyBundlePath bundle; -WhatIf names them per agent; a rerun changes nothing' {
        $parity = $fleet.Clone()
        $parity.Target = 'Docker', 'Mesos', 'System'
        $parity.AuthArchivePath = '/etc/docker/docker.tar.gz'
        # An existing bundle at an agent path each simulated agent has for itself (/var/lib/dcos is the agent's own folder).
        $parity.LegacyBundlePath = '/var/lib/dcos/legacy-requests/cacert.pem'
        $existing = New-TlsCertificateAuthority -CommonName 'Existing Bundle Root' -KeyAlgorithm ECDSA
        foreach ($a in $agents) {
            $null = New-Item -ItemType Directory -Force -Path (Join-Path $a.Root 'var/lib/dcos/legacy-requests')
            Set-Content -LiteralPath (Join-Path $a.Root 'var/lib/dcos/legacy-requests/cacert.pem') -Value $existing.CertificatePem -NoNewline
        }
        $before = foreach ($a in $agents) { Get-TreeSnapshot $a.Root | Where-Object { $_ -notlike '.sshd*' } }
        # What-if lines go to the host: a transcript of this session shows them as a user sees them.
        $transcript = Join-Path $TestDrive 'parity-whatif.txt'
        $null = Start-Transcript -LiteralPath $transcript
        try { $asked = @($hosts | Invoke-DcosAgentProvisioning @parity -Port $port -WhatIf) }
        finally { $null = Stop-Transcript }
        $output = Get-Content -LiteralPath $transcript
        $asked | Should -HaveCount 0
        foreach ($a in $hosts) {
            @($output -match "^What if: $([regex]::Escape($a)): .*/usr/local/share/ca-certificates/").Count | Should -Be 1 -Because ($output -join "`n")
            @($output -match "^What if: $([regex]::Escape($a)): .*/etc/docker/docker\.tar\.gz").Count | Should -Be 1 -Because ($output -join "`n")
            # The OS trust update command the agent's family runs (Debian here), not only the anchor file.
            @($output -match "^What if: $([regex]::Escape($a)): .*Rebuild the system trust bundle.*update-ca-certificates").Count | Should -Be 1 -Because ($output -join "`n")
            @($output -match "^What if: $([regex]::Escape($a)): .*/var/lib/dcos/legacy-requests/cacert\.pem").Count | Should -BeGreaterThan 0 -Because ($output -join "`n")
        }
        $after = foreach ($a in $agents) { Get-TreeSnapshot $a.Root | Where-Object { $_ -notlike '.sshd*' } }
        $after | Should -Be $before

        $rows = @($hosts | Invoke-DcosAgentProvisioning @parity -Port $port)
        $rows.Count | Should -Be 2
        $body = ($ca.CertificatePem -split "`n" | Where-Object { $_ -and $_ -notmatch '^-----' }) -join ''
        foreach ($row in $rows) {
            $row.Error | Should -BeNullOrEmpty
            $row.Changed | Should -BeTrue
            $system = @($row.Rows | Where-Object { $_.PSObject.Properties['Target'] -and $_.Target -eq 'System' })
            $system.Count | Should -Be 1
            "$($system[0].Action)" | Should -Be 'Created'
            $archive = @($row.Rows | Where-Object { $_.PSObject.TypeNames -match 'DockerAuthArchive' })
            $archive.Count | Should -Be 1
            $archive[0].AgentPath | Should -Be '/etc/docker/docker.tar.gz'
            $archive[0].FetchUri | Should -Be 'file:///etc/docker/docker.tar.gz'
            $legacy = @($row.Rows | Where-Object { $_.PSObject.Properties['Target'] -and $_.Target -eq 'LegacyBundle' })
            $legacy.Count | Should -Be 1
            "$($legacy[0].Action)" | Should -Be 'Updated'
        }
        # The same credentials make the same archive, byte for byte, on every agent.
        @($rows | ForEach-Object { @($_.Rows | Where-Object { $_.PSObject.TypeNames -match 'DockerAuthArchive' })[0].Sha256 } | Sort-Object -Unique).Count | Should -Be 1
        foreach ($a in $agents) {
            $anchors = @(Get-ChildItem (Join-Path $a.Root 'usr/local/share/ca-certificates') -Filter *.crt)
            $anchors.Count | Should -Be 1
            (Import-DcosCertificate -Path $anchors[0].FullName).Thumbprint | Should -Be $ca.Thumbprint
            # update-ca-certificates ran inside the agent: its own bundle now holds the CA, this machine's does not.
            (Get-Content -Raw (Join-Path $a.Root 'etc/ssl/certs/ca-certificates.crt')).Replace("`n", '') | Should -Match ([regex]::Escape($body))
            (Get-Content -Raw /etc/ssl/certs/ca-certificates.crt).Replace("`n", '') | Should -Not -Match ([regex]::Escape($body))
            $tarball = Join-Path $a.Root 'etc/docker/docker.tar.gz'
            (Get-Item $tarball).UnixFileMode | Should -Be ([IO.UnixFileMode] 'UserRead, UserWrite')
            $config = (& tar -xzOf $tarball .docker/config.json) -join "`n" | ConvertFrom-Json
            [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($config.auths.$registry.auth)) | Should -Be "puller:$password"
            # The bundle keeps what it held and gets the CA once after it, inside this agent's root.
            $bundle = Get-Content -Raw -LiteralPath (Join-Path $a.Root 'var/lib/dcos/legacy-requests/cacert.pem')
            $bundle | Should -BeLike "$($existing.CertificatePem.Trim())*"
            $bundle.Replace("`n", '') | Should -Match ([regex]::Escape($body))
            ([regex]::Matches($bundle, 'BEGIN CERTIFICATE')).Count | Should -Be 2
        }
        Test-Path -LiteralPath $parity.LegacyBundlePath | Should -BeFalse -Because 'the bundle is an agent path: nothing is written on the operator''s machine'

        $written = foreach ($a in $agents) { Get-TreeSnapshot $a.Root | Where-Object { $_ -notlike '.sshd*' } }
        $again = @($hosts | Invoke-DcosAgentProvisioning @parity -Port $port)
        foreach ($row in $again) {
            $row.Succeeded | Should -BeTrue
            $row.Changed | Should -BeFalse
            "$(@($row.Rows | Where-Object { $_.PSObject.Properties['Target'] -and $_.Target -eq 'LegacyBundle' })[0].Action)" | Should -Be 'Unchanged'
        }
        $rerun = foreach ($a in $agents) { Get-TreeSnapshot $a.Root | Where-Object { $_ -notlike '.sshd*' } }
        $rerun | Should -Be $written
    }

    It 'reports an agent that does not answer in its own row and finishes the others' {
        # Nothing listens on 127.0.0.9 at the agents' port.
        $rows = @('127.0.0.9', $agents[0].Address | Invoke-DcosAgentProvisioning @fleet -Port $port)
        $rows.Count | Should -Be 2
        $rows[0].Agent | Should -Be '127.0.0.9'
        $rows[0].Succeeded | Should -BeFalse
        $rows[0].FailedStage | Should -Be 'Connect'
        $rows[0].Error | Should -Match 'unreachable'
        $rows[0].Error | Should -Not -Match ([regex]::Escape($password))
        $rows[1].Succeeded | Should -BeTrue
    }

    It 'reports a refused login key and a module copy that fails part way in their own rows; a rerun finishes them' {
        # The first agent no longer accepts the operator's key; the second cannot take the module's
        # help folder (a file is in its place): its copy stops there, whatever it had written before.
        $authorized = Join-Path $agents[0].Root '.sshd/authorized_keys'
        $accepted = Get-Content -Raw $authorized
        $otherKey = Join-Path $TestDrive 'not-this-operator'
        & ssh-keygen -q -t ed25519 -N '' -C other -f $otherKey
        Copy-Item "$otherKey.pub" $authorized -Force
        $moduleBase = Join-Path $agents[1].Root "root/.local/share/powershell/Modules/DcosTls/$moduleVersion"
        Remove-Item -Recurse -Force $moduleBase
        $null = New-Item -ItemType Directory -Path $moduleBase
        Set-Content (Join-Path $moduleBase 'en-US') 'not a folder'
        try { $rows = @($hosts | Invoke-DcosAgentProvisioning @fleet -Port $port -ConnectingTimeout 30000 2>$null) }
        finally { Set-Content -LiteralPath $authorized -Value $accepted -NoNewline }
        $rows.Count | Should -Be 2
        $rows[0].Succeeded | Should -BeFalse
        $rows[0].FailedStage | Should -Be 'Connect'
        $rows[0].Error | Should -Match 'the key'
        $rows[1].Succeeded | Should -BeFalse
        $rows[1].FailedStage | Should -Be 'Module'
        $rows[1].Error | Should -Match 'en-US'
        $rows[1].Changed | Should -BeTrue -Because 'a copy that stopped part way may have written module files'

        Remove-Item (Join-Path $moduleBase 'en-US')
        $again = @($hosts | Invoke-DcosAgentProvisioning @fleet -Port $port)
        $again.Succeeded | Should -Be @($true, $true)
        $again[0].Changed | Should -BeFalse
        $again[1].Module | Should -BeIn 'Installed', 'Updated'
        Join-Path $moduleBase 'en-US/about_DcosTls.help.txt' | Should -Exist
    }

    It 'takes open sessions from the pipeline' {
        $a = $agents[1]
        $session = New-PSSession -HostName $a.Address -Port $a.Port @ssh
        try {
            $row = $session | Invoke-DcosAgentProvisioning -CaCertificate $ca -Registry $registry
            $row.Succeeded | Should -BeTrue
            $row.Changed | Should -BeFalse
        }
        finally { Remove-PSSession $session }
    }

    It 'asks for a registry when given a CA, before reaching any agent' {
        { '127.0.0.9' | Invoke-DcosAgentProvisioning -CaCertificate $ca -ErrorAction Stop } |
            Should -Throw -ErrorId 'RegistryMissing,DcosTls.Cmdlets.InvokeDcosAgentProvisioningCommand'
    }

    It 'asks each agent what would change (trust for a new registry, a daemon key) and writes nothing; an agent with another build of the module is not asked' {
        # The second agent has another build of this version: one of its module files differs.
        $otherBuild = Join-Path $agents[1].Root "root/.local/share/powershell/Modules/DcosTls/$moduleVersion/en-US/about_DcosTls.help.txt"
        $original = [IO.File]::ReadAllBytes($otherBuild)
        Add-Content -LiteralPath $otherBuild -Value 'Another build of the same version.'
        $before = foreach ($a in $agents) { Get-TreeSnapshot $a.Root | Where-Object { $_ -notlike '.sshd*' } }
        $script = Join-Path $TestDrive 'whatif.ps1'
        Set-Content -LiteralPath $script -Value @"
Import-Module '$(Join-Path $PSScriptRoot '../../DcosTls.psd1')'
`$ca = New-TlsCertificateAuthority -CommonName 'WhatIf CA' -KeyAlgorithm ECDSA
`$rows = @('$($hosts -join "','")' | Invoke-DcosAgentProvisioning -CaCertificate `$ca -Registry whatif.fleet.internal -DaemonTls -Issuer `$ca -UserName root -KeyFilePath '$($kit.KeyFilePath)' -SSHOption @{ UserKnownHostsFile = '$($kit.KnownHosts)' } -Port $port -WhatIf)
"rows: `$(`$rows.Count)"
"@
        try {
            $output = Invoke-ChildPwsh -ArgumentList '-File', $script
            $after = foreach ($a in $agents) { Get-TreeSnapshot $a.Root | Where-Object { $_ -notlike '.sshd*' } }
        }
        finally { [IO.File]::WriteAllBytes($otherBuild, $original) }
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $output | Should -Contain 'rows: 0'
        foreach ($a in $hosts) {
            @($output -match "^What if: $([regex]::Escape($a)): .*whatif\.fleet\.internal").Count | Should -BeGreaterThan 0 -Because ($output -join "`n")
        }
        # The first agent's own module answers, file by file.
        @($output -match "^What if: $([regex]::Escape($hosts[0])): Make a daemon key on the agent .*no server certificate yet").Count | Should -Be 1 -Because ($output -join "`n")
        # The second would get this build first: it says so and what the plan would do, without asking the build it has.
        @($output -match "^What if: $([regex]::Escape($hosts[1])): Update module DcosTls $([regex]::Escape($moduleVersion)) .*\(1 files\)").Count | Should -Be 1 -Because ($output -join "`n")
        @($output -match "^What if: $([regex]::Escape($hosts[1])): Install registry trust for whatif\.fleet\.internal").Count | Should -Be 1 -Because ($output -join "`n")
        @($output -match "^What if: $([regex]::Escape($hosts[1])): Make a daemon key on the agent and a certificate from .*, then set daemon TLS$").Count | Should -Be 1 -Because ($output -join "`n")
        @($output -match "^What if: $([regex]::Escape($hosts[1])): .*no server certificate yet").Count | Should -Be 0 -Because 'the build on that agent is not asked'
        $after | Should -Be $before
    }

    It 'stops every agent''s work and closes its session when the command is stopped' {
        $ca = New-TlsCertificateAuthority -CommonName 'Stopped CA' -KeyAlgorithm ECDSA
        $ps = [powershell]::Create()
        $null = $ps.AddScript({
                param($Manifest, $Hosts, $Ca, $Fleet)
                Import-Module $Manifest
                $Hosts | Invoke-DcosAgentProvisioning -Registry stopped.fleet.internal -DaemonTls @Fleet
            }).AddArgument((Join-Path $PSScriptRoot '../../DcosTls.psd1')).AddArgument($hosts).AddArgument($ca).AddArgument(@{ CaCertificate = $ca; Issuer = $ca; UserName = 'root'; KeyFilePath = $kit.KeyFilePath; SSHOption = @{ UserKnownHostsFile = $kit.KnownHosts }; Port = $port })
        $async = $ps.BeginInvoke()
        try {
            $deadline = [datetime]::UtcNow.AddSeconds(60)
            while (-not @(Get-FleetProcess | Where-Object CommandLine -match '-sshs').Count -and -not $async.IsCompleted -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            $async.IsCompleted | Should -BeFalse -Because 'the run is stopped while agents are being worked on'
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 30
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            $deadline = [datetime]::UtcNow.AddSeconds(15)
            while (@(Get-FleetProcess).Count -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
            Get-FleetProcess | ForEach-Object CommandLine | Should -BeNullOrEmpty -Because 'no ssh client and no agent pwsh outlives the stopped run'
        }
        finally { $ps.Dispose() }
    }
}

Describe 'The fleet example' -Tag Fleet, Heavy {
    It 'provisions named agents through Invoke-DcosAgentProvisioning and lists one row per agent' {
        $caFile = Join-Path $TestDrive 'example-ca.crt'
        New-TlsCertificateAuthority -CommonName 'Example Fleet CA' -KeyAlgorithm ECDSA | Export-DcosCertificate -Path $caFile -NoKey
        $example = Join-Path $PSScriptRoot '../../module/Examples/Invoke-FleetProvisioning.ps1'
        $rows = @(& $example -HostName $hosts -UserName root -KeyFilePath $kit.KeyFilePath -Port $port `
                -SSHOption @{ UserKnownHostsFile = $kit.KnownHosts } -CaPath $caFile -Registry mirror.fleet.internal)
        $rows.Count | Should -Be 2
        $rows.Succeeded | Should -Not -Contain $false
        foreach ($a in $agents) { Join-Path $a.Root 'etc/docker/certs.d/mirror.fleet.internal' | Should -Exist }
    }
}

Describe 'The module copy on the agent''s side' -Tag Fleet {
    # The agent script that writes module files, run here on a folder of the test's own: what arrives
    # damaged or cut short is never renamed into place.
    BeforeAll {
        $agentScripts = (Get-Module DcosTls).ImplementingAssembly.GetType('DcosTls.Fleet.AgentScripts')
        $write = [scriptblock]::Create($agentScripts.GetField('WriteModuleFiles', [Reflection.BindingFlags]'NonPublic,Static').GetRawConstantValue())
        function Compress-Text([string] $Text) {
            $buffer = [IO.MemoryStream]::new()
            $brotli = [IO.Compression.BrotliStream]::new($buffer, [IO.Compression.CompressionLevel]::Optimal, $true)
            $bytes = [Text.Encoding]::UTF8.GetBytes($Text)
            $brotli.Write($bytes, 0, $bytes.Length)
            $brotli.Dispose()
            , $buffer.ToArray()
        }
        function Get-TextHash([string] $Text) { [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($Text))) }
        $content = [ordered]@{ 'bin/A.dll' = 'assembly ' * 500; 'en-US/about.txt' = 'help ' * 300; 'Mod.psd1' = '@{ ModuleVersion = ''1.0'' }'; 'Mod.Format.ps1xml' = '<Configuration/>' }
        $hashes = @{}
        foreach ($k in $content.Keys) { $hashes[$k] = Get-TextHash $content[$k] }
        function Get-Ordinal([string[]] $Text) { $sorted = [string[]] @($Text); [Array]::Sort($sorted, [StringComparer]::Ordinal); $sorted }
        function Get-Tree([string] $Base) {
            Get-Ordinal @(Get-ChildItem -Recurse -File -Force -LiteralPath $Base | ForEach-Object { [IO.Path]::GetRelativePath($Base, $_.FullName) })
        }
    }

    It 'installs from a stage only the files whose SHA-256 holds, holds the manifest back, and names the rest for the session' {
        $base = Join-Path $TestDrive 'staged/Mod/1.0'
        $null = New-Item -ItemType Directory -Force -Path $base
        $stage = [IO.MemoryStream]::new()
        $index = @{}
        foreach ($k in 'Mod.psd1', 'Mod.Format.ps1xml', 'bin/A.dll', 'en-US/about.txt') {
            $packed = Compress-Text $content[$k]
            if ($k -eq 'bin/A.dll') { $packed[10] = $packed[10] -bxor 0xFF }
            $index[$k] = [long[]] @($stage.Length, $packed.Length)
            $stage.Write($packed, 0, $packed.Length)
        }
        $id = [guid]::NewGuid().ToString('N')
        # The stream stopped in the middle of the last file.
        $bytes = $stage.ToArray()
        [IO.File]::WriteAllBytes((Join-Path $base ".dcostls-incoming-$id"), [byte[]] $bytes[0..($bytes.Length - 5)])
        # Another run's stage, younger than an hour, is left alone.
        Set-Content -LiteralPath (Join-Path $base '.dcostls-incoming-fedcba9876543210fedcba9876543210') -Value 'running'

        $missing = @(& $write -Base $base -StageId $id -Index $index -Hashes $hashes -Manifest 'Mod.psd1')
        Get-Ordinal $missing | Should -Be @('Mod.psd1', 'bin/A.dll', 'en-US/about.txt')
        # No manifest yet (a fresh agent has no importable module), no temp file, no stage of this run.
        Get-Tree $base | Should -Be @('.dcostls-incoming-fedcba9876543210fedcba9876543210', 'Mod.Format.ps1xml')

        $files = @{}
        foreach ($k in $missing) { $files[$k] = Compress-Text $content[$k] }
        @(& $write -Base $base -Files $files -Hashes $hashes -Manifest 'Mod.psd1') | Should -BeNullOrEmpty
        Get-Tree $base | Should -Be @('.dcostls-incoming-fedcba9876543210fedcba9876543210', 'Mod.Format.ps1xml', 'Mod.psd1', 'bin/A.dll', 'en-US/about.txt')
        Get-Content -Raw -LiteralPath (Join-Path $base 'Mod.psd1') | Should -Be $content['Mod.psd1']
    }

    It 'refuses a damaged file sent through the session and leaves the file in place' {
        $base = Join-Path $TestDrive 'session/Mod/1.0'
        $null = New-Item -ItemType Directory -Force -Path (Join-Path $base 'bin')
        Set-Content -NoNewline -LiteralPath (Join-Path $base 'bin/A.dll') -Value 'the build in place'
        $files = @{ 'Mod.Format.ps1xml' = (Compress-Text $content['Mod.Format.ps1xml']); 'bin/A.dll' = (Compress-Text ('another ' + $content['bin/A.dll'])) }
        { & $write -Base $base -Files $files -Hashes $hashes -Manifest 'Mod.psd1' } |
            Should -Throw -ExpectedMessage 'The module file bin/A.dll has SHA-256 * on this agent after the copy, not *: the copy was damaged; nothing was written for it; run again.'
        # Nothing renamed into place, and the temp file of the good one went with the error.
        Get-Tree $base | Should -Be @('bin/A.dll')
        Get-Content -Raw -LiteralPath (Join-Path $base 'bin/A.dll') | Should -Be 'the build in place'
    }

    It 'refuses a file name that leaves the module''s folder' {
        $base = Join-Path $TestDrive 'escape/Mod/1.0'
        $null = New-Item -ItemType Directory -Force -Path $base
        $bad = $hashes.Clone()
        $bad['../../escaped.txt'] = Get-TextHash 'x'
        { & $write -Base $base -Files @{ '../../escaped.txt' = (Compress-Text 'x') } -Hashes $bad -Manifest 'Mod.psd1' } |
            Should -Throw -ExpectedMessage "The module file ../../escaped.txt is not one of the module's files under *"
        Join-Path $base '../../escaped.txt' | Should -Not -Exist
    }
}
