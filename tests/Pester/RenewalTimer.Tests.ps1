<#
    The renewal timer: Install-/Uninstall-DcosTlsRenewalTimer under a staging root, the unit files
    checked by the real systemd-analyze verify (run with --root on the stage, which holds a copy of
    this machine's system units so that timers.target and network-online.target resolve, and the
    ExecStart binary, which verify requires to exist under the root).
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    $script:stageCount = 0

    # A staging agent: pwsh (an executable stand-in file: verify checks only that it is there and
    # executable), the renewal script, node_exporter's folder, and the system units verify needs.
    function New-TimerStage([switch] $NoPwsh, [switch] $NoScript, [switch] $ForVerify) {
        $stage = Join-Path $TestDrive "stage$((++$script:stageCount))"
        $null = New-Item -ItemType Directory -Force -Path (Join-Path $stage 'usr/bin'), (Join-Path $stage 'usr/local/sbin'),
            (Join-Path $stage 'var/lib/prometheus/node-exporter'), (Join-Path $stage 'usr/lib/systemd')
        if (-not $NoPwsh) {
            Set-Content -LiteralPath (Join-Path $stage 'usr/bin/pwsh') -Value '#!/bin/sh'
            & chmod 0755 (Join-Path $stage 'usr/bin/pwsh')
        }
        if (-not $NoScript) { Set-Content -LiteralPath (Join-Path $stage 'usr/local/sbin/renew-certificates.ps1') -Value 'Get-DcosTlsCertificate' }
        if ($ForVerify) { & cp -a /usr/lib/systemd/system (Join-Path $stage 'usr/lib/systemd/') }
        $stage
    }

    # systemd-analyze verify on the staged units: clean means exit 0 and not a word printed (an
    # unknown key is only a warning, exit 0).
    function Test-UnitsVerify([string] $Stage, [string] $Name = 'dcostls-renewal') {
        $out = & systemd-analyze verify "--root=$Stage" "$Name.service" "$Name.timer" 2>&1 | ForEach-Object { "$_" }
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($out -join "`n") }
    }

    $servicePath = 'etc/systemd/system/dcostls-renewal.service'
    $timerPath = 'etc/systemd/system/dcostls-renewal.timer'
}

