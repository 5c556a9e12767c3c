<#
    The fleet benchmark's body, run in the repository's pwsh by FleetBenchmark: simulated agents (one
    sshd per loopback address, as the Pester fleet tests start them), then for each size and throttle
    limit the wall time of Invoke-DcosAgentProvisioning from agents without DcosTls (trust, registry
    credentials and daemon TLS), of a second run that changes nothing, and of a bare
    Invoke-Command { 1 } to the same agents, with the CPU seconds the fresh run cost on the operator's
    side (this process and its ssh clients) and on the agents' side (the rest of the machine).

    The agents share this machine's cores, so their computing cannot overlap here as it does on a real
    fleet; -OneWayDelayMs puts a distant network in front of every agent (delay-proxy.py as ssh's
    ProxyCommand), giving each agent waiting of a known size, and -SlowAgentDelayMs gives the last agent
    a longer one. Comparing runs with and without the delay shows whether the fan-out's waiting grows
    with the slowest agent or with the sum of the agents. With a delay, the fresh / rerun ratio is the
    module copy's cost at that distance, and the proxies count what crossed the network in each run:
    connections, bytes each way and turns (the exchanges that each cost a round trip).
#>
param(
    # Comma-separated under pwsh -File, e.g. -Size 1,5,10,20.
    [string] $Size = '1,5,10,20',
    [string] $ThrottleLimit = '1,32',
    [int] $OneWayDelayMs = 0,
    [int] $SlowAgentDelayMs = 0,
    [string] $Work = (Join-Path ([IO.Path]::GetTempPath()) "dcostls-bench-fleet-$PID")
)
$ErrorActionPreference = 'Stop'
[int[]] $Size = ($Size -split ',')
[int[]] $ThrottleLimit = ($ThrottleLimit -split ',')
$repo = Resolve-Path (Join-Path $PSScriptRoot '../..')
Import-Module (Join-Path $repo 'DcosTls.psd1')
. (Join-Path $repo 'tests/Pester/SshAgents.ps1')

