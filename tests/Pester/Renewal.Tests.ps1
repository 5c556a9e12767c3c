<#
    Renewing the Docker daemon's server certificate and the docker CLI's client certificate in real
    pwsh: re-issued with the same names, key type and usages from the CA that signed them, only when
    due or with -Force, refused from another CA unless -ChangeIssuer, switched in one atomic step (a process killed with
    SIGKILL at every step leaves a matching pair), and served by a real dockerd after its restart to
    a real docker CLI with --tlsverify.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force

    $ca = New-TlsCertificateAuthority -CommonName 'Renewal CA' -KeyAlgorithm ECDSA
    $otherCa = New-TlsCertificateAuthority -CommonName 'Renewal Other CA' -KeyAlgorithm ECDSA
    $server = New-DcosCertificate -Issuer $ca -CommonName agent1.internal -DnsName agent1.internal, localhost -IPAddress 127.0.0.1 `
        -KeyAlgorithm ECDSA -ValidDays 5 -Organization 'Ops' -OrganizationalUnit 'Agents'
    $client = New-DcosCertificate -Issuer $ca -CommonName operator -Usage Client -KeyAlgorithm RSA -KeySize 2048 -ValidDays 3

    # A staging root as Set-DockerDaemonTls leaves it.
    function New-DaemonRoot([string] $Name, [object] $Certificate = $server) {
        $root = Join-Path $TestDrive $Name
        Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $Certificate
        $root
    }

    # The pair as older versions of the module wrote it: two plain files, no <pair>.d folder.
    function ConvertTo-PlainPair([string] $Folder, [string] $CertificateName, [string] $KeyName, [string] $Versions) {
        foreach ($name in $CertificateName, $KeyName) {
            $file = Join-Path $Folder $name
            $bytes = [IO.File]::ReadAllBytes($file)
            Remove-Item -LiteralPath $file
            [IO.File]::WriteAllBytes($file, $bytes)
        }
        chmod 600 (Join-Path $Folder $KeyName)
        # Older versions kept no renewal description beside the pair.
        Remove-Item -Force -LiteralPath (Join-Path $Folder "$CertificateName.renewal.json") -ErrorAction Ignore
        Remove-Item -Recurse -Force -LiteralPath (Join-Path $Folder $Versions)
    }

    # The public key of the certificate and of the key behind the fixed names, as openssl reads them.
    function Get-PairState([string] $CertificateFile, [string] $KeyFile) {
        $certKey = (openssl x509 -noout -pubkey -in $CertificateFile 2>&1) -join "`n"
        $certOk = $LASTEXITCODE -eq 0
        $keyKey = (openssl pkey -pubout -in $KeyFile 2>&1) -join "`n"
        $keyOk = $LASTEXITCODE -eq 0
        $serial = (openssl x509 -noout -serial -in $CertificateFile 2>$null) -replace '^serial=', ''
        [pscustomobject]@{ Matches = $certOk -and $keyOk -and $certKey -eq $keyKey; Serial = $serial; Detail = "cert: $certKey`nkey: $keyKey" }
    }

    function Get-DaemonPair([string] $Root) {
        Get-PairState (Join-Path $Root 'etc/docker/tls/server-cert.pem') (Join-Path $Root 'etc/docker/tls/server-key.pem')
    }
}

