<#
    Simulated DC/OS agents reachable over real PowerShell remoting over SSH. Dot-source in BeforeAll.

    One agent is one sshd (Debian openssh-server) on its own loopback address and a free port, run
    inside its own mount and UTS namespaces (unshare -m -u: its own host name) where /etc/docker, /var/lib/dcos, /etc/systemd/system
    (daemon TLS writes a docker.service drop-in there), the OS trust (/etc/ssl, a copy of this machine's,
    and /usr/local/share/ca-certificates) and root's user module folder are bind-mounted from the agent's own folders: each agent has its own root, as a
    real agent has its own disk. Its powershell subsystem is this pwsh (the apphost at $PSHOME/pwsh)
    through a wrapper that gives it the same .NET. Logins are key-only, with a key made for the test;
    host keys are pinned in a known_hosts file of the test's own. Stop-SshAgent ends it by PID.
#>

# The folders each agent gets for itself, as agent path = name of its folder under the agent's root.
$script:SshAgentMounts = [ordered]@{
    '/etc/docker'                            = 'etc/docker'
    '/var/lib/dcos'                          = 'var/lib/dcos'
    '/etc/systemd/system'                    = 'etc/systemd/system'
    '/root/.local/share/powershell/Modules'  = 'root/.local/share/powershell/Modules'
    # The OS trust: a copy of this machine's, so that what one agent trusts no other agent does.
    '/etc/ssl'                               = 'etc/ssl'
    '/usr/local/share/ca-certificates'       = 'usr/local/share/ca-certificates'
    # update-ca-certificates' hooks: none of this machine's (its Java hook runs dpkg on the machine
    # itself), so that an agent's OS trust update stays inside the agent.
    '/etc/ca-certificates/update.d'          = 'etc/ca-certificates/update.d'
}