$count = ($Size | Measure-Object -Maximum).Maximum
$addresses = 1..$count | ForEach-Object { "127.0.1.$_" }
$kit = New-SshAgentKit -Path (Join-Path $Work 'operator')
$port = Get-SharedFreeTcpPort $addresses
$agents = @(foreach ($a in $addresses) { Start-SshAgent -Kit $kit -Address $a -Root (Join-Path $Work "agent-$a") -Port $port })
try {
    $registryCa = New-TlsCertificateAuthority -CommonName 'Bench Registry CA' -KeyAlgorithm ECDSA
    $fleetCa = New-TlsCertificateAuthority -CommonName 'Bench Daemon CA' -KeyAlgorithm ECDSA
    $ssh = @{ UserName = 'root'; KeyFilePath = $kit.KeyFilePath; Port = $port }
    $sshOption = @{ UserKnownHostsFile = $kit.KnownHosts }
    if ($OneWayDelayMs -or $SlowAgentDelayMs) {
        $proxy = Join-Path $PSScriptRoot 'delay-proxy.py'
        $sshOption.ProxyCommand = "python3 $proxy %h %p $OneWayDelayMs"
        "one-way delay to every agent: $OneWayDelayMs ms"
    }
    $plan = @{
        CaCertificate = $registryCa; Registry = 'repo.bench.internal:5000'
        Credential = [pscredential]::new('puller', (ConvertTo-SecureString 'bench-password' -AsPlainText -Force)); CredentialRegistry = 'repo.bench.internal:5000'
        DaemonTls = $true; Issuer = $fleetCa
    }
    # CPU seconds: this process with the children it has reaped (the operator's side, its ssh
    # clients included), and the whole machine (the agents are the rest).
    $tick = [double](& getconf CLK_TCK)
    function Get-OperatorCpu {
        $f = ((Get-Content -Raw /proc/self/stat) -split '\) ', 2)[1] -split ' '
        ([long]$f[11] + [long]$f[12] + [long]$f[13] + [long]$f[14]) / $tick
    }
    function Get-MachineCpu {
        $f = @((Get-Content -TotalCount 1 /proc/stat) -split '\s+' | Select-Object -Skip 1 | ForEach-Object { [long]$_ })
        ($f[0] + $f[1] + $f[2] + $f[5] + $f[6] + $f[7]) / $tick
    }
    function Clear-Agent($agent) {
        foreach ($folder in 'etc/docker', 'var/lib/dcos', 'etc/systemd/system', 'root/.local/share/powershell/Modules') {
            Get-ChildItem -Force (Join-Path $agent.Root $folder) | Remove-Item -Recurse -Force
        }
    }
    # Through the delay proxy: what crossed the network in each run (connections, bytes up and down,
    # turns: the exchanges that each cost a round trip), one file per run, read at the end.
    $stats = Join-Path $Work 'proxy-stats'
    $null = New-Item -ItemType Directory -Force -Path $stats
    $runs = [System.Collections.Generic.List[string]]::new()
    function Use-ProxyStats([string] $name) {
        $env:DELAY_PROXY_STATS = if ($name) { $runs.Add($name); Join-Path $stats $name }
    }
    "{0,6} {1,9} {2,8} {3,8} {4,8} {5,10} {6,10} {7,10}" -f 'agents', 'throttle', 'fresh s', 'rerun s', 'bare s', 'fresh-bare', 'operator', 'agents'
    "{0,6} {1,9} {2,8} {3,8} {4,8} {5,10} {6,10} {7,10}" -f '', '', '', '', 'IC {1}', 'per agent', 'cpu s', 'cpu s'
    $figures = @{}
    $ratios = [System.Collections.Generic.List[string]]::new()
    foreach ($t in $ThrottleLimit) {
        foreach ($n in $Size) {
            $some = $agents[0..($n - 1)]
            if ($SlowAgentDelayMs) {
                # The last agent of each size is the slow one.
                $env:DELAY_PROXY_SLOW = "$($some[-1].Address)=$SlowAgentDelayMs"
                "slow agent: $($some[-1].Address), one-way delay $SlowAgentDelayMs ms"
            }
            $some | ForEach-Object { Clear-Agent $_ }
            $hosts = @($some | ForEach-Object Address)
            if ($hosts.Count -ne $n) { throw "expected $n agents, have $($hosts.Count)" }
            $operatorBefore, $machineBefore = (Get-OperatorCpu), (Get-MachineCpu)
            Use-ProxyStats "fresh-$n-$t"
            $fresh = Measure-Command { $rows = $hosts | Invoke-DcosAgentProvisioning @plan @ssh -SSHOption $sshOption -ThrottleLimit $t }
            $operatorCpu, $machineCpu = ((Get-OperatorCpu) - $operatorBefore), ((Get-MachineCpu) - $machineBefore)
            if (@($rows | Where-Object { -not $_.Succeeded }).Count) { throw "provisioning failed: $($rows | Where-Object { -not $_.Succeeded })" }
            Use-ProxyStats "rerun-$n-$t"
            $rerun = Measure-Command { $rows = $hosts | Invoke-DcosAgentProvisioning @plan @ssh -SSHOption $sshOption -ThrottleLimit $t }
            if (@($rows | Where-Object Changed).Count) { throw 'the rerun changed something' }
            # Invoke-Command -HostName has no -ThrottleLimit: one host at a time for 1, all at once (pwsh's 32) otherwise.
            $groups = if ($t -eq 1) { $hosts | ForEach-Object { , @($_) } } else { , $hosts }
            Use-ProxyStats "bare-$n-$t"
            $bare = Measure-Command { foreach ($g in $groups) { $null = Invoke-Command -HostName $g @ssh -Options $sshOption -ScriptBlock { 1 } -ErrorAction Stop } }
            Use-ProxyStats $null
            $figures["$n/$t"] = $fresh.TotalSeconds
            $ratios.Add(("fresh / rerun at {0} agents, ThrottleLimit {1}: {2:F2}" -f $n, $t, ($fresh.TotalSeconds / $rerun.TotalSeconds)))
            "{0,6} {1,9} {2,8:F1} {3,8:F1} {4,8:F1} {5,10:F2} {6,10:F1} {7,10:F1}" -f $n, $t, $fresh.TotalSeconds, $rerun.TotalSeconds, $bare.TotalSeconds, (($fresh.TotalSeconds - $bare.TotalSeconds) / $n), $operatorCpu, ($machineCpu - $operatorCpu)
        }
    }
    $ratios
    $maxSize = ($Size | Measure-Object -Maximum).Maximum
    $minSize = ($Size | Measure-Object -Minimum).Minimum
    foreach ($t in $ThrottleLimit) {
        if ($figures.ContainsKey("$maxSize/$t") -and $figures.ContainsKey("$minSize/$t")) {
            "ratio fresh $maxSize agents / $minSize agent at ThrottleLimit ${t}: {0:F2}" -f ($figures["$maxSize/$t"] / $figures["$minSize/$t"])
        }
    }
}
finally {
    $agents | Stop-SshAgent
    if ($runs -and $runs.Count -and ($OneWayDelayMs -or $SlowAgentDelayMs)) {
        # The proxies write when their connection ends.
        Start-Sleep -Seconds 2
        "through the delay proxy:"
        '{0,-16} {1,11} {2,12} {3,12} {4,8}  {5}' -f 'run', 'connections', 'bytes up', 'bytes down', 'turns', 'turns per connection'
        foreach ($name in $runs) {
            $file = Join-Path $stats $name
            $lines = @(if (Test-Path -LiteralPath $file) { Get-Content -LiteralPath $file | ForEach-Object { , ($_ -split ' ') } })
            '{0,-16} {1,11} {2,12:N0} {3,12:N0} {4,8}  {5}' -f $name, $lines.Count,
                [long]($lines | ForEach-Object { [long]$_[1] } | Measure-Object -Sum).Sum,
                [long]($lines | ForEach-Object { [long]$_[2] } | Measure-Object -Sum).Sum,
                [long]($lines | ForEach-Object { [long]$_[3] } | Measure-Object -Sum).Sum,
                (($lines | ForEach-Object { "$($_[3]) ($([long]$_[1] / 1KB -as [int]) KB up)" }) -join ', ')
        }
    }
    Remove-Item -Recurse -Force $Work -ErrorAction Ignore
}
