<#
    A rollout that takes effect, on agents with a real systemd: three Debian roots booted with
    systemd-nspawn (see NspawnAgents.ps1), each with sshd on its own address and stand-in docker and
    Mesos agent units that record every start. Invoke-DcosAgentProvisioning -Restart changes registry
    credentials and Docker daemon TLS, restarts exactly the units whose configuration changed through the
    agents' own systemd, drains the agents through the master stand-in before a docker restart, and
    stops at the first agent whose docker does not come back.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    . (Join-Path $PSScriptRoot 'SshAgents.ps1')
    . (Join-Path $PSScriptRoot 'NspawnAgents.ps1')
    . (Join-Path $PSScriptRoot 'Pwsh.ps1')
    $started = [System.Collections.Generic.List[int]]::new()
    $agents = [System.Collections.Generic.List[object]]::new()

    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $image = Get-NspawnImage
    if (-not $image) { throw "The nspawn agents need their base root: $script:NspawnUnavailable" }
    $imageSeconds = $watch.Elapsed.TotalSeconds

    $addresses = 61..63 | ForEach-Object { "127.0.0.$_" }
    $ids = @{}
    foreach ($a in $addresses) { $ids[$a] = "rollout-S$($a.Split('.')[3])" }
    $masterPeer = Start-TestMesosMaster -Folder $TestDrive -Address $addresses -Id $ids
    $master = $masterPeer.Process
    $started.Add($master.Id)
    $portFile = $masterPeer.PortFile
    $masterPort = $masterPeer.Port
    $calls = "$portFile.calls"
    $session = Connect-DcosCluster -Uri "http://127.0.0.1:$masterPort" -Credential ([pscredential]::new('operator', (ConvertTo-SecureString 'operator-pw' -AsPlainText -Force))) -AllowUnencryptedAuthentication -WarningAction SilentlyContinue

    $kit = New-SshAgentKit -Path (Join-Path $TestDrive 'operator')
    $port = Get-SharedFreeTcpPort $addresses
    $watch.Restart()
    # Outside TestDrive: Pester walks TestDrive after every block, and the agents' roots are whole systems.
    $nspawnDir = Join-Path ([System.IO.Path]::GetTempPath()) "dcostls-nspawn-$([guid]::NewGuid().ToString('N'))"
    # Booted all at once, with this module already in place (a host copy into each root: the SSH copy
    # of the module is the Fleet tests' concern, not this file's).
    $moduleBase = Split-Path -Parent (Join-Path $PSScriptRoot '../../DcosTls.psd1' -Resolve)
    foreach ($a in $addresses) {
        $agents.Add((Start-NspawnAgent -Kit $kit -Image $image -Address $a -Port $port -Path (Join-Path $nspawnDir $a) -MasterPort $masterPort -ModuleBase $moduleBase -NoWait))
    }
    $null = $agents | Wait-NspawnAgent
    $agent = @{}
    foreach ($x in $agents) { $agent[$x.Address] = $x }
    # Booted: every agent's Mesos agent stand-in has registered.
    $deadline = [datetime]::UtcNow.AddSeconds(30)
    while (@(Get-Content $calls -ErrorAction Ignore | ConvertFrom-Json | Where-Object call -eq 'REGISTER' | Select-Object -ExpandProperty agent_id -Unique).Count -lt 3) {
        if ([datetime]::UtcNow -gt $deadline) { throw 'the agents did not register with the master stand-in' }
        Start-Sleep -Milliseconds 100
    }
    $bootSeconds = $watch.Elapsed.TotalSeconds
    Write-Host ("nspawn agents: base root {0:0.0} s, 3 agents booted and registered in {1:0.0} s (stand-ins: docker.service, dcos-mesos-slave.service)" -f $imageSeconds, $bootSeconds)

    # A real registry behind TLS from its own CA, on this machine's loopback (the agents share its
    # network): the rollout's check runs Test-DockerRegistryTrust against it on each agent.
    $registryCa = New-TlsCertificateAuthority -CommonName 'Rollout Registry CA' -KeyAlgorithm ECDSA
    $registryDir = Join-Path $TestDrive 'registry'
    $null = New-Item -ItemType Directory -Path $registryDir
    New-DcosCertificate -Issuer $registryCa -CommonName 127.0.0.1 -IPAddress 127.0.0.1 -KeyAlgorithm ECDSA | Export-DcosCertificate -Path (Join-Path $registryDir 'server.crt')
    $registry = "127.0.0.1:$(Get-FreeTcpPort 127.0.0.1)"
    Set-Content (Join-Path $registryDir 'config.yml') -Value @"
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $(Join-Path $registryDir 'storage')
http:
  addr: $registry
  secret: rollout-test-not-secret
  tls:
    certificate: $(Join-Path $registryDir 'server.crt')
    key: $(Join-Path $registryDir 'server.key')
