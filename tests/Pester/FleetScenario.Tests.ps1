<#
    Ten simulated agents provisioned from the cluster's agent list, as an operator does it: Get-DcosAgent
    from a master stand-in | Invoke-DcosAgentProvisioning with registry trust, registry credentials and
    Docker daemon mutual TLS (keys made on each agent, signed on this machine by a local CA). No agent has
    DcosTls before the first run; one agent is down during it; real clients then use what each agent got.
    Then daemon TLS again from the cluster CA (a real cfssl behind the master stand-in), with an eleventh
    agent whose key request names another agent.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    . (Join-Path $PSScriptRoot 'SshAgents.ps1')
    . (Join-Path $PSScriptRoot 'SecretSearch.ps1')

    # Runs a native tool with no inherited trust settings: only the trust on its command line counts.
    function Invoke-Untrusted([string] $Tool, [string[]] $Arguments) {
        $saved = @{}
        foreach ($name in 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'CURL_CA_BUNDLE') {
            $saved[$name] = [Environment]::GetEnvironmentVariable($name)
            [Environment]::SetEnvironmentVariable($name, $null)
        }
        try {
            $output = & $Tool @Arguments 2>&1 | Out-String
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output }
        }
        finally { foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) } }
    }
    function Wait-Port([string] $Address, [int] $Port, $Process, [string] $What) {
        $deadline = [datetime]::UtcNow.AddSeconds(20)
        while ($true) {
            $client = [System.Net.Sockets.TcpClient]::new()
            try { $client.Connect($Address, $Port); return } catch { } finally { $client.Dispose() }
            if ($Process.HasExited -or [datetime]::UtcNow -gt $deadline) { throw "$What did not listen on ${Address}:$Port" }
            Start-Sleep -Milliseconds 100
        }
    }
    # Start-Process joins its arguments into one string; these keep each argument whole.
    function Start-Native([string] $File, [string[]] $Arguments) {
        $start = [System.Diagnostics.ProcessStartInfo]::new($File)
        foreach ($argument in $Arguments) { $start.ArgumentList.Add($argument) }
        $start.UseShellExecute = $false
        $process = [System.Diagnostics.Process]::Start($start)
        $started.Add($process.Id)
        $process
    }
    $started = [System.Collections.Generic.List[int]]::new()

    $kit = New-SshAgentKit -Path (Join-Path $TestDrive 'operator')
    $addresses = 21..30 | ForEach-Object { "127.0.0.$_" }
    # The eleventh agent, started last, asks for another agent's certificate.
    $impostor = '127.0.0.31'
    $port = Get-SharedFreeTcpPort (@($addresses) + $impostor)
    $roots = @{}
    foreach ($a in $addresses) { $roots[$a] = Join-Path $TestDrive "agent-$a" }
    # The last agent is down for the first run; it is started before the second.
    $agents = [System.Collections.Generic.List[object]]::new()
    foreach ($a in $addresses[0..8]) { $agents.Add((Start-SshAgent -Kit $kit -Address $a -Root $roots[$a] -Port $port)) }
    $down = $addresses[9]
    $ssh = @{ UserName = 'root'; KeyFilePath = $kit.KeyFilePath; SSHOption = @{ UserKnownHostsFile = $kit.KnownHosts }; Port = $port }

    # The master: Admin Router's login and /mesos/slaves listing the ten agents by address.
    $token = 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.' +
        [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes((@{ uid = 'operator'; exp = [DateTimeOffset]::UtcNow.AddHours(1).ToUnixTimeSeconds() } | ConvertTo-Json -Compress))).TrimEnd('=').Replace('+', '-').Replace('/', '_') +
        '.c2lnbmF0dXJlLW9mLXRoZS1mbGVldC1zdGFuZC1pbi0' + [guid]::NewGuid().ToString('N')
    $agentList = Join-Path $TestDrive 'agents.json'
    ConvertTo-Json -InputObject @($addresses | ForEach-Object { @{ id = "fleet-S$($_.Split('.')[3])"; hostname = $_ } }) | Set-Content $agentList
    $portFile = Join-Path $TestDrive 'master.port'
    $tokenFile = Join-Path $TestDrive 'master.token'
    Set-Content -LiteralPath $tokenFile -Value $token

    # The cluster CA: a real cfssl serve with a server profile, reached through the master's /ca/api/v2.
    . (Join-Path $PSScriptRoot 'ClusterCaPeer.ps1')
    $clusterCaPeer = Start-TestClusterCa -Folder (Join-Path $TestDrive 'cfssl') -CommonName 'Fleet Cluster CA'
    $cfssl = $clusterCaPeer.Process
    $started.Add($cfssl.Id)
    $cfsslPort = $clusterCaPeer.Port
    $cfsslDir = $clusterCaPeer.Folder
    $clusterCaKeyLine = ($clusterCaPeer.KeyPem -split "`n" | Where-Object { $_ -and $_ -notmatch '^-----' } | Select-Object -First 1)
    $master = Start-Native python3 @((Join-Path $PSScriptRoot 'MesosMaster.py'), $portFile, $agentList, $tokenFile, "http://127.0.0.1:$cfsslPort")
    $deadline = [datetime]::UtcNow.AddSeconds(20)
    while (-not (Test-Path $portFile)) { if ([datetime]::UtcNow -gt $deadline -or $master.HasExited) { throw 'the master stand-in did not start' }; Start-Sleep -Milliseconds 100 }
    $operatorPassword = ConvertTo-SecureString 'operator-pw' -AsPlainText -Force
    $session = Connect-DcosCluster -Uri "http://127.0.0.1:$(Get-Content $portFile)" -Credential ([pscredential]::new('operator', $operatorPassword)) -AllowUnencryptedAuthentication -WarningAction SilentlyContinue

    # The registry: a real docker-registry behind TLS from the registry CA, with htpasswd logins.
    $registryCa = New-TlsCertificateAuthority -CommonName 'Fleet Registry CA' -KeyAlgorithm ECDSA
    $registryDir = Join-Path $TestDrive 'registry'
    $null = New-Item -ItemType Directory -Path $registryDir
    New-DcosCertificate -Issuer $registryCa -CommonName 127.0.0.1 -IPAddress 127.0.0.1 -KeyAlgorithm ECDSA | Export-DcosCertificate -Path (Join-Path $registryDir 'server.crt')
    $password = 'Fleet-Pa55-' + [guid]::NewGuid().ToString('N').Substring(0, 10)
    & htpasswd -B -b -c (Join-Path $registryDir 'htpasswd') puller $password 2>$null
    $registryPort = Get-FreeTcpPort 127.0.0.1
    $registry = "127.0.0.1:$registryPort"
    Set-Content (Join-Path $registryDir 'config.yml') -Value @"
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $(Join-Path $registryDir 'storage')
auth:
  htpasswd:
    realm: fleet
    path: $(Join-Path $registryDir 'htpasswd')
