<#
    kill -9 at every step of a multi-file change: whatever the moment, the files on disk are ones the
    agent's services accept. A child pwsh runs the change with the module's test-only pause
    (DCOSTLS_TEST_PAUSE_DIR): before each step that changes a directory entry (a rename that switches
    complete new content into place, a temp link or folder made, an entry removed) <n>.paused appears;
    the state of the files while the child waits before step k is what a SIGKILL at step k leaves
    (PausedRun.ps1). One paused child gives every state and the step count; a second child is killed
    with SIGKILL at the last step for real. Each state is checked, then the same change is run again
    normally: it completes, and the temp files the kill left (made older than a minute) are gone.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    $manifest = (Resolve-Path (Join-Path $PSScriptRoot '../../DcosTls.psd1')).Path

    $inputs = Join-Path $TestDrive 'inputs'
    $null = New-Item -ItemType Directory $inputs
    $ca = New-TlsCertificateAuthority -CommonName 'Kill Test CA' -KeyAlgorithm ECDSA
    $ca | Export-DcosCertificate -Path "$inputs/ca.crt" -NoKey
    New-DcosCertificate -Issuer $ca -CommonName docker.internal -DnsName docker.internal -IPAddress 127.0.0.1 -KeyAlgorithm ECDSA |
        Export-DcosCertificate -Path "$inputs/server.crt"
    # The pair an agent already has when Set-DockerDaemonTls replaces it.
    # Two CAs with one subject name: one hash, two links in the Mesos folder.
    foreach ($twin in 'a', 'b') { New-TlsCertificateAuthority -CommonName 'Kill Test Twin CA' -KeyAlgorithm ECDSA | Export-DcosCertificate -Path "$inputs/twin-$twin.crt" -NoKey }
    $twinB = @(Import-DcosCertificate -Path "$inputs/twin-b.crt")[0].Thumbprint
    $previousServer = New-DcosCertificate -Issuer $ca -CommonName docker.internal -DnsName docker.internal -IPAddress 127.0.0.1 -KeyAlgorithm ECDSA

    # A daemon already behind TLS with $previousServer: as this module installs it now, or (-PlainFiles)
    # as older versions did, with server-cert.pem and server-key.pem as plain files.
    function Install-PreviousDaemonTls([string] $Root, [switch] $PlainFiles) {
        Set-DockerDaemonTls -Root $Root -CaCertificate $ca -Certificate $previousServer -Confirm:$false -WarningAction SilentlyContinue
        if (-not $PlainFiles) { return }
        $tls = Join-Path $Root 'etc/docker/tls'
        foreach ($name in 'server-cert.pem', 'server-key.pem') {
            $file = Join-Path $tls $name
            $bytes = [IO.File]::ReadAllBytes($file)
            Remove-Item -LiteralPath $file
            [IO.File]::WriteAllBytes($file, $bytes)
        }
        & chmod 600 (Join-Path $tls 'server-key.pem')
        # Older installs kept no renewal description beside the pair.
        Remove-Item -Force -LiteralPath (Join-Path $tls 'server-cert.pem.renewal.json') -ErrorAction Ignore
        Remove-Item -Recurse -Force -LiteralPath (Join-Path $tls 'server.d') -ErrorAction Ignore
    }

    # A fresh agent root: a docker.service that passes -H fd://, a daemon.json without TLS, a
    # mesos-slave-common with a setting of its own.
    function New-KillRoot([string] $Name) {
        $root = Join-Path $TestDrive $Name
        $null = New-Item -ItemType Directory -Path "$root/etc/docker", "$root/var/lib/dcos", "$root/lib/systemd/system"
        Set-Content -LiteralPath "$root/lib/systemd/system/docker.service" -Value "[Service]`nExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock"
        Set-Content -LiteralPath "$root/etc/docker/daemon.json" -Value '{ "log-driver": "journald" }' -NoNewline
        Set-Content -LiteralPath "$root/var/lib/dcos/mesos-slave-common" -Value 'MESOS_ATTRIBUTES=zone:a'
        # A Debian agent: the System trust target writes into /usr/local/share/ca-certificates.
        Set-Content -LiteralPath "$root/etc/os-release" -Value "ID=debian`nVERSION_ID=`"12`""
        $root
    }

    . (Join-Path $PSScriptRoot 'PausedRun.ps1')

    # The child's script: $Command with $Root and $Inputs given, the module imported.
    function New-ChangeScript([string] $Command) {
        $script = Join-Path $TestDrive "change-$([guid]::NewGuid().ToString('n')).ps1"
        Set-Content -LiteralPath $script -Value "param([string] `$Root, [string] `$Inputs)`n`$ErrorActionPreference = 'Stop'`nImport-Module '$manifest'`n$Command"
        $script
    }

    # Every state a kill can leave, from one child that pauses at each step ("<Name>-<k>" is the root as
    # a kill at step k leaves it; "<Name>-<steps + 1>" the finished change), each checked with $Check
    # and then run again normally. A second child is killed with SIGKILL for real at the last step,
    # the switch that matters most, and that state is checked too. Returns the number of kill points.
    function Test-EveryKillPoint([string] $Name, [string] $Command, [scriptblock] $Check, [scriptblock] $Prepare) {
        $script = New-ChangeScript $Command
        $run = New-KillRoot "$Name-run"
        if ($Prepare) { & $Prepare $run }
        $pristine = Join-Path $TestDrive "$Name-pristine"
        & cp -a $run $pristine
        $states = @(Save-PausedState (Start-PausedChild $script @($run, $inputs)) $run (Join-Path $TestDrive "$Name-"))
        $points = $states.Count
        Move-Item -LiteralPath $run -Destination (Join-Path $TestDrive "$Name-$($points + 1)")
        & $Check (Join-Path $TestDrive "$Name-$($points + 1)") "$Name, finished"

        $killedRoot = Join-Path $TestDrive "$Name-killed"
        & cp -a $pristine $killedRoot
        if ($points -gt 0) {
            $at = Stop-AtPause (Start-PausedChild $script @($killedRoot, $inputs)) $points
            $at | Should -Not -BeNullOrEmpty -Because "$Name has $points steps in the paused run, so a second run reaches step $points too"
            $states += [pscustomobject]@{ Step = $points; At = "$at (SIGKILL)"; Root = $killedRoot }
        }
        foreach ($state in $states) {
            $root = $state.Root
            & $Check $root "$Name, killed at step $($state.Step) ($($state.At))"
            $temps = @(Get-ChildItem -LiteralPath $root -Recurse -Force -Filter '.*.tmp')
            foreach ($t in $temps) { & touch -h -d '-2 minutes' $t.FullName }
            $null = & ([scriptblock]::Create("param([string] `$Root, [string] `$Inputs)`n$Command")) $root $inputs
            & $Check $root "$Name, run again after a kill at step $($state.Step)"
            @(Get-ChildItem -LiteralPath $root -Recurse -Force -Filter '.*.tmp') | Should -BeNullOrEmpty -Because "$Name, after the re-run: a stale temp of ours is removed"
        }
        $points
    }

    # dockerd's view: daemon.json parses; every file it names exists and the key matches the
    # certificate; "hosts" in daemon.json only with a command line that has no -H (the drop-in), and
    # no --tls* flag beside TLS keys in daemon.json.
    function Assert-DockerAccepts([string] $Root, [string] $Because) {
        $config = Get-Content -Raw "$Root/etc/docker/daemon.json" | ConvertFrom-Json -AsHashtable
        $dropIn = "$Root/etc/systemd/system/docker.service.d/dcostls-hosts.conf"
        $unit = if (Test-Path $dropIn) { $dropIn } else { "$Root/lib/systemd/system/docker.service" }
        $command = @(Get-Content $unit | Where-Object { $_ -match '^ExecStart=.' })[-1]
        if ($config.ContainsKey('hosts')) { $command | Should -Not -Match '(^|\s)(-H|--host)\b' -Because "$Because (hosts in daemon.json and on the command line)" }
        foreach ($name in 'tlscacert', 'tlscert', 'tlskey') {
            if ($config.ContainsKey($name)) {
                Test-Path -LiteralPath (Join-Path $Root $config[$name]) | Should -BeTrue -Because "$Because ($name names a missing file)"
                $command | Should -Not -Match "--$name" -Because $Because
            }
        }
        if ($config.ContainsKey('tlscert')) {
            Assert-PairMatches (Join-Path $Root $config['tlscert']) (Join-Path $Root $config['tlskey']) $Because
            $pair = [Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPemFile((Join-Path $Root $config['tlscert']), (Join-Path $Root $config['tlskey']))
            $pair.HasPrivateKey | Should -BeTrue -Because "$Because (key matches certificate)"
            $pair.Dispose()
        }
    }

    # What OpenSSL (and so dockerd's TLS stack) reads through the fixed names: the certificate's public
    # key is the key's.
    function Assert-PairMatches([string] $CertificateFile, [string] $KeyFile, [string] $Because) {
        $fromCertificate = (& openssl x509 -noout -pubkey -in $CertificateFile 2>&1) -join "`n"
        $LASTEXITCODE | Should -Be 0 -Because "$Because (openssl reads $CertificateFile): $fromCertificate"
        $fromKey = (& openssl pkey -pubout -in $KeyFile 2>&1) -join "`n"
        $LASTEXITCODE | Should -Be 0 -Because "$Because (openssl reads $KeyFile): $fromKey"
        $fromKey | Should -Be $fromCertificate -Because "$Because (the key openssl reads belongs to the certificate)"
    }

    # The Mesos agent's view: MESOS_DOCKER_CONFIG names a file that exists, is JSON and is 0600.
    function Assert-MesosAccepts([string] $Root, [string] $Because) {
        $line = @(Get-Content "$Root/var/lib/dcos/mesos-slave-common" | Where-Object { $_ -like 'MESOS_DOCKER_CONFIG=*' })
        $line.Count | Should -BeLessOrEqual 1
        Get-Content "$Root/var/lib/dcos/mesos-slave-common" | Should -Contain 'MESOS_ATTRIBUTES=zone:a' -Because $Because
        if ($line.Count -eq 1) {
            $file = Join-Path $Root ($line[0] -replace '^MESOS_DOCKER_CONFIG=file://', '')
            Test-Path -LiteralPath $file | Should -BeTrue -Because "$Because (mesos-slave-common names a missing file)"
            { Get-Content -Raw -LiteralPath $file | ConvertFrom-Json } | Should -Not -Throw -Because $Because
            (Get-Item -LiteralPath $file).UnixFileMode | Should -Be ([IO.UnixFileMode] 'UserRead, UserWrite') -Because $Because
        }
    }

    # OpenSSL's and Docker's view: every <hash>.N link resolves to a certificate with that subject
    # hash, with no gap; every certificate file in a certs.d folder parses.
    function Assert-TrustAccepts([string] $Root, [string] $Because) {
        $mesos = "$Root/var/lib/dcos/pki/tls/certs"
        if (Test-Path $mesos) {
            $links = @(Get-ChildItem -LiteralPath $mesos -Force | Where-Object { $_.Name -match '^[0-9a-f]{8}\.\d+$' } | Sort-Object Name)
            for ($i = 0; $i -lt $links.Count; $i++) {
                $links[$i].LinkTarget | Should -Not -BeNullOrEmpty -Because $Because
                $target = Join-Path $mesos $links[$i].LinkTarget
                Test-Path -LiteralPath $target | Should -BeTrue -Because "$Because ($($links[$i].Name) dangles)"
                (& openssl x509 -noout -subject_hash -in $target).Trim() | Should -Be $links[$i].Name.Split('.')[0] -Because $Because
                $links[$i].Name | Should -BeLike "*.$i" -Because "$Because (no gap in the chain)"
            }
        }
        foreach ($folder in "$Root/etc/docker/certs.d", "$Root/etc/containers/certs.d", "$Root/usr/local/share/ca-certificates") {
            if (-not (Test-Path $folder)) { continue }
            foreach ($file in Get-ChildItem -LiteralPath $folder -Recurse -Filter *.crt) {
                { [Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem((Get-Content -Raw $file.FullName)) } | Should -Not -Throw -Because $Because
            }
        }
    }
}

Describe 'kill -9 at every step of a multi-file change' -Tag Reliability, KillPoints, Heavy {
    It 'Set-DockerDaemonTls -Hosts: dockerd can start from every state a kill leaves' {
        $points = Test-EveryKillPoint 'daemon' @'
$ca = Import-DcosCertificate -Path "$Inputs/ca.crt"
$server = Import-DcosCertificate -Path "$Inputs/server.crt" -KeyPath (@(Get-ChildItem "$Inputs/server*" -Exclude *.crt, *.json)[0].FullName)
Set-DockerDaemonTls -CaCertificate $ca -Certificate $server -Hosts 'unix:///var/run/docker.sock', 'tcp://127.0.0.1:2376' -Root $Root -Confirm:$false -WarningAction SilentlyContinue
'@ { param($Root, $Because) Assert-DockerAccepts $Root $Because }
        # ca.pem; the pair: server.d, its temp folder, the certificate and key in it, the folder's rename,
        # the temp link and its rename over "current", each name's temp link and rename; the drop-in,
        # daemon.json's backup, daemon.json.
        $points | Should -Be 15
    }

    It 'Set-DockerDaemonTls replacing <Case>: dockerd reads a matching pair in every state a kill leaves' -ForEach @(
        @{ Case = 'the plain files of an older install'; PlainFiles = $true }
        @{ Case = 'a pair it installed'; PlainFiles = $false }
    ) {
        $plain = $PlainFiles
        $points = Test-EveryKillPoint "replace-$PlainFiles" @'
$ca = Import-DcosCertificate -Path "$Inputs/ca.crt"
$server = Import-DcosCertificate -Path "$Inputs/server.crt" -KeyPath (@(Get-ChildItem "$Inputs/server*" -Exclude *.crt, *.json)[0].FullName)
Set-DockerDaemonTls -CaCertificate $ca -Certificate $server -Root $Root -Confirm:$false -WarningAction SilentlyContinue
'@ { param($Root, $Because) Assert-DockerAccepts $Root $Because } { param($Root) Install-PreviousDaemonTls $Root -PlainFiles:$plain }
        $points | Should -BeGreaterOrEqual 2
        # Every state was checked above; the last one serves the new certificate.
        $final = Join-Path $TestDrive "replace-$PlainFiles-$($points + 1)/etc/docker/tls"
        (& openssl x509 -noout -fingerprint -sha1 -in "$final/server-cert.pem") -replace '^.*=|:', '' |
            Should -Be @(Import-DcosCertificate -Path "$inputs/server.crt")[0].Thumbprint
    }

    It 'Uninstall-DockerRegistryTrust from Mesos: the CA that stays is reachable by OpenSSL in every state a kill leaves' {
        $points = Test-EveryKillPoint 'untrust' @'
Import-DcosCertificate -Path "$Inputs/twin-a.crt" | Uninstall-DockerRegistryTrust -Target Mesos -Root $Root -Confirm:$false
'@ {
            param($Root, $Because)
            Assert-TrustAccepts $Root $Because
            # OpenSSL's lookup: <hash>.0, .1, ... until the first that does not stat.
            $mesos = "$Root/var/lib/dcos/pki/tls/certs"
            $hash = (& openssl x509 -noout -subject_hash -in "$inputs/twin-b.crt").Trim()
            $reached = for ($n = 0; Test-Path -LiteralPath "$mesos/$hash.$n"; $n++) {
                ((& openssl x509 -noout -fingerprint -sha1 -in "$mesos/$hash.$n") -replace '^.*=|:', '')
            }
            @($reached) | Should -Contain $twinB -Because "$Because (the CA that stays must never drop out of the chain)"
        } { param($Root) Install-DockerRegistryTrust -Path "$inputs/twin-a.crt", "$inputs/twin-b.crt" -Target Mesos -Root $Root -Confirm:$false | Out-Null }
        # twin-b's link copied over .0, .1 removed, twin-a's file removed.
        $points | Should -Be 3
        @(Get-ChildItem -LiteralPath (Join-Path $TestDrive 'untrust-4/var/lib/dcos/pki/tls/certs') -Filter *.crt).Count | Should -Be 1
    }

    It 'Set-MesosDockerConfig: the agent finds a readable credentials file in every state a kill leaves' {
        $points = Test-EveryKillPoint 'mesos' @'
$password = ConvertTo-SecureString 'kill-test-password' -AsPlainText -Force
New-DockerAuthConfig -Registry repo.internal:5000 -Credential ([pscredential]::new('puller', $password)) | Set-MesosDockerConfig -Root $Root -Confirm:$false
'@ { param($Root, $Because) Assert-MesosAccepts $Root $Because }
        # Credentials file, mesos-slave-common's backup, mesos-slave-common.
        $points | Should -Be 3
    }

    It 'Install-DockerRegistryTrust into Docker, Containers, Mesos and System: every link and file a kill leaves is usable' {
        $points = Test-EveryKillPoint 'trust' @'
Import-DcosCertificate -Path "$Inputs/ca.crt" | Install-DockerRegistryTrust -Registry repo.internal:5000 -Target Docker, Containers, Mesos, System -Root $Root -Confirm:$false
'@ { param($Root, $Because) Assert-TrustAccepts $Root $Because }
        # certs.d (Docker), certs.d (Containers), the Mesos .crt, its hash link, the OS anchor.
        $points | Should -Be 5
        Get-ChildItem -LiteralPath (Join-Path $TestDrive 'trust-6/usr/local/share/ca-certificates') -Filter *.crt | Should -HaveCount 1
    }
}