Describe 'Update-DockerDaemonCertificate' -Tag Lifecycle, Renewal, Heavy {
    It 're-issues a due certificate with the same names, key type, usages and issuer, and a new key' {
        $root = New-DaemonRoot renew
        $config = Get-Content -Raw (Join-Path $root 'etc/docker/daemon.json')
        $row = Update-DockerDaemonCertificate -Root $root -Issuer $ca -RenewWithin 10 -PassThru
        $row.Renewed | Should -BeTrue
        $row.PreviousThumbprint | Should -Be $server.Thumbprint
        $row.Thumbprint | Should -Not -Be $server.Thumbprint

        $new = Import-DcosCertificate -Path (Join-Path $root 'etc/docker/tls/server-cert.pem') -KeyPath (Join-Path $root 'etc/docker/tls/server-key.pem')
        $new.Thumbprint | Should -Be $row.Thumbprint
        $new.Subject | Should -Be $server.Subject
        @($new.DnsNames) | Should -Be @($server.DnsNames)
        @($new.IPAddresses) | Should -Be @($server.IPAddresses)
        $new.KeyAlgorithm, $new.KeySize | Should -Be $server.KeyAlgorithm, $server.KeySize
        @($new.ExtendedKeyUsages) | Should -Be @($server.ExtendedKeyUsages)
        $new.Issuer | Should -Be $ca.Subject
        ($new.NotAfter - $new.NotBefore).TotalDays | Should -BeGreaterOrEqual 4.9 -Because 'the validity is that of the certificate it replaces'
        (Get-DaemonPair $root).Matches | Should -BeTrue
        Get-Content -Raw (Join-Path $root 'etc/docker/daemon.json') | Should -Be $config -Because 'dockerd keeps reading the same names'
        $keyTarget = Get-Item (Join-Path $root 'etc/docker/tls/server-key.pem') | ForEach-Object { $_.ResolveLinkTarget($true) }
        [Convert]::ToString([int] $keyTarget.UnixFileMode, 8) | Should -Be '600'
        # The inventory and the daemon check read through the links.
        (Get-DcosTlsCertificate -Root $root | Where-Object Role -EQ DaemonServer).Thumbprint | Should -Be $row.Thumbprint
        Test-DockerDaemonTls -Root $root | Should -BeTrue
    }

    It 'leaves a certificate that is not due alone (silent), says so with -PassThru, and renews it with -Force' {
        $root = New-DaemonRoot notdue
        Update-DockerDaemonCertificate -Root $root -Issuer $ca -RenewWithin 2 | Should -BeNullOrEmpty
        $row = Update-DockerDaemonCertificate -Root $root -Issuer $ca -RenewWithin 2 -PassThru
        $row.Renewed | Should -BeFalse
        $row.Thumbprint | Should -Be $server.Thumbprint
        (Get-Item (Join-Path $root 'etc/docker/tls/server.d/current')).LinkTarget | Should -Be $row.Version -Because 'nothing was written'
        @(Get-ChildItem -Directory (Join-Path $root 'etc/docker/tls/server.d')).Count | Should -Be 2 -Because 'the version folder and "current": nothing was written'
        (Update-DockerDaemonCertificate -Root $root -Issuer $ca -RenewWithin 2 -Force -PassThru).Renewed | Should -BeTrue
    }

    It 'refuses a CA that did not sign the certificate in place, also with -Force, and switches CAs only with -ChangeIssuer, leaving a daemon that passes its checks' {
        $root = New-DaemonRoot othercca
        $before = Get-DaemonPair $root
        $caFile = Join-Path $root 'etc/docker/tls/ca.pem'
        $caBefore = Get-Content -Raw $caFile
        foreach ($force in $false, $true) {
            { Update-DockerDaemonCertificate -Root $root -Issuer $otherCa -Force:$force -RenewWithin 30 -ErrorAction Stop } |
                Should -Throw -ErrorId 'RenewalIssuerMismatch,DcosTls.Cmdlets.UpdateDockerDaemonCertificateCommand' -ExpectedMessage "*issued by 'CN=Renewal CA'*Renewal Other CA*-ChangeIssuer*"
            (Get-DaemonPair $root).Serial | Should -Be $before.Serial -Because "-Force:$force renews now, it does not change CAs"
            Get-Content -Raw $caFile | Should -Be $caBefore
        }
        Update-DockerDaemonCertificate -Root $root -Issuer $otherCa -ChangeIssuer -WhatIf | Should -BeNullOrEmpty
        Get-Content -Raw $caFile | Should -Be $caBefore -Because '-WhatIf writes nothing'

        $row = Update-DockerDaemonCertificate -Root $root -Issuer $otherCa -ChangeIssuer -RenewWithin 30 -PassThru -WarningVariable warned 3>$null
        $row.Renewed | Should -BeTrue -Because '-ChangeIssuer alone switches; the certificate was due (5 days, -RenewWithin 30)'
        "$warned" | Should -BeLike "*Renewal Other CA*tlscacert*Update-DockerClientCertificate*-ChangeIssuer*"
        (Get-DcosTlsCertificate -Root $root | Where-Object Role -EQ DaemonServer).Issuer | Should -Be $otherCa.Subject
        $bundle = @(Get-DcosTlsCertificate -Root $root | Where-Object Role -EQ DaemonCa)
        $bundle.Subject | Sort-Object | Should -Be (@($otherCa.Subject, $ca.Subject) | Sort-Object) -Because 'the old CA stays beside the new one in tlscacert'
        $check = Test-DockerDaemonTls -Root $root -Detailed
        @($check | Where-Object { -not $_.Passed }) | Should -BeNullOrEmpty -Because ($check | Out-String)
        # Again: the new CA is in place, so the bundle is left as it is and nothing is said.
        $caNow = Get-Content -Raw $caFile
        $again = Update-DockerDaemonCertificate -Root $root -Issuer $otherCa -ChangeIssuer -Force -PassThru -WarningVariable warnedAgain
        $again.Renewed | Should -BeTrue
        $warnedAgain | Should -BeNullOrEmpty
        Get-Content -Raw $caFile | Should -Be $caNow
    }

    It 'says there is nothing to renew when the daemon has no certificate' {
        { Update-DockerDaemonCertificate -Root (Join-Path $TestDrive 'empty') -Issuer $ca -ErrorAction Stop } |
            Should -Throw -ErrorId 'RenewalCertificateMissing,DcosTls.Cmdlets.UpdateDockerDaemonCertificateCommand' -ExpectedMessage '*server-cert.pem*Set-DockerDaemonTls*'
    }

    It '-WhatIf issues nothing, writes nothing and emits no row' {
        $root = New-DaemonRoot whatif
        $before = Get-ChildItem -Recurse -Force $root | ForEach-Object FullName
        Update-DockerDaemonCertificate -Root $root -Issuer $ca -Force -PassThru -WhatIf | Should -BeNullOrEmpty
        Get-ChildItem -Recurse -Force $root | ForEach-Object FullName | Should -Be $before
    }

    It 'keeps the previous pair beside the current one and no older ones' {
        $root = New-DaemonRoot versions
        1..3 | ForEach-Object { Update-DockerDaemonCertificate -Root $root -Issuer $ca -Force }
        $versions = @(Get-ChildItem -Directory (Join-Path $root 'etc/docker/tls/server.d') | Where-Object { -not $_.LinkTarget })
        $versions.Count | Should -Be 2
        (Get-Item (Join-Path $root 'etc/docker/tls/server.d/current')).LinkTarget | Should -BeIn $versions.Name
        (Get-DaemonPair $root).Matches | Should -BeTrue
    }

    It 'takes the issuer from the pipeline and -Root by property name' {
        $root = New-DaemonRoot pipeline
        $row = [pscustomobject]@{ Root = $root; Issuer = $ca } | Update-DockerDaemonCertificate -Force -PassThru
        $row.Renewed | Should -BeTrue
        ($ca | Update-DockerDaemonCertificate -Root $root -Force -PassThru).Renewed | Should -BeTrue
    }

    It 'Set-DockerDaemonTls still replaces a renewed pair, and the next renewal picks it up' {
        $root = New-DaemonRoot reset
        Update-DockerDaemonCertificate -Root $root -Issuer $ca -Force
        $fresh = New-DcosCertificate -Issuer $ca -CommonName agent1.internal -DnsName agent1.internal -KeyAlgorithm ECDSA -ValidDays 5
        Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $fresh
        (Get-DaemonPair $root).Matches | Should -BeTrue
        $row = Update-DockerDaemonCertificate -Root $root -Issuer $ca -Force -PassThru
        $row.PreviousThumbprint | Should -Be $fresh.Thumbprint
        (Get-DaemonPair $root).Matches | Should -BeTrue
    }

    It 'Set-DockerDaemonTls installs the pair again when server.d was deleted by hand, and a second run changes nothing' {
        $root = New-DaemonRoot deleted
        $tls = Join-Path $root 'etc/docker/tls'
        Remove-Item -Recurse -Force -LiteralPath (Join-Path $tls 'server.d')
        # The fixed names are links of the module that now name nothing.
        (Get-Item -LiteralPath (Join-Path $tls 'server-cert.pem')).LinkTarget | Should -Be 'server.d/current/server-cert.pem'
        Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $server
        (Get-DaemonPair $root).Matches | Should -BeTrue
        @(Import-DcosCertificate -Path (Join-Path $tls 'server-cert.pem'))[0].Thumbprint | Should -Be $server.Thumbprint
        (Get-Content -Raw (Join-Path $tls 'server-cert.pem.renewal.json') | ConvertFrom-Json).certificate.thumbprint | Should -Be $server.Thumbprint
        Test-DockerDaemonTls -Root $root | Should -BeTrue
        $again = Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $server -PassThru
        @($again | Where-Object Action -NE 'Unchanged') | Should -BeNullOrEmpty
    }
}