http:
  addr: ${registry}
  secret: fleet-test-not-secret
  tls:
    certificate: $(Join-Path $registryDir 'server.crt')
    key: $(Join-Path $registryDir 'server.key')
"@
    $registryProcess = Start-Process docker-registry -ArgumentList 'serve', (Join-Path $registryDir 'config.yml') -PassThru `
        -RedirectStandardOutput (Join-Path $registryDir 'out.log') -RedirectStandardError (Join-Path $registryDir 'err.log')
    $started.Add($registryProcess.Id)
    Wait-Port 127.0.0.1 $registryPort $registryProcess 'docker-registry'

    # The daemons' CA: its key stays here, in this process.
    $fleetCa = New-TlsCertificateAuthority -CommonName 'Fleet Daemon CA' -KeyAlgorithm ECDSA
    $fleetCa | Export-DcosCertificate -Path (Join-Path $TestDrive 'fleet-ca.crt')
    $caKeyLine = (Get-Content (Join-Path $TestDrive 'fleet-ca.key') | Where-Object { $_ -notmatch '^-----' } | Select-Object -First 1)

    $plan = @{
        CaCertificate = $registryCa; Registry = $registry
        Credential = [pscredential]::new('puller', (ConvertTo-SecureString $password -AsPlainText -Force)); CredentialRegistry = $registry
        DaemonTls = $true; Issuer = $fleetCa
    }
}

AfterAll {
    if ($agents) { $agents | Stop-SshAgent }
    foreach ($id in $started) { Stop-Process -Id $id -Force -ErrorAction Ignore }
}

Describe 'Ten agents from the cluster''s agent list' -Tag Fleet, Heavy {
    It 'provisions the nine agents that answer, with no DcosTls on any agent before, and names the one that is down' {
        foreach ($a in $addresses) { Join-Path $roots[$a] 'root/.local/share/powershell/Modules/DcosTls' | Should -Not -Exist }
        # What every process on the machine (the agents' sshd and pwsh included) has on its command line, while it runs.
        $stopFile = Join-Path $TestDrive 'sampler.stop'
        $samples = Join-Path $TestDrive 'cmdlines.txt'
        $sampler = Start-Native sh @('-c', 'while [ ! -e "$1" ]; do for f in /proc/[0-9]*/cmdline; do tr "\0" " " < "$f"; echo; done 2>/dev/null; sleep 0.2; done > "$2"', 'sh', $stopFile, $samples)
        try {
            $script:first = @(Get-DcosAgent -Session $session | Invoke-DcosAgentProvisioning @plan @ssh -Session $session -ThrottleLimit 32)
        }
        finally {
            $null = New-Item -ItemType File -Path $stopFile
            $null = $sampler.WaitForExit(10000)
        }
        $first.Count | Should -Be 10
        foreach ($row in $first[0..8]) {
            $row.Error | Should -BeNullOrEmpty
            $row.Succeeded | Should -BeTrue
            $row.Changed | Should -BeTrue
            $row.Module | Should -Be 'Installed'
        }
        $first[9].Agent | Should -Be $down
        $first[9].Succeeded | Should -BeFalse
        $first[9].FailedStage | Should -Be 'Connect'
        $first[9].Error | Should -Match 'unreachable'

        $lines = Get-Content $samples
        @($lines | Where-Object { $_ -match '-sshs' }).Count | Should -BeGreaterThan 0 -Because 'the sampler ran while the agents worked'
        foreach ($secret in @($password, $token, $caKeyLine, "puller:$password" | ForEach-Object { Get-SecretForm $_ })) {
            @($lines | Where-Object { $_.Contains($secret) }).Count | Should -Be 0 -Because 'secrets travel inside the SSH session, never on a command line (plain or base64)'
        }
    }

    It 'finishes the agent that was down on a rerun and leaves the nine others unchanged' {
        $agents.Add((Start-SshAgent -Kit $kit -Address $down -Root $roots[$down] -Port $port))
        $second = @(Get-DcosAgent -Session $session | Invoke-DcosAgentProvisioning @plan @ssh -Session $session)
        $second.Count | Should -Be 10
        $second.Where({ -not $_.Succeeded }) | ForEach-Object { "$_" } | Should -BeNullOrEmpty
        foreach ($row in $second[0..8]) {
            $row.Changed | Should -BeFalse
            $row.Module | Should -Be 'Unchanged'
            @($row.Rows | Where-Object { $_.Action -notin 'Unchanged', 'Skipped' -or ($_.PSObject.Properties['EnvironmentAction'] -and $_.EnvironmentAction -notin 'Unchanged', $null, '') }).Count | Should -Be 0
        }
        $second[9].Changed | Should -BeTrue
        $second[9].Module | Should -Be 'Installed'
    }

    It 'leaves the token, the CA key and the registry password on no agent and in no agent session''s transcript' {
        $files = @(foreach ($a in $addresses) { Get-ChildItem -Recurse -File $roots[$a] | Where-Object { $_.FullName -notlike '*/.sshd/*' } }) +
                 @(Get-ChildItem -Recurse -File $kit.Transcripts)
        @(Get-ChildItem -Recurse -File $kit.Transcripts).Count | Should -BeGreaterThan 9
        # Plaintext, base64 at any alignment, inside any gzip archive; only the agents' credentials files may hold the login.
        $credentialFiles = foreach ($a in $addresses) { Join-Path $roots[$a] 'var/lib/dcos/docker_credentials' }
        Find-SecretLeak -Path $files.FullName -Secret $token, $caKeyLine, $password -AuthString "puller:$password" -CredentialFile $credentialFiles |
            Should -BeNullOrEmpty
        # Each agent has its own daemon key, made there: no two agents share one.
        $keys = foreach ($a in $addresses) { Get-Content -Raw (Join-Path $roots[$a] 'etc/docker/tls/server-key.pem') }
        @($keys | Sort-Object -Unique).Count | Should -Be 10
    }

    It 'gives each agent a daemon certificate for its own address from the fleet CA, key 0600, daemon.json with tlsverify' {
        foreach ($a in $addresses) {
            $tls = Join-Path $roots[$a] 'etc/docker/tls'
            $server = Import-DcosCertificate -Path (Join-Path $tls 'server-cert.pem') -KeyPath (Join-Path $tls 'server-key.pem')
            $server.IPAddresses | Should -Contain $a
            # Its own host name (each agent has its own UTS namespace), not this machine's.
            $server.DnsNames | Should -Contain ($agents | Where-Object Address -eq $a).HostName
            $server.DnsNames | Should -Not -Contain ([System.Net.Dns]::GetHostName())
            $server.Issuer | Should -Be $fleetCa.Subject
            # server-key.pem is a link into server.d/current/; UnixFileMode is the mode of the key it leads to.
            (Get-Item (Join-Path $tls 'server-key.pem')).UnixFileMode | Should -Be ([IO.UnixFileMode] 'UserRead, UserWrite')
            (Get-Item $tls).UnixMode | Should -Be 'drwx------'
            Get-ChildItem $tls -Filter '*.pending*' | Should -BeNullOrEmpty
            $daemon = Get-Content -Raw (Join-Path $roots[$a] 'etc/docker/daemon.json') | ConvertFrom-Json
            $daemon.tlsverify | Should -BeTrue
            $daemon.hosts | Should -Contain "tcp://${a}:2376"
            Test-DockerDaemonTls -Root $roots[$a] | Should -BeTrue
        }
    }

    It 'lets curl reach the registry with each agent''s Mesos trust folder, and skopeo log in with each agent''s credentials file' {
        foreach ($a in $addresses) {
            $capath = Join-Path $roots[$a] 'var/lib/dcos/pki/tls/certs'
            $curl = Invoke-Untrusted curl @('-sS', '-o', '/dev/null', '-w', '%{http_code}', '--capath', $capath, "https://$registry/v2/")
            $curl.ExitCode | Should -Be 0 -Because $curl.Output
            $curl.Output.Trim() | Should -Be '401' -Because 'TLS holds; the registry then asks for a login'
            $auth = Join-Path $roots[$a] 'var/lib/dcos/docker_credentials'
            $certDir = Join-Path $roots[$a] "etc/docker/certs.d/$registry"
            $skopeo = Invoke-Untrusted skopeo @('list-tags', '--authfile', $auth, '--cert-dir', $certDir, "docker://$registry/fleet/none")
            $skopeo.Output | Should -Not -Match 'unauthorized|authentication required' -Because 'the credentials file logs in'
            $skopeo.Output | Should -Match '404|name unknown|NAME_UNKNOWN' -Because 'logged in, the registry answers that the repository does not exist'
        }
        # The control: the same call without the credentials file is refused.
        $anonymous = Invoke-Untrusted skopeo @('list-tags', '--authfile', (Join-Path $TestDrive 'no-auth.json'), '--cert-dir', $certDir, "docker://$registry/fleet/none")
        $anonymous.Output | Should -Match 'unauthorized|authentication required'
    }

    It 'gives an operator a client certificate on an agent where asked (-ClientName): key made there, 0600 in a 0700 folder, clientAuth from the daemons'' CA, nothing restarted; -WhatIf names it; a rerun keeps it' {
        $a = $addresses[0]
        $client = @{ ClientName = 'fleet-operator'; ClientCertificatePath = '/etc/docker/operator' }
        $dir = Join-Path $roots[$a] 'etc/docker/operator'
        $transcript = Join-Path $TestDrive 'client-whatif.txt'
        $null = Start-Transcript -LiteralPath $transcript
        try { $asked = @($a | Invoke-DcosAgentProvisioning @plan @ssh @client -WhatIf) }
        finally { $null = Stop-Transcript }
        $output = Get-Content -LiteralPath $transcript
        $asked | Should -HaveCount 0
        @($output -match "^What if: $([regex]::Escape($a)): Make a client key on the agent and a client certificate for 'fleet-operator' from .*, then install it in /etc/docker/operator \(the agent has no client certificate there yet; no restart\)$").Count | Should -Be 1 -Because ($output -join "`n")
        $dir | Should -Not -Exist

        $row = $a | Invoke-DcosAgentProvisioning @plan @ssh @client
        $row.Succeeded | Should -BeTrue -Because "$row"
        $row.Changed | Should -BeTrue
        $files = @($row.Rows | Where-Object { $_.PSObject.TypeNames -match 'DcosTls\.Fleet\.ClientFile' })
        @($files | ForEach-Object Role) | Should -Be @('CaCertificate', 'ClientCertificate', 'ClientKey')
        @($files | ForEach-Object { "$($_.Action)" } | Sort-Object -Unique) | Should -Be @('Created')
        ($files | Where-Object Role -eq ClientKey).AgentPath | Should -Be '/etc/docker/operator/key.pem'
        # Only the client files changed: the daemon's files and the trust are as they were.
        @($row.Rows | Where-Object { -not ($_.PSObject.TypeNames -match 'DcosTls\.Fleet\.ClientFile') -and "$($_.Action)" -notin 'Unchanged', 'Skipped' }).Count | Should -Be 0
        (Get-Item $dir).UnixMode | Should -Be 'drwx------'
        (Get-Item (Join-Path $dir 'key.pem')).UnixFileMode | Should -Be ([IO.UnixFileMode] 'UserRead, UserWrite')
        Get-ChildItem $dir -Filter '*.pending*' | Should -BeNullOrEmpty
        $verify = & openssl verify -CAfile (Join-Path $TestDrive 'fleet-ca.crt') (Join-Path $dir 'cert.pem') 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "$verify"
        (& openssl x509 -noout -ext extendedKeyUsage -in (Join-Path $dir 'cert.pem')) -join ' ' | Should -Match 'TLS Web Client Authentication'
        # cert.pem holds the certificate, then its chain.
        @(Import-DcosCertificate -Path (Join-Path $dir 'cert.pem'))[0].CommonName | Should -Be 'fleet-operator'
        (Import-DcosCertificate -Path (Join-Path $dir 'ca.pem')).Thumbprint | Should -Be $fleetCa.Thumbprint

        $again = $a | Invoke-DcosAgentProvisioning @plan @ssh @client
        $again.Changed | Should -BeFalse
        @($again.Rows | Where-Object { $_.PSObject.TypeNames -match 'DcosTls\.Fleet\.ClientFile' } | ForEach-Object { "$($_.Action)" } | Sort-Object -Unique) | Should -Be @('Unchanged')
    }

    It 'has a real dockerd accept that agent''s files with --tlsverify and the operator''s client certificate the fleet put on that agent' {
        $a = $addresses[0]
        $state = Join-Path $TestDrive 'dockerd'
        $null = New-Item -ItemType Directory -Path $state
        # The agent's daemon.json as written, with this test's state folders and socket.
        $config = Get-Content -Raw (Join-Path $roots[$a] 'etc/docker/daemon.json') | ConvertFrom-Json -AsHashtable
        $config['hosts'] = @("unix://$state/docker.sock") + @($config['hosts'] | Where-Object { $_ -like 'tcp://*' })
        foreach ($k in 'data-root', 'exec-root') { $config[$k] = Join-Path $state $k }
        $config['pidfile'] = Join-Path $state 'docker.pid'
        $config['bridge'] = 'none'; $config['iptables'] = $false; $config['ip6tables'] = $false; $config['ip-forward'] = $false; $config['ip-masq'] = $false
        $configFile = Join-Path $state 'daemon.json'
        $config | ConvertTo-Json | Set-Content $configFile
        # /etc/docker is the agent's own, as on the agent: the files are read where daemon.json names them.
        $dockerd = Start-Native unshare @('-m', '--propagation', 'private', 'sh', '-c', 'mount --bind "$1" /etc/docker && exec dockerd --config-file "$2" > "$3" 2>&1',
            'sh', (Join-Path $roots[$a] 'etc/docker'), $configFile, (Join-Path $state 'dockerd.log'))
        try {
            # The client files -ClientName put on the agent (the test before).
            $clientDir = Join-Path $roots[$a] 'etc/docker/operator'
            $env:DOCKER_CONFIG = Join-Path $TestDrive 'docker-config'
            $deadline = [datetime]::UtcNow.AddSeconds(45)
            do {
                Start-Sleep -Milliseconds 500
                $version = Invoke-Untrusted docker @('--tlsverify', '--tlscacert', (Join-Path $clientDir 'ca.pem'), '--tlscert', (Join-Path $clientDir 'cert.pem'),
                    '--tlskey', (Join-Path $clientDir 'key.pem'), '-H', "tcp://${a}:2376", 'version', '--format', '{{.Server.Version}}')
            } until ($version.ExitCode -eq 0 -or $dockerd.HasExited -or [datetime]::UtcNow -gt $deadline)
            $version.ExitCode | Should -Be 0 -Because "$($version.Output) $(Get-Content -Raw "$state/dockerd.log" -ErrorAction Ignore)"
            $version.Output.Trim() | Should -Match '^\d+\.\d+'
            $operator = Import-DcosCertificate -Path (Join-Path $clientDir 'cert.pem') -KeyPath (Join-Path $clientDir 'key.pem')
            Test-DockerDaemonTls -Root $roots[$a] -Address "${a}:2376" -ClientCertificate $operator -CaCertificate $fleetCa | Should -BeTrue
        }
        finally {
            Remove-Item Env:DOCKER_CONFIG -ErrorAction Ignore
            & kill -TERM $dockerd.Id 2>$null
            if (-not $dockerd.WaitForExit(20000)) { $dockerd.Kill($true) }
        }
    }
}

