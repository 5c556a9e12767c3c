<#
    The fleet rollout benchmark's body, run in the repository's pwsh by FleetRolloutBenchmark (as root:
    the agents are systemd-nspawn containers). Count agents with a real systemd (NspawnAgents.ps1: a
    Debian root booted by nspawn, sshd on its own 127.0.3.x address, stand-in docker and Mesos agent
    units that record their starts) and the Mesos master stand-in (MesosMaster.py: drain, reactivate,
    agent states). The module is put in each agent's root before it boots, as the Pester rollout tests
    do (the SSH copy of the module is the fleet benchmark's figure).

    For each -MaxUnavailable (default 1 and 3): a rollout with -Restart that changes every agent's
    registry credentials and Docker daemon TLS (a new daemon CA each time), so that every agent is
    drained, gets docker and dcos-mesos-slave restarted through its own systemd, registers again and is
    put back in service; its wall time, and the cost per agent over a bare Invoke-Command -HostName
    { 1 } to the same agents at the same concurrency. Then a rerun that changes nothing. The load
    average is printed with every figure: the agents share this machine's cores.
#>
param(
    [int] $Count = 10,
    # Comma-separated under pwsh -File.
    [string] $MaxUnavailable = '1,3',
    [string] $Work = (Join-Path ([IO.Path]::GetTempPath()) "dcostls-bench-rollout-$PID")
)
$ErrorActionPreference = 'Stop'
[int[]] $MaxUnavailable = ($MaxUnavailable -split ',')
$repo = Resolve-Path (Join-Path $PSScriptRoot '../..')
Import-Module (Join-Path $repo 'DcosTls.psd1')
. (Join-Path $repo 'tests/Pester/SshAgents.ps1')
. (Join-Path $repo 'tests/Pester/NspawnAgents.ps1')
function Get-Load { (Get-Content /proc/loadavg).Split(' ')[0..2] -join ' ' }

$image = Get-NspawnImage
if (-not $image) { throw "The nspawn agents need their base root: $script:NspawnUnavailable" }
$null = New-Item -ItemType Directory -Force -Path $Work
$addresses = 1..$Count | ForEach-Object { "127.0.3.$_" }
$ids = @{}
foreach ($a in $addresses) { $ids[$a] = "bench-S$($a.Split('.')[3])" }
$agents = [System.Collections.Generic.List[object]]::new()
$master = $null
try {
    $masterPeer = Start-TestMesosMaster -Folder $Work -Address $addresses -Id $ids
    $master = $masterPeer.Process
    $portFile = $masterPeer.PortFile
    $masterPort = $masterPeer.Port
    $calls = "$portFile.calls"
    $session = Connect-DcosCluster -Uri "http://127.0.0.1:$masterPort" -Credential ([pscredential]::new('operator', (ConvertTo-SecureString 'operator-pw' -AsPlainText -Force))) -AllowUnencryptedAuthentication -WarningAction SilentlyContinue

    $kit = New-SshAgentKit -Path (Join-Path $Work 'operator')
    $port = Get-SharedFreeTcpPort $addresses
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    foreach ($a in $addresses) {
        $agents.Add((Start-NspawnAgent -Kit $kit -Image $image -Address $a -Port $port -Path (Join-Path $Work $a) -MasterPort $masterPort -ModuleBase $repo -NoWait))
    }
    $null = $agents | Wait-NspawnAgent
    $deadline = [datetime]::UtcNow.AddSeconds(120)
    while (@(Get-Content $calls -ErrorAction Ignore | ConvertFrom-Json | Where-Object call -eq 'REGISTER' | Select-Object -ExpandProperty agent_id -Unique).Count -lt $Count) {
        if ([datetime]::UtcNow -gt $deadline) { throw 'the agents did not register with the master stand-in' }
        Start-Sleep -Milliseconds 200
    }
    $available = [long]((Get-Content /proc/meminfo | Where-Object { $_ -like 'MemAvailable:*' }) -replace '\D', '') / 1MB
    "{0} nspawn agents booted and registered in {1:0.0} s (load {2}; {3:0.0} GB memory available)" -f $Count, $watch.Elapsed.TotalSeconds, (Get-Load), $available

    $ssh = @{ UserName = 'root'; KeyFilePath = $kit.KeyFilePath; Port = $port }
    $sshOption = @{ UserKnownHostsFile = $kit.KnownHosts }
    $rollout = @{ CredentialRegistry = 'registry.bench.internal:5000'; DaemonTls = $true; Session = $session; Restart = $true }
    # Warm: every agent's first remote pwsh (a cold start inside the container) is paid before any timing.
    $null = Invoke-Command -HostName $addresses @ssh -Options $sshOption -ScriptBlock { 1 } -ErrorAction Stop

    '{0,15} {1,10} {2,9} {3,11} {4,10} {5,16}' -f 'MaxUnavailable', 'rollout s', 'bare s', 'per agent s', 'restarted', 'load (1, 5, 15)'
    $last = $null
    foreach ($m in $MaxUnavailable) {
        # Bare: Invoke-Command { 1 } to the agents, $m at a time (its own fan-out, one SSH session each).
        $groups = for ($i = 0; $i -lt $Count; $i += $m) { , @($addresses[$i..([Math]::Min($i + $m, $Count) - 1)]) }
        $bare = Measure-Command { foreach ($g in $groups) { $null = Invoke-Command -HostName $g @ssh -Options $sshOption -ScriptBlock { 1 } -ErrorAction Stop } }
        $issuer = New-TlsCertificateAuthority -CommonName "Bench Daemon CA $m" -KeyAlgorithm ECDSA
        $credential = [pscredential]::new('puller', (ConvertTo-SecureString "bench-secret-$m" -AsPlainText -Force))
        $timed = Measure-Command { $rows = @($addresses | Invoke-DcosAgentProvisioning @ssh -SSHOption $sshOption @rollout -Issuer $issuer -Credential $credential -MaxUnavailable $m) }
        $failed = @($rows | Where-Object { -not $_.Succeeded -or $_.Rollout -ne 'Restarted' })
        if ($failed) { throw "the rollout at -MaxUnavailable $m did not restart every agent: $($failed | ForEach-Object { "$($_.Agent) $($_.Rollout) $($_.Error)" })" }
        $restarted = ($rows | ForEach-Object { @($_.RestartedUnits).Count } | Measure-Object -Sum).Sum
        '{0,15} {1,10:F1} {2,9:F1} {3,11:F2} {4,10} {5,16}' -f $m, $timed.TotalSeconds, $bare.TotalSeconds, (($timed.TotalSeconds - $bare.TotalSeconds) / $Count), "$restarted units", (Get-Load)
        $last = @{ Issuer = $issuer; Credential = $credential; MaxUnavailable = $m }
    }
    $rerun = Measure-Command { $rows = @($addresses | Invoke-DcosAgentProvisioning @ssh -SSHOption $sshOption @rollout @last) }
    if (@($rows | Where-Object { -not $_.Succeeded -or $_.Changed }).Count) { throw 'the rerun changed something or failed' }
    'rerun that changes nothing at -MaxUnavailable {0}: {1:F1} s (load {2})' -f $last.MaxUnavailable, $rerun.TotalSeconds, (Get-Load)
    $drains = @(Get-Content $calls | ConvertFrom-Json | Where-Object call -eq 'DRAIN_AGENT').Count
    "drains seen by the master stand-in: $drains (stand-ins: docker.service and dcos-mesos-slave.service record their starts; systemd, sshd and pwsh are real)"
}
finally {
    if ($agents.Count) { $agents | Stop-NspawnAgent }
    if ($master -and -not $master.HasExited) { $master.Kill(); $null = $master.WaitForExit(5000) }
    if (-not (Select-String -LiteralPath /proc/self/mounts -SimpleMatch $Work -Quiet)) { Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction Ignore }
}
