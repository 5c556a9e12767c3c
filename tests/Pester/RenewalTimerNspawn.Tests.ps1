<#
    The renewal timer on an agent with a real systemd (a Debian root booted with systemd-nspawn, see
    NspawnAgents.ps1): Install-DcosTlsRenewalTimer writes the units into the agent's root, the
    agent's systemd enables the timer and starts the service once: the renewal script ran, the metrics file was written by
    Export-DcosTlsMetric after it, and the timer is listed by systemctl list-timers. The agent's pwsh
    is this machine's (bind-mounted read-only) behind a small /usr/local/bin/pwsh wrapper.
    -Enable and -Disable are run by the agent's own pwsh with the module the agent holds: the timer
    enabled and active, then stopped, disabled, its files gone and systemd no longer knowing it.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    . (Join-Path $PSScriptRoot 'SshAgents.ps1')
    . (Join-Path $PSScriptRoot 'NspawnAgents.ps1')
    $image = Get-NspawnImage
    if (-not $image) { throw "The nspawn agent needs its base root: $script:NspawnUnavailable" }
    $kit = New-SshAgentKit -Path (Join-Path $TestDrive 'operator')
    $address = '127.0.0.71'
    $port = Get-SharedFreeTcpPort $address
    # No Mesos master here: the agent's Mesos stand-in finds nothing on this port and idles.
    $noMaster = Get-FreeTcpPort 127.0.0.1
    $nspawnDir = Join-Path ([System.IO.Path]::GetTempPath()) "dcostls-nspawn-$([guid]::NewGuid().ToString('N'))"
    $moduleBase = Split-Path -Parent (Join-Path $PSScriptRoot '../../DcosTls.psd1' -Resolve)
    $agent = Start-NspawnAgent -Kit $kit -Image $image -Address $address -Port $port -Path (Join-Path $nspawnDir $address) -MasterPort $noMaster -ModuleBase $moduleBase

    # What the agent image would hold: pwsh, the renewal script and node_exporter's folder.
    $dotnetRoot = Split-Path -Parent ([System.Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory().TrimEnd('/') | Split-Path -Parent | Split-Path -Parent)
    function Set-AgentFile([string] $AgentPath, [string] $Text, [string] $Mode = '0644') {
        $file = Join-Path $agent.Root $AgentPath
        $null = New-Item -ItemType Directory -Force -Path (Split-Path -Parent $file)
        [System.IO.File]::WriteAllText($file, $Text)
        & chmod $Mode $file
    }
    Set-AgentFile '/usr/local/bin/pwsh' "#!/bin/sh`nexport DOTNET_ROOT='$dotnetRoot' DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1`nexec '$(Join-Path $PSHOME 'pwsh')' `"`$@`"`n" '0755'
    Set-AgentFile '/usr/local/sbin/renew-certificates.ps1' "Set-Content -LiteralPath /var/lib/renewal-ran -Value ([DateTime]::UtcNow.ToString('o'))`n"
    $null = New-Item -ItemType Directory -Force -Path (Join-Path $agent.Root 'var/lib/prometheus/node-exporter')
}

AfterAll {
    if ($agent) { $agent | Stop-NspawnAgent }
    if ($nspawnDir -and -not (Select-String -LiteralPath /proc/self/mounts -SimpleMatch $nspawnDir -Quiet)) { Remove-Item -LiteralPath $nspawnDir -Recurse -Force -ErrorAction Ignore }
}