Describe 'Update-DockerClientCertificate' -Tag Lifecycle, Renewal, Heavy {
    It 'renews cert.pem and key.pem in a docker CLI folder with the same RSA key size and clientAuth' {
        $folder = Join-Path $TestDrive 'client'
        $null = Install-DockerClientCertificate -Path $folder -CaCertificate $ca -Certificate $client
        $row = Update-DockerClientCertificate -Path $folder -Issuer $ca -RenewWithin 30 -PassThru 3>$null
        $row.Renewed | Should -BeTrue
        $row.Role | Should -Be 'Client'
        $new = Import-DcosCertificate -Path (Join-Path $folder 'cert.pem') -KeyPath (Join-Path $folder 'key.pem')
        $new.KeyAlgorithm, $new.KeySize | Should -Be 'RSA', 2048
        @($new.ExtendedKeyUsages) | Should -Be @('clientAuth')
        $new.Subject | Should -Be 'CN=operator'
        (Get-PairState (Join-Path $folder 'cert.pem') (Join-Path $folder 'key.pem')).Matches | Should -BeTrue
        (Get-Item (Join-Path $folder 'cert.pem')).LinkTarget | Should -Be 'client.d/current/cert.pem'
        (Get-DcosTlsCertificate -Root $TestDrive -Path $folder | Where-Object Role -EQ Client).Thumbprint | Should -Be $row.Thumbprint
    }
}