function New-SshAgentKit {
    <#
    .SYNOPSIS
        The operator side shared by the agents of one test: a login key, a known_hosts file and the
        subsystem wrapper, in Path.
    #>
    param([Parameter(Mandatory)] [string] $Path)
    $null = New-Item -ItemType Directory -Force -Path $Path
    $key = Join-Path $Path 'id_ed25519'
    & ssh-keygen -q -t ed25519 -N '' -C fleet-test -f $key
    if ($LASTEXITCODE -ne 0) { throw 'ssh-keygen could not make the login key' }
    $knownHosts = Join-Path $Path 'known_hosts'
    $null = New-Item -ItemType File -Force -Path $knownHosts
    # sshd runs the subsystem through root's shell with a bare environment: name the .NET pwsh uses.
    $dotnetRoot = Split-Path -Parent ([System.Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory().TrimEnd('/') | Split-Path -Parent | Split-Path -Parent)
    # Every remote session on the agents writes a transcript with invocation headers (pwsh's
    # Transcription policy): a test can read what reached the agents' sessions.
    $transcripts = Join-Path $Path 'transcripts'
    $null = New-Item -ItemType Directory -Force -Path $transcripts
    $settings = Join-Path $Path 'agent-powershell.config.json'
    @{ PowerShellPolicies = @{ Transcription = @{ EnableTranscripting = $true; EnableInvocationHeader = $true; OutputDirectory = $transcripts } } } |
        ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $settings
    $wrapper = Join-Path $Path 'pwsh-sshs'
    Set-Content -LiteralPath $wrapper -Value @(
        '#!/bin/sh'
        "export DOTNET_ROOT='$dotnetRoot'"
        "exec '$(Join-Path $PSHOME 'pwsh')' -SettingsFile '$settings' -sshs -NoLogo -NoProfile"
    )
    & chmod 0755 $wrapper
    [pscustomobject]@{ Path = $Path; KeyFilePath = $key; KnownHosts = $knownHosts; Subsystem = $wrapper; Transcripts = $transcripts }
}

function Get-FreeTcpPort([string] $Address) {
    $listener = [System.Net.Sockets.TcpListener]::new([ipaddress]$Address, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Get-SharedFreeTcpPort([string[]] $Address) {
    # A port free on every address, so that a fleet can be reached with one -Port.
    for ($try = 0; $try -lt 50; $try++) {
        $port = Get-FreeTcpPort $Address[0]
        $free = $true
        foreach ($a in $Address) {
            $listener = [System.Net.Sockets.TcpListener]::new([ipaddress]$a, $port)
            try { $listener.Start() } catch { $free = $false } finally { $listener.Stop() }
        }
        if ($free) { return $port }
    }
    throw "no port is free on all of $($Address -join ', ')"
}

function Start-SshAgent {
    <#
    .SYNOPSIS
        Starts one simulated agent on Address; its own root is Root (created). Returns the agent:
        Address, HostName, Port, Root, Pid, Log.
    #>
    param(
        [Parameter(Mandatory)] $Kit,
        [Parameter(Mandatory)] [string] $Address,
        [Parameter(Mandatory)] [string] $Root,
        # A port of the caller's choice (e.g. one free on every agent's address); a free one otherwise.
        [int] $Port,
        # The agent's own host name, as its processes see it (default: agent-127-0-0-N from the address).
        [string] $HostName = ('agent-' + ($Address -replace '[.:]', '-')),
        # A session configuration (.pssc) the agent's pwsh applies to every remote session: an agent
        # whose commands do not behave as the module's own.
        [string] $ConfigurationFile
    )
    $null = New-Item -ItemType Directory -Force -Path $Root
    $sshdDir = Join-Path $Root '.sshd'
    $null = New-Item -ItemType Directory -Force -Path $sshdDir
    foreach ($folder in $script:SshAgentMounts.Values) { $null = New-Item -ItemType Directory -Force -Path (Join-Path $Root $folder) }
    # The agent starts from this machine's anchors (its links into /usr/share/ca-certificates still
    # resolve), without this machine's private keys.
    $ssl = Join-Path $Root 'etc/ssl'
    if (-not (Get-ChildItem -Force -LiteralPath $ssl)) {
        & cp -a /etc/ssl/. $ssl
        Get-ChildItem -Force -LiteralPath (Join-Path $ssl 'private') -ErrorAction Ignore | Remove-Item -Force -Recurse
    }
    # Mount points must exist on the host; sshd wants its privilege-separation folder.
    foreach ($point in @($script:SshAgentMounts.Keys) + '/run/sshd') { $null = New-Item -ItemType Directory -Force -Path $point }

    $hostKey = Join-Path $sshdDir 'host_ed25519'
    & ssh-keygen -q -t ed25519 -N '' -C "agent-$Address" -f $hostKey
    Copy-Item -LiteralPath "$($Kit.KeyFilePath).pub" -Destination (Join-Path $sshdDir 'authorized_keys')
    $port = if ($Port) { $Port } else { Get-FreeTcpPort $Address }
    $subsystem = $Kit.Subsystem
    if ($ConfigurationFile) {
        $subsystem = Join-Path $sshdDir 'pwsh-sshs'
        Set-Content -LiteralPath $subsystem -Value ((Get-Content -LiteralPath $Kit.Subsystem) -replace ' -sshs ', " -ConfigurationFile '$ConfigurationFile' -sshs ")
        & chmod 0755 $subsystem
    }
    $config = Join-Path $sshdDir 'sshd_config'
    Set-Content -LiteralPath $config -Value @(
        "Port $port"
        "ListenAddress $Address"
        "HostKey $hostKey"
        "PidFile $(Join-Path $sshdDir 'sshd.pid')"
        'PermitRootLogin prohibit-password'
        'PasswordAuthentication no'
        'KbdInteractiveAuthentication no'
        "AuthorizedKeysFile $(Join-Path $sshdDir 'authorized_keys')"
        'UsePAM no'
        'StrictModes no'
        "Subsystem powershell $subsystem"
    )
    $binds = foreach ($point in $script:SshAgentMounts.Keys) {
        "mount --bind '$(Join-Path $Root $script:SshAgentMounts[$point])' '$point'"
    }
    $log = Join-Path $sshdDir 'sshd.log'
    # Away from the test's own output pipes, so that nothing waits on this agent's file handles.
    $script = "exec </dev/null >>'$log' 2>&1; hostname '$HostName' && " + ($binds -join ' && ') + " && exec /usr/sbin/sshd -D -f '$config' -E '$log'"
    $start = [System.Diagnostics.ProcessStartInfo]::new('unshare')
    foreach ($argument in '-m', '-u', '--propagation', 'private', 'sh', '-c', $script) { $start.ArgumentList.Add($argument) }
    $start.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($start)
    # sshd does not keep the run's environment marker: tests/run.ps1 stops it by this PID if the test cannot.
    if ($env:DCOSTLS_TEST_PIDS) { Add-Content -LiteralPath $env:DCOSTLS_TEST_PIDS -Value $process.Id }

    # Pin the agent's host key: the client checks it against this file, never trusting what it is shown.
    $publicKey = (Get-Content -LiteralPath "$hostKey.pub" -Raw).Trim() -split ' '
    Add-Content -LiteralPath $Kit.KnownHosts -Value "[$Address]:$port $($publicKey[0]) $($publicKey[1])"

    $deadline = [datetime]::UtcNow.AddSeconds(20)
    while ($true) {
        $client = [System.Net.Sockets.TcpClient]::new()
        try { $client.Connect($Address, $port); break } catch { } finally { $client.Dispose() }
        if ($process.HasExited -or [datetime]::UtcNow -gt $deadline) {
            $text = if (Test-Path $log) { Get-Content -Raw $log } else { '' }
            throw "sshd for $Address did not start: $text"
        }
        Start-Sleep -Milliseconds 100
    }
    [pscustomobject]@{ Address = $Address; HostName = $HostName; Port = $port; Root = $Root; Pid = $process.Id; Log = $log }
}

function Stop-SshAgent {
    <# .SYNOPSIS Ends an agent's sshd (the unshare process execs it) by its PID. #>
    param([Parameter(Mandatory, ValueFromPipeline)] $Agent)
    process {
        $process = Get-Process -Id $Agent.Pid -ErrorAction Ignore
        if ($process) {
            $process.Kill()
            $null = $process.WaitForExit(10000)
        }
    }
}