Describe 'The renewal timer on a systemd agent' -Tag RenewalTimer, Heavy, Nspawn {
    It 'runs the script and then the metrics export when started, and is listed as a timer once enabled' {
        # Written from here into the agent's root (a staging root as this machine sees it); one SSH
        # call then does what -Enable does on the agent itself, and starts the service once.
        $files = Install-DcosTlsRenewalTimer /usr/local/sbin/renew-certificates.ps1 -Root $agent.Root -PassThru
        $files.Action | Should -Be @('Created', 'Created')
        Get-Content -Raw (Join-Path $agent.Root 'etc/systemd/system/dcostls-renewal.service') | Should -Match '(?m)^ExecStart=/usr/local/bin/pwsh -NoProfile -NonInteractive -File /usr/local/sbin/renew-certificates\.ps1$'

        $run = @(Invoke-NspawnAgent $agent $kit (@(
            'systemctl daemon-reload && systemctl enable --now dcostls-renewal.timer'
            'systemctl start dcostls-renewal.service; echo "rc=$?"'
            'systemctl show -p Result dcostls-renewal.service'
            'systemctl is-enabled dcostls-renewal.timer'
            'systemctl list-timers --all --no-pager dcostls-renewal.timer'
            'journalctl -u dcostls-renewal.service --no-pager -o cat | tail -n 30'
        ) -join '; ') 2>&1 | ForEach-Object { "$_" })
        $text = $run -join "`n"
        $run | Should -Contain 'rc=0' -Because $text
        $run | Should -Contain 'Result=success' -Because $text
        $run | Should -Contain 'enabled' -Because $text
        $text | Should -Match 'dcostls-renewal\.timer\s+dcostls-renewal\.service'
        Test-Path (Join-Path $agent.Root 'var/lib/renewal-ran') | Should -BeTrue -Because $text
        $prom = Join-Path $agent.Root 'var/lib/prometheus/node-exporter/dcostls.prom'
        Test-Path $prom | Should -BeTrue -Because $text
        Get-Content -Raw $prom | Should -Match '(?m)^dcostls_inventory_success 1$'
        # The export ran after the script (ExecStopPost).
        (Get-Item $prom).LastWriteTimeUtc | Should -BeGreaterThan (Get-Item (Join-Path $agent.Root 'var/lib/renewal-ran')).LastWriteTimeUtc
    }

    It 'is enabled and started by -Enable on the agent itself, and stopped, disabled and gone after Uninstall -Disable' {
        # The agent's own pwsh (one process over SSH) with the module the agent holds: -Root is the
        # agent's /, so -Enable and -Disable run the agent's systemctl.
        $script = @(
            '$ErrorActionPreference = ''Stop'''
            'Import-Module DcosTls'
            'Install-DcosTlsRenewalTimer /usr/local/sbin/renew-certificates.ps1 -Name dcostls-enabled -Enable'
            '''enabled='' + (systemctl is-enabled dcostls-enabled.timer)'
            '''active='' + (systemctl is-active dcostls-enabled.timer)'
            '''wants='' + (Test-Path /etc/systemd/system/timers.target.wants/dcostls-enabled.timer)'
            'Uninstall-DcosTlsRenewalTimer dcostls-enabled -Disable'
            '''active-after='' + (systemctl is-active dcostls-enabled.timer)'
            '''wants-after='' + (Test-Path /etc/systemd/system/timers.target.wants/dcostls-enabled.timer)'
            '''files-after='' + (Test-Path /etc/systemd/system/dcostls-enabled.timer) + '','' + (Test-Path /etc/systemd/system/dcostls-enabled.service)'
            '''known-after='' + ((systemctl list-unit-files --no-legend dcostls-enabled.timer) -join '' '')'
        ) -join "`n"
        $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($script))
        $run = @(Invoke-NspawnAgent $agent $kit "/usr/local/bin/pwsh -NoProfile -NonInteractive -EncodedCommand $encoded" 2>&1 | ForEach-Object { "$_" })
        $text = $run -join "`n"
        $run | Should -Contain 'enabled=enabled' -Because $text
        $run | Should -Contain 'active=active' -Because $text
        $run | Should -Contain 'wants=True' -Because $text
        $run | Should -Contain 'active-after=inactive' -Because $text
        $run | Should -Contain 'wants-after=False' -Because $text
        $run | Should -Contain 'files-after=False,False' -Because $text
        $run | Should -Contain 'known-after=' -Because "systemd forgets the units after the daemon-reload: $text"
    }
}