Describe 'The <Side> pair a reader sees when the renewal is killed (SIGKILL) at each step' -Tag Lifecycle, Renewal, Heavy -ForEach @(
    @{ Side = 'daemon' }
    @{ Side = 'client' }
) {
    BeforeAll {
        # Installed, then made plain files as older versions wrote them: the renewal converts them first.
        if ($Side -eq 'daemon') {
            $pristine = New-DaemonRoot pristine
            ConvertTo-PlainPair (Join-Path $pristine 'etc/docker/tls') server-cert.pem server-key.pem server.d
            function Get-Pair([string] $Root) { Get-DaemonPair $Root }
        }
        else {
            $pristine = Join-Path $TestDrive 'client-pristine'
            $null = Install-DockerClientCertificate -Path $pristine -CaCertificate $ca -Certificate $client
            ConvertTo-PlainPair $pristine cert.pem key.pem client.d
            function Get-Pair([string] $Root) { Get-PairState (Join-Path $Root 'cert.pem') (Join-Path $Root 'key.pem') }
        }
        $caFile = Join-Path $TestDrive 'kill-ca.crt'
        $ca | Export-DcosCertificate -Path $caFile -Force
        $manifest = (Resolve-Path (Join-Path $PSScriptRoot '../../DcosTls.psd1')).Path
        $script = Join-Path $TestDrive 'renew.ps1'
        Set-Content -LiteralPath $script -Value @'
param($Manifest, $CaFile, $Root, $Side)
Import-Module $Manifest
$ca = Import-DcosCertificate -Path $CaFile -KeyPath ([IO.Path]::ChangeExtension($CaFile, '.key'))
if ($Side -eq 'daemon') { Update-DockerDaemonCertificate -Root $Root -Issuer $ca -Force -ErrorAction Stop }
else { Update-DockerClientCertificate -Path $Root -Issuer $ca -Force -ErrorAction Stop }
'@

        . (Join-Path $PSScriptRoot 'PausedRun.ps1')
        $arguments = { param($Root) @($manifest, $caFile, $Root, $Side) }

        # One renewal pauses at every step and the folder is copied aside there: the copy at step N is
        # what a SIGKILL at step N leaves (PausedRun.ps1). A second one is killed for real at the last
        # step, so the copies are checked against a real kill too.
        $originalSerial = (Get-Pair $pristine).Serial
        $run = Join-Path $TestDrive "paused-$Side"
        Copy-Item -Recurse $pristine $run
        $outcomes = [Collections.Generic.List[object]]::new()
        $states = @(Save-PausedState (Start-PausedChild $script (& $arguments $run)) $run (Join-Path $TestDrive "kill-$Side-"))
        $finished = (Get-Pair $run).Matches -and (Get-Pair $run).Serial -ne $originalSerial
        if ($states.Count -gt 0) {
            $killed = Join-Path $TestDrive "killed-$Side"
            Copy-Item -Recurse $pristine $killed
            $at = Stop-AtPause (Start-PausedChild $script (& $arguments $killed)) $states.Count
            $states += [pscustomobject]@{ Step = $states.Count; At = "$at (SIGKILL)"; Root = $killed }
        }
        foreach ($state in $states) {
            $pair = Get-Pair $state.Root
            $outcomes.Add([pscustomobject]@{ Step = $state.Step; At = "$($state.Step) $($state.At)"; Root = $state.Root; Matches = $pair.Matches; Serial = $pair.Serial; Detail = $pair.Detail })
        }
    }

    It 'reaches every step and finishes after the last one' {
        $finished | Should -BeTrue
        $outcomes.Count | Should -BeGreaterOrEqual 10 -Because ($outcomes.At -join '; ')
    }

    It 'leaves a matching pair after a kill at every step: the old one until the switch, the new one after' {
        foreach ($o in $outcomes) { $o.Matches | Should -BeTrue -Because "killed at step $($o.Step) ($($o.At)): $($o.Detail)" }
        $switched = @($outcomes | Where-Object Serial -NE $originalSerial)
        # Only the very last rename (the link "current") changes the pair; the steps before keep the old one.
        @($outcomes | Select-Object -First ($outcomes.Count - $switched.Count) | Where-Object Serial -NE $originalSerial) | Should -BeNullOrEmpty
    }

    It 'completes on the next run after a kill, removing what the killed run left' {
        foreach ($o in $outcomes) {
            if ($Side -eq 'daemon') { Update-DockerDaemonCertificate -Root $o.Root -Issuer $ca -Force }
            else { Update-DockerClientCertificate -Path $o.Root -Issuer $ca -Force }
            (Get-Pair $o.Root).Matches | Should -BeTrue -Because "resumed after step $($o.Step)"
            @(Get-ChildItem -Recurse -Force $o.Root -Filter '*.tmp') | Should -BeNullOrEmpty -Because "resumed after step $($o.Step) ($($o.At))"
        }
    }
}

