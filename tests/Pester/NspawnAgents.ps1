<#
    Agents with a real systemd: each one a Debian root booted with systemd-nspawn (systemd as the
    container's PID 1, while this machine's PID 1 is not systemd). Dot-source in BeforeAll, after
    SshAgents.ps1 (it reuses New-SshAgentKit, Get-SharedFreeTcpPort).

    The base root (Debian bookworm minbase with systemd, dbus and openssh-server) is built once per
    machine by tests/nspawn-image.sh and cached by its package list; every agent boots an overlay of
    it (its own upper folder), so three agents cost one base. Each agent shares this machine's network:
    its sshd listens on its own 127.0.0.x address, with key-only root login, a pinned host key and this
    pwsh (the host's dotnet and pwsh folders bind-mounted read-only) as the powershell subsystem.

    Stand-ins inside each agent (said so in the test output; they are not DC/OS):
      - docker.service (Type=notify) runs /usr/local/bin/dockerd-standin, which records its start
        (monotonic time, the SHA-256 of /etc/docker/daemon.json, its command line) in
        /var/lib/standin/docker-starts and then idles. No dockerd runs.
      - dcos-mesos-slave.service (EnvironmentFile=-/var/lib/dcos/mesos-slave-common) runs
        /usr/local/bin/mesos-agent-standin, which records the MESOS_DOCKER_CONFIG it started with in
        /var/lib/standin/mesos-starts and registers with the master stand-in (MesosMaster.py) by
        POST /standin/register, then idles.
    Stop-NspawnAgent kills the nspawn process by its PID (SIGTERM: the container powers off) and
    unmounts the overlay.
#>

function Get-NspawnImage {
    <# .SYNOPSIS The cached base root (built now if missing), or $null with the reason in $script:NspawnUnavailable. #>
    $script:NspawnUnavailable = $null
    if ((& id -u) -ne '0') { $script:NspawnUnavailable = 'needs root'; return $null }
    $script = Join-Path $PSScriptRoot '../nspawn-image.sh'
    $root = & bash $script 2>&1 | Select-Object -Last 1
    if ($LASTEXITCODE -ne 0 -or -not (Test-Path -LiteralPath "$root/usr/lib/systemd/systemd")) {
        $script:NspawnUnavailable = "tests/nspawn-image.sh failed: $root"
        return $null
    }
    [string]$root
}

function Start-NspawnAgent {
    <#
    .SYNOPSIS
        Boots one agent from Image on Address:Port; its overlay and logs live in Path. Returns Address,
        HostName, Port, Pid, Path, Root (the merged root as this machine sees it), Log. With -NoWait it
        returns as soon as nspawn runs (boot several at once, then Wait-NspawnAgent each). ModuleBase,
        when given, is copied into the agent's user module folder before it boots (a host copy into
        its root), so that a test that is not about the module copy does not pay for one over SSH.
    #>
    param(
        [Parameter(Mandatory)] $Kit,
        [Parameter(Mandatory)] [string] $Image,
        [Parameter(Mandatory)] [string] $Address,
        [Parameter(Mandatory)] [int] $Port,
        [Parameter(Mandatory)] [string] $Path,
        [Parameter(Mandatory)] [int] $MasterPort,
        [string] $HostName = ('agent-' + ($Address -replace '[.:]', '-')),
        [string] $ModuleBase,
        [switch] $NoWait
    )
    foreach ($d in 'upper', 'work', 'root') { $null = New-Item -ItemType Directory -Force -Path (Join-Path $Path $d) }
    $merged = Join-Path $Path 'root'
    & mount -t overlay overlay -o "lowerdir=$Image,upperdir=$(Join-Path $Path 'upper'),workdir=$(Join-Path $Path 'work')" $merged
    if ($LASTEXITCODE -ne 0) { throw "could not mount the overlay for $Address" }

    function Set-AgentFile([string] $AgentPath, [string] $Text, [string] $Mode = '0644') {
        $file = Join-Path $merged $AgentPath
        $null = New-Item -ItemType Directory -Force -Path (Split-Path -Parent $file)
        [System.IO.File]::WriteAllText($file, $Text.Replace("`r`n", "`n"))
        & chmod $Mode $file
    }
    Set-AgentFile '/etc/hostname' "$HostName`n"
    if ($ModuleBase) {
        $manifest = Import-PowerShellDataFile -LiteralPath (Join-Path $ModuleBase 'DcosTls.psd1')
        $target = Join-Path $merged "root/.local/share/powershell/Modules/DcosTls/$($manifest.ModuleVersion)"
        $null = New-Item -ItemType Directory -Force -Path $target
        foreach ($item in 'DcosTls.psd1', 'module', 'en-US') {
            $source = Join-Path $ModuleBase $item
            if (Test-Path -LiteralPath $source) { & cp -a $source $target }
        }
    }
    # sshd: this agent's address and port, root by key only, the powershell subsystem.
    $hostKey = Join-Path $Path 'ssh_host_ed25519_key'
    if (-not (Test-Path $hostKey)) { & ssh-keygen -q -t ed25519 -N '' -C "nspawn-$Address" -f $hostKey }
    Set-AgentFile '/etc/ssh/ssh_host_ed25519_key' (Get-Content -Raw $hostKey) '0600'
    Set-AgentFile '/etc/ssh/ssh_host_ed25519_key.pub' (Get-Content -Raw "$hostKey.pub")
    $dotnetRoot = Split-Path -Parent ([System.Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory().TrimEnd('/') | Split-Path -Parent | Split-Path -Parent)
    # The agent's own subsystem wrapper: no ICU inside, so .NET runs invariant.
    Set-AgentFile '/usr/local/bin/pwsh-sshs' (@(
        '#!/bin/sh'
        "export DOTNET_ROOT='$dotnetRoot' DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1"
        "exec '$(Join-Path $PSHOME 'pwsh')' -sshs -NoLogo -NoProfile"
    ) -join "`n") '0755'
    Set-AgentFile '/etc/ssh/sshd_config.d/dcostls.conf' (@(
        "Port $Port", "ListenAddress $Address", 'HostKey /etc/ssh/ssh_host_ed25519_key',
        'PermitRootLogin prohibit-password', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
        'Subsystem powershell /usr/local/bin/pwsh-sshs', ''
    ) -join "`n")
    Set-AgentFile '/root/.ssh/authorized_keys' (Get-Content -Raw "$($Kit.KeyFilePath).pub") '0600'
    & chmod 0700 (Join-Path $merged 'root/.ssh')
    # Only sshd and the stand-ins: nothing else that waits on a network the container does not own.
    foreach ($unit in 'systemd-networkd.service', 'systemd-resolved.service', 'systemd-timesyncd.service', 'apt-daily.timer', 'apt-daily-upgrade.timer', 'e2scrub_all.timer', 'fstrim.timer') {
        $link = Join-Path $merged "etc/systemd/system/$unit"
        if (-not (Test-Path $link)) { $null = New-Item -ItemType SymbolicLink -Path $link -Target /dev/null }
    }

    # The stand-ins.
    Set-AgentFile '/etc/standin.env' "MASTER_PORT=$MasterPort`nAGENT_HOSTNAME=$Address`n"
    Set-AgentFile '/usr/local/bin/dockerd-standin' (@(
        '#!/bin/bash'
        '# Stand-in for dockerd: records its start and the daemon.json it would read, then idles.'
        'mkdir -p /var/lib/standin'
        'sum=$(sha256sum /etc/docker/daemon.json 2>/dev/null | cut -c1-64)'
        'echo "$(cut -d" " -f1 /proc/uptime) ${sum:-none} $*" >> /var/lib/standin/docker-starts'
        'systemd-notify --ready'
        'exec sleep infinity'
    ) -join "`n") '0755'
    Set-AgentFile '/etc/systemd/system/docker.service' (@(
        '[Unit]', 'Description=Docker stand-in (records its starts)', '',
        '[Service]', 'Type=notify', 'NotifyAccess=all', 'ExecStart=/usr/local/bin/dockerd-standin -H fd://', '',
        '[Install]', 'WantedBy=multi-user.target', ''
    ) -join "`n")
    Set-AgentFile '/usr/local/bin/mesos-agent-standin' (@(
        '#!/bin/bash'
        '# Stand-in for the Mesos agent: records the MESOS_DOCKER_CONFIG it started with, registers with the master stand-in, idles.'
        'mkdir -p /var/lib/standin'
        'echo "$(cut -d" " -f1 /proc/uptime) ${MESOS_DOCKER_CONFIG:-none}" >> /var/lib/standin/mesos-starts'
        'body="{\"hostname\":\"$AGENT_HOSTNAME\"}"'
        'if exec 3<>"/dev/tcp/127.0.0.1/$MASTER_PORT"; then'
        '  printf "POST /standin/register HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" "${#body}" "$body" >&3'
        '  cat <&3 >/dev/null; exec 3>&-'
        'fi'
        'exec sleep infinity'
    ) -join "`n") '0755'
    Set-AgentFile '/etc/systemd/system/dcos-mesos-slave.service' (@(
        '[Unit]', 'Description=Mesos agent stand-in (records MESOS_DOCKER_CONFIG, registers with the master stand-in)', '',
        '[Service]', 'EnvironmentFile=/etc/standin.env', 'EnvironmentFile=-/var/lib/dcos/mesos-slave-common',
        'ExecStart=/usr/local/bin/mesos-agent-standin', '',
        '[Install]', 'WantedBy=multi-user.target', ''
    ) -join "`n")
    foreach ($unit in 'docker.service', 'dcos-mesos-slave.service') {
        $link = Join-Path $merged "etc/systemd/system/multi-user.target.wants/$unit"
        if (-not (Test-Path $link)) { $null = New-Item -ItemType SymbolicLink -Path $link -Target "/etc/systemd/system/$unit" }
    }

    $log = Join-Path $Path 'console.log'
    $arguments = @('-D', $merged, '--register=no', '--keep-unit', '-b', '-M', $HostName, '--console=pipe',
        "--bind-ro=$dotnetRoot", "--bind-ro=$PSHOME")
    $start = [System.Diagnostics.ProcessStartInfo]::new('sh')
    foreach ($a in @('-c', 'exec systemd-nspawn "$@" </dev/null >>"$0" 2>&1', $log) + $arguments) { $start.ArgumentList.Add($a) }
    $start.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($start)
    if ($env:DCOSTLS_TEST_PIDS) { Add-Content -LiteralPath $env:DCOSTLS_TEST_PIDS -Value $process.Id }
    $publicKey = (Get-Content -LiteralPath "$hostKey.pub" -Raw).Trim() -split ' '
    Add-Content -LiteralPath $Kit.KnownHosts -Value "[$Address]:$Port $($publicKey[0]) $($publicKey[1])"
    $agent = [pscustomobject]@{ Address = $Address; HostName = $HostName; Port = $Port; Pid = $process.Id; Path = $Path; Root = $merged; Log = $log; Process = $process }
    if ($NoWait) { return $agent }
    Wait-NspawnAgent $agent
}

function Wait-NspawnAgent {
    <# .SYNOPSIS Waits until the agent's sshd accepts connections (60 s), returns the agent; stops it and throws if it does not. #>
    param([Parameter(Mandatory, ValueFromPipeline)] $Agent)
    process {
    $Address = $Agent.Address; $Port = $Agent.Port; $process = $Agent.Process; $log = $Agent.Log
    $agent = $Agent
    $deadline = [datetime]::UtcNow.AddSeconds(60)
    while ($true) {
        $client = [System.Net.Sockets.TcpClient]::new()
        try { $client.Connect($Address, $Port); break } catch { } finally { $client.Dispose() }
        if ($process.HasExited -or [datetime]::UtcNow -gt $deadline) {
            $text = if (Test-Path $log) { Get-Content -Raw $log } else { '' }
            Stop-NspawnAgent $agent
            throw "the nspawn agent $Address did not start sshd: $text"
        }
        Start-Sleep -Milliseconds 100
    }
    $agent
    }
}

function Stop-NspawnAgent {
    <# .SYNOPSIS Powers the agent off (SIGTERM to its nspawn process, SIGKILL after 15 s) and unmounts its overlay. #>
    param([Parameter(Mandatory, ValueFromPipeline)] $Agent)
    process {
        $process = $Agent.Process
        if ($process -and -not $process.HasExited) {
            & /bin/kill -TERM $process.Id
            if (-not $process.WaitForExit(15000)) { $process.Kill($true); $null = $process.WaitForExit(5000) }
        }
        # Unmounted before the test's folder is removed, so that removal never walks the agent's root.
        & umount $Agent.Root 2>$null
        if ($LASTEXITCODE -ne 0) { & umount -l $Agent.Root 2>$null }
    }
}

function Invoke-NspawnAgent {
    <# .SYNOPSIS Runs a shell command inside the agent over its own SSH (the test's key), returns its output lines. #>
    param([Parameter(Mandatory)] $Agent, [Parameter(Mandatory)] $Kit, [Parameter(Mandatory)] [string] $Command)
    & ssh -q -i $Kit.KeyFilePath -o BatchMode=yes -o "UserKnownHostsFile=$($Kit.KnownHosts)" -p $Agent.Port "root@$($Agent.Address)" $Command
}

function Get-UnitStart {
    <# .SYNOPSIS The monotonic start time (µs) of each unit inside the agent, as systemctl show reports it (one SSH call). #>
    param([Parameter(Mandatory)] $Agent, [Parameter(Mandatory)] $Kit, [string[]] $Unit = @('docker', 'dcos-mesos-slave'))
    $lines = @(Invoke-NspawnAgent $Agent $Kit "$(($Unit | ForEach-Object { "systemctl show -p ActiveEnterTimestampMonotonic --value $_" }) -join '; ')")
    $result = [ordered]@{}
    for ($i = 0; $i -lt $Unit.Count; $i++) { $result[$Unit[$i]] = [long]$lines[$i] }
    $result
}

# The Mesos master stand-in the agents register with (MesosMaster.py: agent states, drain,
# reactivate, GET_VERSION, each call logged with its time in "<PortFile>.calls"), on a free port of
# 127.0.0.1 it writes into <Folder>/master.port, with a login token of its own (never a real one).
# Drains complete after -DrainSeconds: the stand-in's drain is a state change, not tasks to kill.
function Start-TestMesosMaster([string] $Folder, [string[]] $Address, [hashtable] $Id, [string] $DrainSeconds = '0.05') {
    $claims = @{ uid = 'operator'; exp = [DateTimeOffset]::UtcNow.AddHours(1).ToUnixTimeSeconds() } | ConvertTo-Json -Compress
    $token = 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.' +
        [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($claims)).TrimEnd('=').Replace('+', '-').Replace('/', '_') +
        '.c3RhbmQtaW4' + [guid]::NewGuid().ToString('N')
    $agentList = Join-Path $Folder 'agents.json'
    ConvertTo-Json -InputObject @($Address | ForEach-Object { @{ id = $Id[$_]; hostname = $_ } }) | Set-Content $agentList
    $portFile = Join-Path $Folder 'master.port'
    $tokenFile = Join-Path $Folder 'master.token'
    Set-Content -LiteralPath $tokenFile -Value $token
    $start = [System.Diagnostics.ProcessStartInfo]::new('python3')
    foreach ($argument in (Join-Path $PSScriptRoot 'MesosMaster.py'), $portFile, $agentList, $tokenFile) { $start.ArgumentList.Add($argument) }
    $start.UseShellExecute = $false
    $start.Environment['MESOS_STANDIN_DRAIN_SECONDS'] = $DrainSeconds
    $process = [System.Diagnostics.Process]::Start($start)
    if ($env:DCOSTLS_TEST_PIDS) { Add-Content -LiteralPath $env:DCOSTLS_TEST_PIDS -Value $process.Id }
    $deadline = [datetime]::UtcNow.AddSeconds(20)
    while (-not (Test-Path $portFile)) { if ([datetime]::UtcNow -gt $deadline -or $process.HasExited) { throw 'the master stand-in did not start' }; Start-Sleep -Milliseconds 100 }
    [pscustomobject]@{ Process = $process; Port = [int](Get-Content $portFile); PortFile = $portFile; Calls = "$portFile.calls" }
}