Describe 'Install-DcosTlsRenewalTimer' -Tag RenewalTimer, Lifecycle {
    It 'writes a service and a timer that systemd-analyze verify accepts, 0644, silently' {
        $stage = New-TimerStage -ForVerify
        $out = Install-DcosTlsRenewalTimer -ScriptPath /usr/local/sbin/renew-certificates.ps1 -Root $stage
        $out | Should -BeNullOrEmpty
        foreach ($file in $servicePath, $timerPath) {
            [Convert]::ToString([int](Get-Item (Join-Path $stage $file)).UnixFileMode, 8) | Should -Be '644'
        }
        $verify = Test-UnitsVerify $stage
        $verify.Output | Should -BeNullOrEmpty
        $verify.ExitCode | Should -Be 0

        $service = Get-Content -Raw (Join-Path $stage $servicePath)
        $service | Should -Match '(?m)^Type=oneshot$'
        $service | Should -Match '(?m)^User=root$'
        $service | Should -Match '(?m)^ExecStart=/usr/bin/pwsh -NoProfile -NonInteractive -File /usr/local/sbin/renew-certificates\.ps1$'
        $service | Should -Match ([regex]::Escape("ExecStopPost=/usr/bin/pwsh -NoProfile -NonInteractive -Command `"Import-Module 'DcosTls'; Export-DcosTlsMetric -TextfileDirectory '/var/lib/prometheus/node-exporter' -Name 'dcostls.prom'`""))
        # /etc must stay writable: certificates, daemon.json and the trust stores are there.
        $service | Should -Match '(?m)^ProtectSystem=true$'
        $service | Should -Not -Match 'ProtectSystem=(full|strict)|ReadOnlyPaths=.*/etc'
        $timer = Get-Content -Raw (Join-Path $stage $timerPath)
        $timer | Should -Match '(?m)^OnCalendar=daily$'
        $timer | Should -Match '(?m)^RandomizedDelaySec=3600$'
        $timer | Should -Match '(?m)^Persistent=true$'
        $timer | Should -Match '(?m)^WantedBy=timers\.target$'
    }

    It 'takes the calendar, delay, user, metrics folder and name as given, and quotes paths for systemd' {
        $stage = New-TimerStage -ForVerify
        $odd = Join-Path $stage 'opt/ops scripts'
        $null = New-Item -ItemType Directory -Force -Path $odd, (Join-Path $stage 'srv/metrics')
        Set-Content -LiteralPath (Join-Path $odd 'renew 100%$x.ps1') -Value 'Get-DcosTlsCertificate'
        $files = Install-DcosTlsRenewalTimer -ScriptPath '/opt/ops scripts/renew 100%$x.ps1' -Root $stage -Name registry-renewal `
            -OnCalendar '*-*-* 03:30:00' -RandomizedDelay (New-TimeSpan -Minutes 20) -User dcostls -TextfileDirectory /srv/metrics -MetricsName renewal.prom -PassThru
        @($files).Count | Should -Be 2
        $files.Role | Should -Be @('SystemdService', 'SystemdTimer')
        $files.Action | Should -Be @('Created', 'Created')
        $files[0].Path | Should -Be (Join-Path $stage 'etc/systemd/system/registry-renewal.service')
        $verify = Test-UnitsVerify $stage registry-renewal
        $verify.Output | Should -BeNullOrEmpty
        $verify.ExitCode | Should -Be 0
        $service = Get-Content -Raw (Join-Path $stage 'etc/systemd/system/registry-renewal.service')
        $service | Should -Match '(?m)^User=dcostls$'
        $service | Should -Match ([regex]::Escape('-File "/opt/ops scripts/renew 100%%$$x.ps1"'))
        $service | Should -Match ([regex]::Escape("-TextfileDirectory '/srv/metrics' -Name 'renewal.prom'"))
        $timer = Get-Content -Raw (Join-Path $stage 'etc/systemd/system/registry-renewal.timer')
        $timer | Should -Match '(?m)^OnCalendar=\*-\*-\* 03:30:00$'
        $timer | Should -Match '(?m)^RandomizedDelaySec=1200$'
        $timer | Should -Match '(?m)^Unit=registry-renewal\.service$'
    }

    It 'changes nothing when run again with the same input' {
        $stage = New-TimerStage
        Install-DcosTlsRenewalTimer /usr/local/sbin/renew-certificates.ps1 -Root $stage
        $before = Get-ChildItem (Join-Path $stage 'etc/systemd/system') | ForEach-Object { "$($_.Name) $($_.LastWriteTimeUtc.Ticks) $((Get-FileHash $_.FullName).Hash)" }
        Start-Sleep -Milliseconds 20
        $again = Install-DcosTlsRenewalTimer /usr/local/sbin/renew-certificates.ps1 -Root $stage -PassThru
        $again.Action | Should -Be @('Unchanged', 'Unchanged')
        Get-ChildItem (Join-Path $stage 'etc/systemd/system') | ForEach-Object { "$($_.Name) $($_.LastWriteTimeUtc.Ticks) $((Get-FileHash $_.FullName).Hash)" } | Should -Be $before
    }

    It 'rewrites only what changed when the input changes' {
        $stage = New-TimerStage
        Install-DcosTlsRenewalTimer /usr/local/sbin/renew-certificates.ps1 -Root $stage
        $changed = Install-DcosTlsRenewalTimer /usr/local/sbin/renew-certificates.ps1 -Root $stage -OnCalendar weekly -PassThru
        $changed.Action | Should -Be @('Unchanged', 'Updated')
        Get-Content -Raw (Join-Path $stage $timerPath) | Should -Match '(?m)^OnCalendar=weekly$'
    }

    It '-WhatIf writes nothing and emits nothing, and leaves no new root behind' {
        $stage = New-TimerStage
        Install-DcosTlsRenewalTimer /usr/local/sbin/renew-certificates.ps1 -Root $stage -PassThru -WhatIf | Should -BeNullOrEmpty
        Test-Path (Join-Path $stage 'etc') | Should -BeFalse
        $fresh = Join-Path $TestDrive 'never-made'
        $null = New-Item -ItemType Directory -Force -Path (Join-Path $fresh 'usr/bin'), (Join-Path $fresh 'usr/local/sbin'), (Join-Path $fresh 'var/lib/prometheus/node-exporter')
        Copy-Item (Join-Path $stage 'usr/bin/pwsh') (Join-Path $fresh 'usr/bin/pwsh')
        Copy-Item (Join-Path $stage 'usr/local/sbin/renew-certificates.ps1') (Join-Path $fresh 'usr/local/sbin/')
        Install-DcosTlsRenewalTimer /usr/local/sbin/renew-certificates.ps1 -Root $fresh -WhatIf
        Test-Path (Join-Path $fresh 'etc') | Should -BeFalse
    }

    It 'takes the script path from the pipeline' {
        $stage = New-TimerStage
        $files = '/usr/local/sbin/renew-certificates.ps1' | Install-DcosTlsRenewalTimer -Root $stage -PassThru
        @($files).Count | Should -Be 2
        [pscustomobject]@{ ScriptPath = '/usr/local/sbin/renew-certificates.ps1'; Root = $stage; OnCalendar = 'weekly' } | Install-DcosTlsRenewalTimer
        Get-Content -Raw (Join-Path $stage $timerPath) | Should -Match '(?m)^OnCalendar=weekly$'
    }

    It 'refuses to replace a unit file by that name that it did not write' {
        $stage = New-TimerStage
        $null = New-Item -ItemType Directory -Force (Join-Path $stage 'etc/systemd/system')
        Set-Content -LiteralPath (Join-Path $stage $timerPath) -Value "[Timer]`nOnCalendar=hourly"
        $hash = (Get-FileHash (Join-Path $stage $timerPath)).Hash
        { Install-DcosTlsRenewalTimer /usr/local/sbin/renew-certificates.ps1 -Root $stage -ErrorAction Stop } |
            Should -Throw -ErrorId 'RenewalTimerUnitNotOurs,DcosTls.Cmdlets.InstallDcosTlsRenewalTimerCommand'
        (Get-FileHash (Join-Path $stage $timerPath)).Hash | Should -Be $hash
        Test-Path (Join-Path $stage $servicePath) | Should -BeFalse
    }

    It 'refuses <Case> with <Id>, writing nothing' -ForEach @(
        @{ Case = 'a script that is not there'; Id = 'RenewalScriptNotFound'; Stage = @{ NoScript = $true }; Given = @{} }
        @{ Case = 'a script that is not .ps1'; Id = 'InvalidRenewalScript'; Stage = @{}; Given = @{ ScriptPath = '/usr/local/sbin/renew.sh' } }
        @{ Case = 'a relative script path under a staging root'; Id = 'AgentPathNotAbsolute'; Stage = @{}; Given = @{ ScriptPath = 'renew-certificates.ps1' } }
        @{ Case = 'a script path that leaves the root'; Id = 'PathOutsideRoot'; Stage = @{}; Given = @{ ScriptPath = '/../../../../renew.ps1' } }
        @{ Case = 'no pwsh on the agent'; Id = 'PwshNotFound'; Stage = @{ NoPwsh = $true }; Given = @{} }
        @{ Case = 'a -PwshPath that is not there'; Id = 'PwshNotFound'; Stage = @{}; Given = @{ PwshPath = '/opt/pwsh/pwsh' } }
        @{ Case = 'a unit name with a slash'; Id = 'InvalidTimerName'; Stage = @{}; Given = @{ Name = 'a/b' } }
        @{ Case = 'a unit name with its suffix'; Id = 'InvalidTimerName'; Stage = @{}; Given = @{ Name = 'x@.service' } }
        @{ Case = 'a calendar on two lines'; Id = 'InvalidOnCalendar'; Stage = @{}; Given = @{ OnCalendar = "daily`nExecStart=/bin/sh" } }
        @{ Case = 'a negative delay'; Id = 'InvalidRandomizedDelay'; Stage = @{}; Given = @{ RandomizedDelay = [timespan]::FromMinutes(-1) } }
        @{ Case = 'a user name systemd refuses'; Id = 'InvalidServiceUser'; Stage = @{}; Given = @{ User = 'root;x' } }
        @{ Case = 'a metrics folder that is not there'; Id = 'TextfileDirectoryNotFound'; Stage = @{}; Given = @{ TextfileDirectory = '/srv/none' } }
        @{ Case = 'a metrics name that is not .prom'; Id = 'InvalidMetricsFileName'; Stage = @{}; Given = @{ MetricsName = 'x.txt' } }
        @{ Case = '-Enable with a staging root'; Id = 'TimerSystemctlNeedsAgentRoot'; Stage = @{}; Given = @{ Enable = $true } }
    ) {
        $stage = New-TimerStage @Stage
        $arguments = @{ ScriptPath = '/usr/local/sbin/renew-certificates.ps1'; Root = $stage }
        foreach ($key in @($Given.Keys)) { $arguments[$key] = $Given[$key] }
        $out = $null
        $failure = $null
        try { $out = Install-DcosTlsRenewalTimer @arguments -PassThru } catch { $failure = $_ }
        $out | Should -BeNullOrEmpty
        $failure.FullyQualifiedErrorId | Should -Be "$Id,DcosTls.Cmdlets.InstallDcosTlsRenewalTimerCommand"
        "$failure" | Should -Not -BeNullOrEmpty
        Test-Path (Join-Path $stage 'etc') | Should -BeFalse
    }
}

Describe 'Uninstall-DcosTlsRenewalTimer' -Tag RenewalTimer, Lifecycle {
    It 'removes the two files the install wrote, and is a no-op the second time' {
        $stage = New-TimerStage
        Install-DcosTlsRenewalTimer /usr/local/sbin/renew-certificates.ps1 -Root $stage
        Set-Content -LiteralPath (Join-Path $stage 'etc/systemd/system/other.service') -Value "[Service]`nExecStart=/bin/true"
        Uninstall-DcosTlsRenewalTimer -Root $stage -WhatIf | Should -BeNullOrEmpty
        Test-Path (Join-Path $stage $timerPath) | Should -BeTrue
        $removed = Uninstall-DcosTlsRenewalTimer -Root $stage -PassThru
        $removed.Role | Should -Be @('SystemdTimer', 'SystemdService')
        $removed.Action | Should -Be @('Removed', 'Removed')
        Test-Path (Join-Path $stage $timerPath), (Join-Path $stage $servicePath) | Should -Be @($false, $false)
        Test-Path (Join-Path $stage 'etc/systemd/system/other.service') | Should -BeTrue
        (Uninstall-DcosTlsRenewalTimer -Root $stage -PassThru).Action | Should -Be @('Unchanged', 'Unchanged')
        Uninstall-DcosTlsRenewalTimer -Root $stage | Should -BeNullOrEmpty
    }

    It 'refuses a unit file by that name that it did not write, and removes nothing' {
        $stage = New-TimerStage
        Install-DcosTlsRenewalTimer /usr/local/sbin/renew-certificates.ps1 -Root $stage -Name mine
        Set-Content -LiteralPath (Join-Path $stage 'etc/systemd/system/mine.service') -Value "[Service]`nExecStart=/bin/true"
        { Uninstall-DcosTlsRenewalTimer mine -Root $stage -ErrorAction Stop } |
            Should -Throw -ErrorId 'RenewalTimerUnitNotOurs,DcosTls.Cmdlets.UninstallDcosTlsRenewalTimerCommand'
        Test-Path (Join-Path $stage 'etc/systemd/system/mine.timer') | Should -BeTrue
        Test-Path (Join-Path $stage 'etc/systemd/system/mine.service') | Should -BeTrue
    }

    It 'refuses -Disable with a staging root' {
        $stage = New-TimerStage
        { Uninstall-DcosTlsRenewalTimer -Root $stage -Disable -ErrorAction Stop } |
            Should -Throw -ErrorId 'TimerSystemctlNeedsAgentRoot,DcosTls.Cmdlets.UninstallDcosTlsRenewalTimerCommand'
    }
}