"@
    function Start-Registry {
        $process = Start-Process docker-registry -ArgumentList 'serve', (Join-Path $registryDir 'config.yml') -PassThru `
            -RedirectStandardOutput (Join-Path $registryDir 'out.log') -RedirectStandardError (Join-Path $registryDir 'err.log')
        $started.Add($process.Id)
        $deadline = [datetime]::UtcNow.AddSeconds(20)
        while ($true) {
            $client = [System.Net.Sockets.TcpClient]::new()
            try { $client.Connect('127.0.0.1', [int]$registry.Split(':')[1]); break } catch { } finally { $client.Dispose() }
            if ($process.HasExited -or [datetime]::UtcNow -gt $deadline) { throw "docker-registry did not listen on $registry" }
            Start-Sleep -Milliseconds 100
        }
        $process
    }
    $registryProcess = Start-Registry

    $daemonCa = New-TlsCertificateAuthority -CommonName 'Rollout Daemon CA' -KeyAlgorithm ECDSA
    $ssh = @{ UserName = 'root'; KeyFilePath = $kit.KeyFilePath; SSHOption = @{ UserKnownHostsFile = $kit.KnownHosts }; Port = $port }
    function New-Puller([string] $Secret) { [pscredential]::new('puller', (ConvertTo-SecureString $Secret -AsPlainText -Force)) }
    $rollout = @{ CredentialRegistry = 'registry.rollout.internal:5000'; DaemonTls = $true; Issuer = $daemonCa; Session = $session; Restart = $true }

    # Who was drained when: DRAIN_AGENT puts an agent out, REACTIVATE_AGENT back; the most at once since Since.
    function Get-MostDrained([double] $Since = 0) {
        $out = @{}; $most = 0
        foreach ($c in Get-Content $calls | ConvertFrom-Json | Sort-Object time) {
            if ($c.call -eq 'DRAIN_AGENT') { $out[$c.agent_id] = $true }
            elseif ($c.call -eq 'REACTIVATE_AGENT') { $out.Remove($c.agent_id) }
            else { continue }
            if ($c.time -ge $Since) { $most = [Math]::Max($most, $out.Count) }
        }
        $most
    }
    function Get-Calls([double] $Since, [string] $Call) { @(Get-Content $calls | ConvertFrom-Json | Where-Object { $_.time -ge $Since -and $_.call -eq $Call }) }
    function Get-Now { [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() / 1000.0 }
    function Get-Starts { $s = @{}; foreach ($a in $addresses) { $s[$a] = Get-UnitStart $agent[$a] $kit }; $s }
}

AfterAll {
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    if ($agents) { $agents | Stop-NspawnAgent }
    # Removed only when no agent root is mounted there any more.
    if ($nspawnDir -and -not (Select-String -LiteralPath /proc/self/mounts -SimpleMatch $nspawnDir -Quiet)) { Remove-Item -LiteralPath $nspawnDir -Recurse -Force -ErrorAction Ignore }
    Write-Host ("nspawn agents stopped in {0:0.0} s" -f $watch.Elapsed.TotalSeconds)
    foreach ($id in $started) { Stop-Process -Id $id -Force -ErrorAction Ignore }
}

Describe 'A rollout with -Restart on systemd agents' -Tag Fleet, Heavy, Nspawn {
    It 'restarts docker and the Mesos agent where credentials and daemon TLS changed, never more than -MaxUnavailable drained at once' {
        $before = Get-Starts
        $since = Get-Now
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $rows = @($addresses | Invoke-DcosAgentProvisioning @ssh @rollout -Credential (New-Puller 'first-secret') -MaxUnavailable 2)
        Write-Host ("rollout of 3 agents (credentials, daemon TLS, restarts) at -MaxUnavailable 2: {0:0.0} s" -f $watch.Elapsed.TotalSeconds)
        $rows | Should -HaveCount 3
        foreach ($row in $rows) {
            $row.Succeeded | Should -BeTrue -Because "$row"
            $row.Rollout | Should -Be 'Restarted'
            @($row.RestartedUnits) | Should -Be @('docker', 'dcos-mesos-slave')
            $row.OutOfService | Should -BeFalse
        }
        $after = Get-Starts
        foreach ($a in $addresses) {
            $after[$a].docker | Should -BeGreaterThan $before[$a].docker
            $after[$a].'dcos-mesos-slave' | Should -BeGreaterThan $before[$a].'dcos-mesos-slave'
            # The Mesos agent started with the credentials file named; docker with the new daemon.json.
            (Invoke-NspawnAgent $agent[$a] $kit 'tail -n 1 /var/lib/standin/mesos-starts') | Should -Match 'file:///var/lib/dcos/docker_credentials$'
            (Invoke-NspawnAgent $agent[$a] $kit 'tail -n 1 /var/lib/standin/docker-starts') | Should -Not -Match ' none '
            (Invoke-NspawnAgent $agent[$a] $kit 'cat /etc/systemd/system/docker.service.d/*.conf') -join "`n" | Should -Match 'ExecStart=/usr/local/bin/dockerd-standin'
        }
        (Get-Calls $since 'DRAIN_AGENT').Count | Should -Be 3
        (Get-Calls $since 'REACTIVATE_AGENT').Count | Should -Be 3
        Get-MostDrained $since | Should -BeLessOrEqual 2
        # Each agent registered again after its Mesos agent restart, and is back in service.
        foreach ($a in $addresses) { @(Get-Calls $since 'REGISTER' | Where-Object agent_id -eq $ids[$a]).Count | Should -BeGreaterOrEqual 1 }
        (Get-DcosAgent -Session $session | Where-Object { -not $_.Active }) | Should -BeNullOrEmpty
    }

    It 'restarts only the Mesos agent of the one agent whose credentials differ, without a drain; the others keep their units' {
        # Agent 62's credentials file is rewritten by hand: only it changes on the rerun.
        Invoke-NspawnAgent $agent['127.0.0.62'] $kit 'echo "{}" > /var/lib/dcos/docker_credentials'
        $before = Get-Starts
        $since = Get-Now
        # No drain is involved: all three at once.
        $rows = @($addresses | Invoke-DcosAgentProvisioning @ssh @rollout -Credential (New-Puller 'first-secret') -MaxUnavailable 3)
        ($rows | ForEach-Object Rollout) | Should -Be @('NothingToRestart', 'Restarted', 'NothingToRestart')
        @($rows[1].RestartedUnits) | Should -Be @('dcos-mesos-slave')
        $after = Get-Starts
        foreach ($a in '127.0.0.61', '127.0.0.63') {
            $after[$a].docker | Should -Be $before[$a].docker
            $after[$a].'dcos-mesos-slave' | Should -Be $before[$a].'dcos-mesos-slave'
        }
        $after['127.0.0.62'].docker | Should -Be $before['127.0.0.62'].docker
        $after['127.0.0.62'].'dcos-mesos-slave' | Should -BeGreaterThan $before['127.0.0.62'].'dcos-mesos-slave'
        (Get-Calls $since 'DRAIN_AGENT') | Should -BeNullOrEmpty -Because 'a Mesos agent restart keeps its tasks'
    }

    It 'shows under -WhatIf which units would restart on each agent and changes nothing' {
        $before = Get-Starts
        $since = Get-Now
        # What-if lines go to the host: a transcript of this session shows them as a user sees them.
        $transcript = Join-Path $TestDrive 'whatif.txt'
        $ca2 = New-TlsCertificateAuthority -CommonName 'Rollout Daemon CA 2' -KeyAlgorithm ECDSA
        $asked = $rollout.Clone(); $asked.Issuer = $ca2
        $null = Start-Transcript -LiteralPath $transcript
        try { $rows = @($addresses | Invoke-DcosAgentProvisioning @ssh @asked -Credential (New-Puller 'second-secret') -WhatIf) }
        finally { $null = Stop-Transcript }
        $output = Get-Content -LiteralPath $transcript
        $rows | Should -HaveCount 0
        foreach ($a in $addresses) {
            @($output -match "^What if: $([regex]::Escape($a)): Restart docker, dcos-mesos-slave \(systemctl daemon-reload first; drain").Count | Should -Be 1 -Because ($output -join "`n")
        }
        (Get-Starts | ConvertTo-Json -Depth 3) | Should -Be ($before | ConvertTo-Json -Depth 3)
        (Get-Calls $since 'DRAIN_AGENT') | Should -BeNullOrEmpty
    }

    It 'stops at the agent whose docker does not come back: it stays drained with the reason, the rest are not attempted; a rerun after the fix finishes' {
        # A drop-in that breaks docker's ExecStart on the second agent, read at the rollout's daemon-reload.
        Invoke-NspawnAgent $agent['127.0.0.62'] $kit 'printf "[Service]\nExecStart=\nExecStart=/bin/false\n" > /etc/systemd/system/docker.service.d/zz-broken.conf'
        $before = Get-Starts
        $since = Get-Now
        $rows = @($addresses | Invoke-DcosAgentProvisioning @ssh @rollout -Credential (New-Puller 'second-secret') -DaemonPort 2377 -WarningVariable warnings -WarningAction SilentlyContinue)
        ($rows | ForEach-Object Rollout) | Should -Be @('Restarted', 'Failed', 'NotAttempted')
        $failed = $rows[1]
        $failed.FailedStage | Should -Be 'Restart'
        $failed.Error | Should -Match 'systemctl restart docker.service failed'
        $failed.OutOfService | Should -BeTrue
        $failed.Recovery | Should -Match 'REACTIVATE_AGENT'
        $failed.Recovery | Should -Match ([regex]::Escape($ids['127.0.0.62']))
        @($warnings -match '127\.0\.0\.62 is out of service').Count | Should -Be 1
        $rows[2].Error | Should -Match 'stopped at 127\.0\.0\.62'
        (Get-Starts)['127.0.0.63'].docker | Should -Be $before['127.0.0.63'].docker
        $drained = Get-DcosAgent -Session $session | Where-Object AgentId -eq $ids['127.0.0.62']
        $drained.Active | Should -BeFalse
        Get-MostDrained $since | Should -BeLessOrEqual 1

        Invoke-NspawnAgent $agent['127.0.0.62'] $kit 'rm /etc/systemd/system/docker.service.d/zz-broken.conf'
        $before = Get-Starts
        $rerun = Get-Now
        $rows = @($addresses | Invoke-DcosAgentProvisioning @ssh @rollout -Credential (New-Puller 'second-secret') -DaemonPort 2377)
        ($rows | ForEach-Object Rollout) | Should -Be @('NothingToRestart', 'Restarted', 'Restarted')
        @($rows[1].RestartedUnits) | Should -Be @('docker', 'dcos-mesos-slave')
        $after = Get-Starts
        $after['127.0.0.61'].docker | Should -Be $before['127.0.0.61'].docker
        foreach ($a in '127.0.0.62', '127.0.0.63') { $after[$a].docker | Should -BeGreaterThan $before[$a].docker }
        # The drained agent was not drained again, only reactivated.
        @(Get-Calls $rerun 'DRAIN_AGENT' | ForEach-Object agent_id) | Should -Be @($ids['127.0.0.63'])
        Get-MostDrained $since | Should -BeLessOrEqual 1
        (Get-DcosAgent -Session $session | Where-Object { -not $_.Active }) | Should -BeNullOrEmpty
    }

    It 'a drain that never completes fails at -DrainTimeout: the agent stays drained with its way back, the rest are not attempted' {
        # The master never finishes draining agent 61: a task that does not end.
        Set-Content -LiteralPath "$portFile.nodrain" -Value $ids['127.0.0.61']
        $rows = @($addresses | Invoke-DcosAgentProvisioning @ssh @rollout -Credential (New-Puller 'third-secret') -DaemonPort 2378 -DrainTimeout 1 -WarningAction SilentlyContinue)
        ($rows | ForEach-Object Rollout) | Should -Be @('Failed', 'NotAttempted', 'NotAttempted')
        $rows[0].FailedStage | Should -Be 'Drain'
        $rows[0].Error | Should -Match 'did not reach DRAINED within 1 s \(-DrainTimeout\)'
        $rows[0].OutOfService | Should -BeTrue
        $rows[0].Recovery | Should -Match "dcos node reactivate $($ids['127.0.0.61'])"

        # Nothing else was touched: only agent 61 is out of service.
        @(Get-DcosAgent -Session $session | Where-Object { -not $_.Active } | ForEach-Object AgentId) | Should -Be @($ids['127.0.0.61'])
    }

    It 'a drain the master refuses fails that agent before any restart: it stays in service with the reason, the rest are not attempted; the agent the drain timeout left out is finished' {
        # The drain of agent 61 may complete now (the rerun continues it); the master refuses to drain 62.
        Remove-Item -LiteralPath "$portFile.nodrain"
        Set-Content -LiteralPath "$portFile.refuse" -Value $ids['127.0.0.62']
        $before = Get-Starts
        $since = Get-Now
        try { $rows = @($addresses | Invoke-DcosAgentProvisioning @ssh @rollout -Credential (New-Puller 'third-secret') -DaemonPort 2378 -DrainTimeout 5 -WarningAction SilentlyContinue) }
        finally { Remove-Item -LiteralPath "$portFile.refuse" }
        ($rows | ForEach-Object Rollout) | Should -Be @('Restarted', 'Failed', 'NotAttempted')
        # Agent 61 was still draining from the timed-out run: it is restarted and reactivated, not drained again.
        @($rows[0].RestartedUnits) | Should -Be @('docker', 'dcos-mesos-slave')
        $rows[1].FailedStage | Should -Be 'Drain'
        $rows[1].Error | Should -Match '\(403\)'
        $rows[1].OutOfService | Should -BeFalse
        @($rows[1].RestartedUnits) | Should -BeNullOrEmpty
        $rows[1].Recovery | Should -Match 'run the same command again: it restarts docker, dcos-mesos-slave on 127\.0\.0\.62'
        $rows[2].Error | Should -Match 'stopped at 127\.0\.0\.62'

        @(Get-Calls $since 'DRAIN_AGENT') | Should -BeNullOrEmpty
        @(Get-Calls $since 'DRAIN_REFUSED' | ForEach-Object agent_id) | Should -Be @($ids['127.0.0.62'])
        $after = Get-Starts
        $after['127.0.0.61'].docker | Should -BeGreaterThan $before['127.0.0.61'].docker
        foreach ($a in '127.0.0.62', '127.0.0.63') {
            $after[$a].docker | Should -Be $before[$a].docker
            $after[$a].'dcos-mesos-slave' | Should -Be $before[$a].'dcos-mesos-slave'
        }
        # The master's own view: every agent in service, none draining.
        (Get-DcosAgent -Session $session | Where-Object { -not $_.Active }) | Should -BeNullOrEmpty
    }

    It 'an agent that never registers again fails at -DrainTimeout after its restarts: it stays drained with the reason, the rest are not attempted; a rerun finishes' {
        # Agent 62 restarts its units, but the master never hears from its Mesos agent again.
        Set-Content -LiteralPath "$portFile.noregister" -Value '127.0.0.62'
        $before = Get-Starts
        $since = Get-Now
        try { $rows = @($addresses | Invoke-DcosAgentProvisioning @ssh @rollout -Credential (New-Puller 'third-secret') -DaemonPort 2378 -DrainTimeout 3 -WarningVariable warnings -WarningAction SilentlyContinue) }
        finally { Remove-Item -LiteralPath "$portFile.noregister" }
        ($rows | ForEach-Object Rollout) | Should -Be @('NothingToRestart', 'Failed', 'NotAttempted')
        $failed = $rows[1]
        # Nothing changes on 62 any more: the units the refused drain left pending are what restarts.
        $failed.FailedStage | Should -Be 'Register'
        $failed.Error | Should -Match "agent $([regex]::Escape($ids['127.0.0.62'])) did not register with the master again within 3 s"
        $failed.OutOfService | Should -BeTrue
        @($failed.RestartedUnits) | Should -Be @('docker', 'dcos-mesos-slave')
        $failed.Recovery | Should -Match ([regex]::Escape("dcos node reactivate $($ids['127.0.0.62'])"))
        @($warnings -match '127\.0\.0\.62 is out of service').Count | Should -Be 1
        @(Get-Calls $since 'REGISTER_IGNORED' | ForEach-Object agent_id | Sort-Object -Unique) | Should -Be @($ids['127.0.0.62'])
        $after = Get-Starts
        $after['127.0.0.62'].'dcos-mesos-slave' | Should -BeGreaterThan $before['127.0.0.62'].'dcos-mesos-slave'
        $after['127.0.0.63'].docker | Should -Be $before['127.0.0.63'].docker
        @(Get-DcosAgent -Session $session | Where-Object { -not $_.Active } | ForEach-Object AgentId) | Should -Be @($ids['127.0.0.62'])

        $rerun = Get-Now
        $rows = @($addresses | Invoke-DcosAgentProvisioning @ssh @rollout -Credential (New-Puller 'third-secret') -DaemonPort 2378 -DrainTimeout 30)
        ($rows | ForEach-Object Rollout) | Should -Be @('NothingToRestart', 'Restarted', 'Restarted')
        @(Get-Calls $rerun 'DRAIN_AGENT' | ForEach-Object agent_id) | Should -Be @($ids['127.0.0.63']) -Because 'the agent left drained is not drained again'
        Get-MostDrained $since | Should -BeLessOrEqual 1
        (Get-DcosAgent -Session $session | Where-Object { -not $_.Active }) | Should -BeNullOrEmpty
    }

    It 'checks each restarted agent''s registry trust with Test-DockerRegistryTrust before it goes back: a registry it cannot verify fails the agent at Check' {
        $trust = @{ CaCertificate = $registryCa; Registry = $registry }
        # The registry is down: the agent's trust files are written, but its check cannot verify the registry.
        Stop-Process -Id $registryProcess.Id -Force
        $null = $registryProcess.WaitForExit(10000)
        $since = Get-Now
        $rows = @($addresses | Invoke-DcosAgentProvisioning @ssh @rollout @trust -Credential (New-Puller 'fourth-secret') -DaemonPort 2378 -WarningAction SilentlyContinue)
        ($rows | ForEach-Object Rollout) | Should -Be @('Failed', 'NotAttempted', 'NotAttempted')
        $rows[0].FailedStage | Should -Be 'Check'
        $rows[0].Error | Should -Match "Test-DockerRegistryTrust: $([regex]::Escape($registry)) is not trusted through the Docker store"
        @($rows[0].RestartedUnits) | Should -Be @('dcos-mesos-slave')
        $rows[0].OutOfService | Should -BeFalse -Because 'a Mesos agent restart alone is not drained'
        (Get-Calls $since 'DRAIN_AGENT') | Should -BeNullOrEmpty

        $script:registryProcess = Start-Registry
        $rows = @($addresses | Invoke-DcosAgentProvisioning @ssh @rollout @trust -Credential (New-Puller 'fourth-secret') -DaemonPort 2378 -MaxUnavailable 3)
        ($rows | ForEach-Object Rollout) | Should -Be @('Restarted', 'Restarted', 'Restarted')
        foreach ($row in $rows) {
            @($row.RestartedUnits) | Should -Be @('dcos-mesos-slave')
            @($row.Checks) | Should -Be @('dcos-mesos-slave active', 'credentials file /var/lib/dcos/docker_credentials readable', 'Test-DockerDaemonTls', "Test-DockerRegistryTrust $registry (Docker, Mesos)")
        }
        (Get-DcosAgent -Session $session | Where-Object { -not $_.Active }) | Should -BeNullOrEmpty
    }

    It 'an SSH session that drops during a docker restart fails that agent: it stays drained with the way back, the rest are not attempted' {
        # Docker's restart on agent 62 takes 7 s (a slow ExecStartPre); while it runs, the rollout's
        # session to that agent ends (its pwsh subsystem is killed inside the agent).
        Invoke-NspawnAgent $agent['127.0.0.62'] $kit 'printf "[Service]\nExecStartPre=/bin/sleep 7\n" > /etc/systemd/system/docker.service.d/zz-slow.conf'
        $caFile = Join-Path $TestDrive 'drop-ca.crt'
        $daemonCa | Export-DcosCertificate -Path $caFile
        $out = Join-Path $TestDrive 'drop-rows.json'
        # The rollout runs in a pwsh of its own: a transport that fails must not take this test run with it.
        $script = Join-Path $TestDrive 'drop.ps1'
        Set-Content -LiteralPath $script -Value @'
param($Manifest, $MasterUri, $CaFile, $Out, $Port, $Key, $Known)
Import-Module $Manifest
$session = Connect-DcosCluster -Uri $MasterUri -Credential ([pscredential]::new('operator', (ConvertTo-SecureString 'operator-pw' -AsPlainText -Force))) -AllowUnencryptedAuthentication -WarningAction SilentlyContinue
$issuer = Import-DcosCertificate -Path $CaFile -KeyPath ([IO.Path]::ChangeExtension($CaFile, '.key'))
$puller = [pscredential]::new('puller', (ConvertTo-SecureString 'fourth-secret' -AsPlainText -Force))
$rows = @('127.0.0.61', '127.0.0.62', '127.0.0.63' | Invoke-DcosAgentProvisioning -UserName root -KeyFilePath $Key -SSHOption @{ UserKnownHostsFile = $Known } -Port $Port `
    -Credential $puller -CredentialRegistry registry.rollout.internal:5000 -DaemonTls -Issuer $issuer -DaemonPort 2379 -Session $session -Restart -WarningAction SilentlyContinue)
ConvertTo-Json -Depth 3 -InputObject @($rows | ForEach-Object { [pscustomobject]@{ Agent = $_.Agent; Rollout = $_.Rollout; FailedStage = $_.FailedStage; Error = $_.Error; OutOfService = $_.OutOfService; Recovery = $_.Recovery; RestartedUnits = @($_.RestartedUnits) } }) | Set-Content -LiteralPath $Out
'@
        $a62 = $agent['127.0.0.62']
        $killer = Start-ThreadJob -ArgumentList $kit.KeyFilePath, $kit.KnownHosts, $a62.Port, $a62.Address -ScriptBlock {
            param($key, $known, $port, $address)
            # Inside the agent: once docker's slow start runs, kill the rollout's pwsh subsystem there
            # (the bracket keeps this shell's own command line from matching).
            $find = 'for d in /proc/[0-9]*; do c=$(tr "\0" " " 2>/dev/null <$d/cmdline); case "$c" in "/bin/sleep 7 ") s=1;; *[p]wsh" -sshs"*) p="$p ${d#/proc/}";; esac; done; if [ -n "$s" ] && [ -n "$p" ]; then kill -9 $p; echo "killed$p"; fi'
            $deadline = [datetime]::UtcNow.AddSeconds(180)
            while ([datetime]::UtcNow -lt $deadline) {
                $killed = & ssh -q -i $key -o BatchMode=yes -o "UserKnownHostsFile=$known" -p $port "root@$address" $find
                if ($killed) { return "$killed" }
                Start-Sleep -Milliseconds 200
            }
        }
        $since = Get-Now
        $exe = [Environment]::ProcessPath
        $start = [System.Diagnostics.ProcessStartInfo]::new($exe)
        if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        foreach ($argument in '-NoProfile', '-NonInteractive', '-File', $script, (Join-Path $PSScriptRoot '../../DcosTls.psd1'), "http://127.0.0.1:$masterPort", $caFile, $out, $port, $kit.KeyFilePath, $kit.KnownHosts) { $start.ArgumentList.Add([string]$argument) }
        $start.UseShellExecute = $false
        $child = [System.Diagnostics.Process]::Start($start)
        $started.Add($child.Id)
        try {
            $ended = $child.WaitForExit(240000)
            if (-not $ended) { $child.Kill($true) }
            $ended | Should -BeTrue -Because 'the rollout ends when a session drops; it does not hang'
            $killed = $killer | Wait-Job -Timeout 30 | Receive-Job
        }
        finally {
            $killer | Remove-Job -Force
            Invoke-NspawnAgent $agent['127.0.0.62'] $kit 'rm -f /etc/systemd/system/docker.service.d/zz-slow.conf'
        }
        "$killed" | Should -Match '^killed \d+' -Because 'the rollout''s session to agent 62 was cut during the docker restart'
        $child.ExitCode | Should -Be 0
        $rows = @(Get-Content -Raw -LiteralPath $out | ConvertFrom-Json)
        ($rows | ForEach-Object Rollout) | Should -Be @('Restarted', 'Failed', 'NotAttempted')
        $rows[1].FailedStage | Should -Be 'Restart'
        $rows[1].Error | Should -Not -BeNullOrEmpty
        $rows[1].OutOfService | Should -BeTrue
        $rows[1].Recovery | Should -Match 'REACTIVATE_AGENT'
        $rows[1].Recovery | Should -Match 'run the same command again: it restarts docker'
        $rows[2].Error | Should -Match 'stopped at 127\.0\.0\.62'
        # The master: agent 62 drained, the others in service.
        @(Get-DcosAgent -Session $session | Where-Object { -not $_.Active } | ForEach-Object AgentId) | Should -Be @($ids['127.0.0.62'])
        @(Get-Calls $since 'DRAIN_AGENT' | ForEach-Object agent_id) | Should -Be @($ids['127.0.0.61'], $ids['127.0.0.62'])
    }

    It 'Ctrl+C while an agent is drained: the stopped run names that agent as out of service with the way back and the agents it did not start; a rerun finishes it' {
        # The master never finishes draining agent 63: the rollout waits there when Ctrl+C comes.
        Set-Content -LiteralPath "$portFile.nodrain" -Value $ids['127.0.0.63']
        $caFile = Join-Path $TestDrive 'stop-ca.crt'
        $daemonCa | Export-DcosCertificate -Path $caFile
        $script = Join-Path $TestDrive 'stop.ps1'
        Set-Content -LiteralPath $script -Value @'
param($Manifest, $MasterUri, $CaFile, $Port, $Key, $Known)
Import-Module $Manifest
$session = Connect-DcosCluster -Uri $MasterUri -Credential ([pscredential]::new('operator', (ConvertTo-SecureString 'operator-pw' -AsPlainText -Force))) -AllowUnencryptedAuthentication -WarningAction SilentlyContinue
$issuer = Import-DcosCertificate -Path $CaFile -KeyPath ([IO.Path]::ChangeExtension($CaFile, '.key'))
$puller = [pscredential]::new('puller', (ConvertTo-SecureString 'fourth-secret' -AsPlainText -Force))
'127.0.0.63', '127.0.0.61', '127.0.0.62' | Invoke-DcosAgentProvisioning -UserName root -KeyFilePath $Key -SSHOption @{ UserKnownHostsFile = $Known } -Port $Port `
    -Credential $puller -CredentialRegistry registry.rollout.internal:5000 -DaemonTls -Issuer $issuer -DaemonPort 2381 -Session $session -Restart -Verbose
'rollout returned'
'@
        $since = Get-Now
        $exe = [Environment]::ProcessPath
        # Through env --default-signal: a test run started in the background (a shell's &) ignores SIGINT,
        # and an ignored signal stays ignored in every process it starts; the child must hear Ctrl+C.
        $start = [System.Diagnostics.ProcessStartInfo]::new('env')
        foreach ($argument in '--default-signal=INT', $exe) { $start.ArgumentList.Add($argument) }
        if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        foreach ($argument in '-NoProfile', '-File', $script, (Join-Path $PSScriptRoot '../../DcosTls.psd1'), "http://127.0.0.1:$masterPort", $caFile, $port, $kit.KeyFilePath, $kit.KnownHosts) { $start.ArgumentList.Add([string]$argument) }
        $start.UseShellExecute = $false
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $child = [System.Diagnostics.Process]::Start($start)
        $started.Add($child.Id)
        $stdout = $child.StandardOutput.ReadToEndAsync()
        $stderr = $child.StandardError.ReadToEndAsync()
        try {
            $deadline = [datetime]::UtcNow.AddSeconds(120)
            while (-not @(Get-Calls $since 'DRAIN_AGENT' | Where-Object agent_id -eq $ids['127.0.0.63']).Count -and -not $child.HasExited -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
            $child.HasExited | Should -BeFalse -Because 'the rollout waits for the drain of agent 63'
            Start-Sleep -Milliseconds 500
            $interrupted = Get-Now
            & kill -INT $child.Id
            $ended = $child.WaitForExit(60000)
            if (-not $ended) { $child.Kill($true); $null = $child.WaitForExit(10000) }
            $ended | Should -BeTrue -Because "Ctrl+C ends the rollout (what it printed: $($stdout.Result) $($stderr.Result); the master's calls since: $((Get-Calls $interrupted 'DRAIN_AGENT').Count) drains)"
        }
        finally { Remove-Item -LiteralPath "$portFile.nodrain" -ErrorAction Ignore }
        $output = ($stdout.Result + "`n" + $stderr.Result) -split "`n"
        $output | Should -Not -Contain 'rollout returned'
        $out = @($output -match '127\.0\.0\.63 is out of service')
        $out.Count | Should -Be 1 -Because ($output -join "`n")
        $out[0] | Should -Match 'left out of service \(drained\) when the rollout was stopped'
        $out[0] | Should -Match ([regex]::Escape("dcos node reactivate $($ids['127.0.0.63'])"))
        $out[0] | Should -Match 'Run the same command again'
        @($output -match 'Not attempted \(the rollout was stopped first\): 127\.0\.0\.61, 127\.0\.0\.62').Count | Should -Be 1 -Because ($output -join "`n")
        @(Get-DcosAgent -Session $session | Where-Object { -not $_.Active } | ForEach-Object AgentId) | Should -Contain $ids['127.0.0.63']

        # The rerun the row names: agent 63 is restarted and put back without a second drain.
        $rerun = Get-Now
        $rows = @('127.0.0.63' | Invoke-DcosAgentProvisioning @ssh @rollout -Credential (New-Puller 'fourth-secret') -DaemonPort 2381)
        $rows[0].Rollout | Should -Be 'Restarted' -Because "$($rows[0])"
        @($rows[0].RestartedUnits) | Should -Contain 'docker'
        (Get-Calls $rerun 'DRAIN_AGENT') | Should -BeNullOrEmpty
        (Get-DcosAgent -Session $session | Where-Object AgentId -eq $ids['127.0.0.63']).Active | Should -BeTrue
    }

    It 'restarts dcos-mesos-slave-public on a public agent whose credentials changed, and names it under -WhatIf and in the row' {
        # Agent 63 becomes a public agent: its Mesos agent unit is dcos-mesos-slave-public (the same stand-in).
        $a63 = $agent['127.0.0.63']
        Invoke-NspawnAgent $a63 $kit 'systemctl stop dcos-mesos-slave && cd /etc/systemd/system && mv dcos-mesos-slave.service dcos-mesos-slave-public.service && rm multi-user.target.wants/dcos-mesos-slave.service && ln -s /etc/systemd/system/dcos-mesos-slave-public.service multi-user.target.wants/ && systemctl daemon-reload && systemctl start dcos-mesos-slave-public'
        try {
            # Credentials alone: only the Mesos agent unit's configuration changes (no drain).
            $public = @{ CredentialRegistry = 'registry.rollout.internal:5000'; Credential = (New-Puller 'public-secret'); Session = $session; Restart = $true }
            $transcript = Join-Path $TestDrive 'public-whatif.txt'
            $null = Start-Transcript -LiteralPath $transcript
            try { $asked = @('127.0.0.63' | Invoke-DcosAgentProvisioning @ssh @public -WhatIf) }
            finally { $null = Stop-Transcript }
            $output = Get-Content -LiteralPath $transcript
            $asked | Should -HaveCount 0
            @($output -match '^What if: 127\.0\.0\.63: Restart dcos-mesos-slave-public \(systemctl daemon-reload first; no drain\)').Count | Should -Be 1 -Because ($output -join "`n")

            $before = Get-UnitStart $a63 $kit -Unit 'docker', 'dcos-mesos-slave-public'
            $since = Get-Now
            $row = '127.0.0.63' | Invoke-DcosAgentProvisioning @ssh @public
            $row.Succeeded | Should -BeTrue -Because "$row"
            $row.Rollout | Should -Be 'Restarted'
            @($row.RestartedUnits) | Should -Be @('dcos-mesos-slave-public')
            @($row.Checks) | Should -Contain 'dcos-mesos-slave-public active'
            $after = Get-UnitStart $a63 $kit -Unit 'docker', 'dcos-mesos-slave-public'
            $after.'dcos-mesos-slave-public' | Should -BeGreaterThan $before.'dcos-mesos-slave-public'
            $after.docker | Should -Be $before.docker
            (Invoke-NspawnAgent $a63 $kit 'systemctl show -p LoadState --value dcos-mesos-slave.service') | Should -Be 'not-found' -Because 'the agent has the public unit only'
            (Invoke-NspawnAgent $a63 $kit 'tail -n 1 /var/lib/standin/mesos-starts') | Should -Match 'file:///var/lib/dcos/docker_credentials$'
            @(Get-Calls $since 'REGISTER' | Where-Object agent_id -eq $ids['127.0.0.63']).Count | Should -BeGreaterOrEqual 1
            (Get-Calls $since 'DRAIN_AGENT') | Should -BeNullOrEmpty
        }
        finally {
            Invoke-NspawnAgent $a63 $kit 'systemctl stop dcos-mesos-slave-public; cd /etc/systemd/system && mv dcos-mesos-slave-public.service dcos-mesos-slave.service && rm -f multi-user.target.wants/dcos-mesos-slave-public.service && ln -sf /etc/systemd/system/dcos-mesos-slave.service multi-user.target.wants/ && systemctl daemon-reload && systemctl start dcos-mesos-slave'
        }
    }

    It 'on a cluster without the drain API refuses a rollout that restarts docker before any agent is reached (FleetDrainUnsupported); -NoDrain restarts docker without a drain and warns' {
        # The master stand-in is now an older one (Mesos 1.8, DC/OS 1.13): no DRAIN_AGENT.
        Set-Content -LiteralPath "$portFile.nodrainapi" -Value 'old master'
        try {
            $a61 = $agent['127.0.0.61']
            $daemonJson = Invoke-NspawnAgent $a61 $kit 'sha256sum /etc/docker/daemon.json 2>/dev/null || echo none'
            $before = Get-UnitStart $a61 $kit
            $since = Get-Now
            { '127.0.0.61' | Invoke-DcosAgentProvisioning @ssh @rollout -Credential (New-Puller 'fourth-secret') -DaemonPort 2380 -ErrorAction Stop } |
                Should -Throw -ErrorId 'FleetDrainUnsupported,DcosTls.Cmdlets.InvokeDcosAgentProvisioningCommand' -ExpectedMessage '*Mesos 1.8.1*-NoDrain*'
            (Invoke-NspawnAgent $a61 $kit 'sha256sum /etc/docker/daemon.json 2>/dev/null || echo none') | Should -Be $daemonJson -Because 'no agent is reached before the refusal'
            (Get-Calls $since 'DRAIN_UNKNOWN') | Should -BeNullOrEmpty

            $rows = @('127.0.0.61' | Invoke-DcosAgentProvisioning @ssh @rollout -Credential (New-Puller 'fourth-secret') -DaemonPort 2380 -NoDrain -WarningVariable warnings -WarningAction SilentlyContinue)
            $rows[0].Succeeded | Should -BeTrue -Because "$($rows[0])"
            $rows[0].Rollout | Should -Be 'Restarted'
            @($rows[0].RestartedUnits) | Should -Contain 'docker'
            $rows[0].OutOfService | Should -BeFalse
            @($warnings -match '^127\.0\.0\.61: docker was restarted without a drain \(-NoDrain\)').Count | Should -Be 1 -Because ($warnings -join "`n")
            (Get-UnitStart $a61 $kit).docker | Should -BeGreaterThan $before.docker
            (Get-Calls $since 'DRAIN_AGENT') | Should -BeNullOrEmpty
            (Get-Calls $since 'DRAIN_UNKNOWN') | Should -BeNullOrEmpty
            (Get-DcosAgent -Session $session | Where-Object AgentId -eq $ids['127.0.0.61']).Active | Should -BeTrue
        }
        finally { Remove-Item -LiteralPath "$portFile.nodrainapi" -ErrorAction Ignore }
    }
}