Describe 'A real dockerd serves the renewed certificate to a real docker CLI after its restart' -Tag Lifecycle, Renewal, Heavy {
    BeforeAll {
        $root = Join-Path $TestDrive 'dockerd/root'
        $state = Join-Path $TestDrive 'dockerd/state'
        $null = New-Item -ItemType Directory -Force (Join-Path $root 'etc/docker'), $state
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        # What dockerd needs to run from a temp folder without touching the host's network.
        [ordered]@{
            'data-root' = "$state/data"; 'exec-root' = "$state/exec"; pidfile = "$state/docker.pid"
            bridge = 'none'; iptables = $false; ip6tables = $false; 'ip-forward' = $false; 'ip-masq' = $false
        } | ConvertTo-Json | Set-Content -LiteralPath (Join-Path $root 'etc/docker/daemon.json')
        $daemonCert = New-DcosCertificate -Issuer $ca -CommonName localhost -DnsName localhost -IPAddress 127.0.0.1 -KeyAlgorithm ECDSA -ValidDays 5
        Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $daemonCert -Hosts "unix://$state/docker.sock", "tcp://127.0.0.1:$port"
        $operator = New-DcosCertificate -Issuer $ca -CommonName operator -Usage Client -KeyAlgorithm ECDSA
        $newCa = New-TlsCertificateAuthority -CommonName 'Renewal Next CA' -KeyAlgorithm ECDSA
        # The same operator certificate; one folder trusts the daemon's current CA, the other the next one.
        $oldTrust = (Install-DockerClientCertificate -Path (Join-Path $TestDrive 'cli-old') -CaCertificate $ca -Certificate $operator).DockerCertPath
        $newTrust = (Install-DockerClientCertificate -Path (Join-Path $TestDrive 'cli-new') -CaCertificate $newCa -Certificate $operator).DockerCertPath

        function Invoke-Docker([string] $CertPath) {
            $output = docker --tlsverify --tlscacert "$CertPath/ca.pem" --tlscert "$CertPath/cert.pem" --tlskey "$CertPath/key.pem" `
                -H "tcp://127.0.0.1:$port" version --format '{{.Server.Version}}' 2>&1 | Out-String
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output.Trim() }
        }

        # The serial number of the certificate the daemon presents (openssl as the TLS client).
        function Get-ServedSerial {
            $pem = '' | openssl s_client -connect "127.0.0.1:$port" -cert "$oldTrust/cert.pem" -key "$oldTrust/key.pem" 2>$null | Out-String
            ($pem | openssl x509 -noout -serial 2>$null) -replace '^serial=', ''
        }

        # dockerd in a mount namespace of its own where the staging root's etc/docker is /etc/docker
        # (daemon.json names its files by agent path); unshare and sh exec, so the PID is dockerd's.
        function Start-Dockerd {
            $log = Join-Path $state 'dockerd.log'
            $script = 'mount --bind "$1" /etc/docker && exec dockerd --config-file "$2" >>"$3" 2>&1'
            $psi = [System.Diagnostics.ProcessStartInfo]::new('unshare')
            foreach ($a in '-m', '--propagation', 'private', 'sh', '-c', $script, 'sh', (Join-Path $root 'etc/docker'), (Join-Path $root 'etc/docker/daemon.json'), $log) { $psi.ArgumentList.Add($a) }
            foreach ($v in 'SSL_CERT_FILE', 'SSL_CERT_DIR') { $null = $psi.Environment.Remove($v) }
            $process = [System.Diagnostics.Process]::Start($psi)
            $deadline = [DateTime]::UtcNow.AddSeconds(90)
            while ([DateTime]::UtcNow -lt $deadline) {
                if ($process.HasExited) { throw "dockerd exited: $(Get-Content -Raw $log -ErrorAction Ignore)" }
                if ((Invoke-Docker $oldTrust).ExitCode -eq 0 -or (Invoke-Docker $newTrust).ExitCode -eq 0) { return $process }
                Start-Sleep -Milliseconds 250
            }
            Stop-Dockerd $process
            throw "dockerd did not answer on 127.0.0.1:$port within 90 s: $(Get-Content -Raw $log)"
        }

        function Stop-Dockerd([System.Diagnostics.Process] $Process) {
            if (-not $Process -or $Process.HasExited) { return }
            kill -TERM $Process.Id
            if (-not $Process.WaitForExit(30000)) { kill -KILL $Process.Id; $null = $Process.WaitForExit(5000) }
        }

        # Script scope: the tests restart dockerd, and AfterAll must stop the one that runs last.
        $script:dockerd = Start-Dockerd
    }

    AfterAll {
        Stop-Dockerd $script:dockerd
    }

    It 'serves the renewed certificate from the same CA after a restart, and the docker CLI verifies it' {
        $before = Get-ServedSerial
        $before | Should -Be $daemonCert.SerialNumber
        (Invoke-Docker $oldTrust).ExitCode | Should -Be 0

        $row = Update-DockerDaemonCertificate -Root $root -Issuer $ca -RenewWithin 10 -PassThru
        $row.Renewed | Should -BeTrue
        Get-ServedSerial | Should -Be $before -Because 'dockerd reads its certificate when it starts'
        Stop-Dockerd $script:dockerd
        $script:dockerd = Start-Dockerd

        Get-ServedSerial | Should -Be $row.SerialNumber
        $row.SerialNumber | Should -Not -Be $before
        $docker = Invoke-Docker $oldTrust
        $docker.ExitCode | Should -Be 0 -Because $docker.Output
        $docker.Output | Should -Match '^\d+\.\d+'
    }

    It 'after a switch to another CA (-ChangeIssuer) the docker CLI trusting only the new CA connects, one trusting only the old CA is refused, and a client moved with -ChangeIssuer connects' {
        (Invoke-Docker $newTrust).ExitCode | Should -Not -Be 0 -Because 'the daemon still presents a certificate from the old CA'
        $row = Update-DockerDaemonCertificate -Root $root -Issuer $newCa -ChangeIssuer -Force -PassThru 3>$null
        Stop-Dockerd $script:dockerd
        $script:dockerd = Start-Dockerd

        $new = Invoke-Docker $newTrust
        $new.ExitCode | Should -Be 0 -Because $new.Output
        $old = Invoke-Docker $oldTrust
        $old.ExitCode | Should -Not -Be 0
        $old.Output | Should -Match 'x509|certificate'
        Get-ServedSerial | Should -Be $row.SerialNumber

        # The old-CA client moves over: a certificate from the new CA, and the new CA beside the old in
        # its ca.pem. The daemon lets it in because its tlscacert got the new CA too.
        $moved = Update-DockerClientCertificate -Path $oldTrust -Issuer $newCa -ChangeIssuer -Force -PassThru 3>$null
        $moved.Renewed | Should -BeTrue
        $docker = Invoke-Docker $oldTrust
        $docker.ExitCode | Should -Be 0 -Because $docker.Output
    }
}