Describe 'Daemon TLS from the cluster CA, and an agent whose request names another' -Tag Fleet, Heavy {
    BeforeAll {
        # An agent whose remote sessions answer the daemon key request with a request for another
        # address and name, as a host posing as an agent would.
        $impostorConfig = Join-Path $TestDrive 'impostor.pssc'
        Set-Content -LiteralPath $impostorConfig -Value @'
@{
    SchemaVersion = '2.0.0.0'
    SessionType = 'Default'
    FunctionDefinitions = @{ Name = 'New-DcosCertificateRequest'; ScriptBlock = { DcosTls\New-DcosCertificateRequest -CommonName 127.0.0.99 -IPAddress 127.0.0.99 -DnsName impostor.fleet.test -KeyAlgorithm ECDSA -Usage Server } }
}
'@
        $agents.Add((Start-SshAgent -Kit $kit -Address $impostor -Root (Join-Path $TestDrive "agent-$impostor") -Port $port -ConfigurationFile $impostorConfig))
        $cluster = @($addresses[1], $impostor, $addresses[2] | Invoke-DcosAgentProvisioning -DaemonTls -Session $session -Profile server @ssh)
    }

    It 'refuses the request that does not name its agent, says so in that agent''s row, and finishes the others' {
        $cluster.Count | Should -Be 3
        $cluster[1].Agent | Should -Be $impostor
        $cluster[1].Succeeded | Should -BeFalse
        $cluster[1].FailedStage | Should -Be 'DaemonTls'
        $cluster[1].Error | Should -Match "does not name '127\.0\.0\.31'.*127\.0\.0\.99.*not signed"
        Join-Path $TestDrive "agent-$impostor/etc/docker/tls/server-cert.pem" | Should -Not -Exist
        Join-Path $TestDrive "agent-$impostor/etc/docker/daemon.json" | Should -Not -Exist
        # The key made for the refused request does not stay behind, nor its request.
        Join-Path $TestDrive "agent-$impostor/etc/docker/tls/server.pending.key" | Should -Not -Exist
        Join-Path $TestDrive "agent-$impostor/etc/docker/tls/server.pending.csr" | Should -Not -Exist
        foreach ($row in $cluster[0], $cluster[2]) {
            $row.Error | Should -BeNullOrEmpty
            $row.Succeeded | Should -BeTrue
            $row.Changed | Should -BeTrue
        }
    }

    It 'signs the other agents'' daemon certificates with the cluster CA, for each agent''s own address and host name' {
        $clusterCa = Join-Path $TestDrive 'cfssl/ca.pem'
        foreach ($a in $addresses[1], $addresses[2]) {
            $tls = Join-Path $roots[$a] 'etc/docker/tls'
            $verify = & openssl verify -CAfile $clusterCa (Join-Path $tls 'server-cert.pem') 2>&1
            $LASTEXITCODE | Should -Be 0 -Because "$verify"
            $server = Import-DcosCertificate -Path (Join-Path $tls 'server-cert.pem') -KeyPath (Join-Path $tls 'server-key.pem')
            $server.IPAddresses | Should -Contain $a
            $server.DnsNames | Should -Contain ($agents | Where-Object Address -eq $a).HostName
            $server.Issuer | Should -Be 'CN=Fleet Cluster CA'
            (Import-DcosCertificate -Path (Join-Path $tls 'ca.pem')).Thumbprint | Should -Be (Import-DcosCertificate -Path $clusterCa).Thumbprint
            Test-DockerDaemonTls -Root $roots[$a] | Should -BeTrue
        }
        # The cluster CA's key and the token stayed here.
        $files = @(foreach ($root in $roots[$addresses[1]], $roots[$addresses[2]], (Join-Path $TestDrive "agent-$impostor")) {
                Get-ChildItem -Recurse -File $root | Where-Object { $_.FullName -notlike '*/.sshd/*' } }) + @(Get-ChildItem -Recurse -File $kit.Transcripts)
        Find-SecretLeak -Path $files.FullName -Secret $token, $clusterCaKeyLine | Should -BeNullOrEmpty
    }
}
