<#
    Changing a registry's CA without a failed pull, in real pwsh with real peers: the new CA is
    installed beside the old one (both trusted), a real docker-registry is restarted on a certificate
    from the new CA, then the old CA is removed everywhere (certs.d, the Mesos hashed folder with its
    links renumbered, the OS anchors). A background loop of skopeo inspect and curl --capath requests
    runs the whole time and logs each request's time and result; none may fail for trust.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force

    . (Join-Path $PSScriptRoot 'RegistryPeer.ps1')

    function Stop-Registry([System.Diagnostics.Process] $Process) {
        if (-not $Process -or $Process.HasExited) { return }
        Stop-Process -Id $Process.Id -ErrorAction SilentlyContinue
        $null = $Process.WaitForExit(15000)
    }

    # Waits until the request log has at least $Count more lines than it had (the loop made progress).
    function Wait-Requests([string] $Log, [int] $Count) {
        $start = @(Get-Content -LiteralPath $Log -ErrorAction Ignore).Count
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (@(Get-Content -LiteralPath $Log -ErrorAction Ignore).Count -lt $start + $Count -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
    }

    # One request's outcome: OK, Unavailable (nothing listening: the registry restarting) or Trust.
    function Get-RequestClass([string] $Tool, [int] $ExitCode, [string] $Output) {
        # curl exits 0 on any HTTP answer: only the manifest itself (200) counts as a pull.
        if ($ExitCode -eq 0) { if ($Tool -ne 'curl' -or $Output -match '^200') { return 'OK' } else { return 'Other' } }
        if ($Output -match 'x509|certificate|unknown authority|SSL certificate problem|unable to get local issuer') { return 'Trust' }
        # A reset or refused connection is the registry going away (its restart), whatever exit code curl
        # gives it (35, "SSL connect error", when the reset comes during the handshake).
        if ($Output -match 'connection refused|Connection refused|Failed to connect|connection reset|Connection reset|EOF|Empty reply') { return 'Unavailable' }
        if ($Tool -eq 'curl' -and $ExitCode -in 60, 77, 35, 58, 51) { return 'Trust' }
        'Other'
    }
}

Describe 'Registry CA rotation without a failed pull' -Tag Lifecycle, Rotation {
    BeforeAll {
        $work = Join-Path $TestDrive 'rotation'
        $agent = Join-Path $work 'agent'
        $null = New-Item -ItemType Directory -Force (Join-Path $agent 'etc'), (Join-Path $work 'registry')
        Set-Content -LiteralPath (Join-Path $agent 'etc/os-release') -Value 'ID=debian'
        $port = Get-FreePort
        $registry = "127.0.0.1:$port"
        # The new CA keeps the old one's name, as a rotated CA usually does: both hash to the same
        # Mesos link name, so removing the old one must renumber the new one's link to .0.
        $oldCa = New-TlsCertificateAuthority -CommonName 'Rotation Registry CA' -KeyAlgorithm ECDSA
        $newCa = New-TlsCertificateAuthority -CommonName 'Rotation Registry CA' -KeyAlgorithm ECDSA
        $oldCa.SubjectHash | Should -Be $newCa.SubjectHash
        foreach ($pair in @(@('old', $oldCa), @('new', $newCa))) {
            New-DcosCertificate -Issuer $pair[1] -CommonName localhost -IPAddress 127.0.0.1 -KeyAlgorithm ECDSA |
                Export-DcosCertificate -Path (Join-Path $work "registry/$($pair[0]).crt")
        }
        $null = $oldCa | Install-DockerRegistryTrust -Registry $registry -Target Docker, Mesos, System -Root $agent
        $certDir = Join-Path $agent "etc/docker/certs.d/$registry"
        $capath = Join-Path $agent 'var/lib/dcos/pki/tls/certs'

        $saved = @{}
        foreach ($name in 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'CURL_CA_BUNDLE', 'REQUESTS_CA_BUNDLE') {
            $saved[$name] = [Environment]::GetEnvironmentVariable($name)
            [Environment]::SetEnvironmentVariable($name, $null)
        }

        $server = Start-TestRegistry -Folder (Join-Path $work 'registry') -Port $port -CertificateFile (Join-Path $work 'registry/old.crt') -KeyFile (Join-Path $work 'registry/old.key')
        $null = New-TestOciLayout (Join-Path $work 'image') 'rotation'
        $push = skopeo copy --insecure-policy --dest-cert-dir $certDir "oci:$(Join-Path $work 'image'):1" "docker://$registry/lifecycle/app:1" 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 0 -Because $push

        # The bounded request loop: skopeo inspect through certs.d and curl --capath through the
        # Mesos folder, each logged as: seconds since the epoch, tool, exit code, first output line.
        $log = Join-Path $work 'requests.log'
        $stop = Join-Path $work 'stop'
        $loop = Join-Path $work 'loop.sh'
        Set-Content -LiteralPath $loop -Value @'
#!/bin/sh
unset SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE REQUESTS_CA_BUNDLE
registry="$1"; certdir="$2"; capath="$3"; log="$4"; stop="$5"
i=0
while [ ! -e "$stop" ] && [ $i -lt 600 ]; do
    t=$(date +%s.%N)
    out=$(skopeo inspect --cert-dir "$certdir" --format '{{.Digest}}' "docker://$registry/lifecycle/app:1" 2>&1); rc=$?
    echo "$t skopeo $rc $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-300)" >>"$log"
    t=$(date +%s.%N)
    out=$(curl -sS --max-time 10 --capath "$capath" -o /dev/null -w '%{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' "https://$registry/v2/lifecycle/app/manifests/1" 2>&1); rc=$?
    echo "$t curl $rc $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-300)" >>"$log"
    i=$((i+1))
done
'@
        $loopProcess = Start-Process sh -ArgumentList $loop, $registry, $certDir, $capath, $log, $stop -PassThru

        try {
            Wait-Requests $log 6
            $phases = [ordered]@{ Start = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() / 1000 }

            # 1. The new CA beside the old one: both trusted.
            $null = $newCa | Install-DockerRegistryTrust -Registry $registry -Target Docker, Mesos, System -Root $agent
            $bothTrusted = @(Get-DcosTlsCertificate -Root $agent | Where-Object Role -EQ RegistryCa)
            Wait-Requests $log 6

            # 2. The registry restarts on a certificate from the new CA.
            $phases.Restart = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() / 1000
            Stop-Registry $server
            $server = Start-TestRegistry -Folder (Join-Path $work 'registry') -Port $port -CertificateFile (Join-Path $work 'registry/new.crt') -KeyFile (Join-Path $work 'registry/new.key')
            $phases.Restarted = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() / 1000
            Wait-Requests $log 6

            # 3. The old CA goes, everywhere it was installed, picked by its thumbprint.
            $phases.Remove = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() / 1000
            $removed = @(Get-DockerRegistryTrust -Root $agent | Where-Object Thumbprint -EQ $oldCa.Thumbprint | Uninstall-DockerRegistryTrust -Root $agent)
            Wait-Requests $log 6
        }
        finally {
            New-Item -ItemType File -Force $stop | Out-Null
            if (-not $loopProcess.WaitForExit(60000)) { Stop-Process -Id $loopProcess.Id -ErrorAction SilentlyContinue }
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }

        $requests = foreach ($line in Get-Content -LiteralPath $log) {
            $time, $tool, $code, $rest = $line -split ' ', 4
            [pscustomobject]@{ Time = [double]$time; Tool = $tool; ExitCode = [int]$code; Output = "$rest"; Class = Get-RequestClass $tool ([int]$code) "$rest" }
        }
        $summary = ($requests | Group-Object Tool, Class | ForEach-Object { '{0}: {1}' -f $_.Name, $_.Count }) -join '; '
        Write-Host "Rotation requests: $summary"
    }

    AfterAll {
        Stop-Registry $server
    }

    It 'ran requests with both tools before, during and after the rotation' {
        @($requests | Where-Object { $_.Tool -eq 'skopeo' -and $_.Class -eq 'OK' -and $_.Time -lt $phases.Restart }).Count | Should -BeGreaterThan 0 -Because $summary
        @($requests | Where-Object { $_.Tool -eq 'curl' -and $_.Class -eq 'OK' -and $_.Time -lt $phases.Restart }).Count | Should -BeGreaterThan 0 -Because $summary
        @($requests | Where-Object { $_.Tool -eq 'skopeo' -and $_.Class -eq 'OK' -and $_.Time -gt $phases.Remove }).Count | Should -BeGreaterThan 0 -Because $summary
        @($requests | Where-Object { $_.Tool -eq 'curl' -and $_.Class -eq 'OK' -and $_.Time -gt $phases.Remove }).Count | Should -BeGreaterThan 0 -Because $summary
    }

    It 'had no request fail for trust, and none fail at all outside the registry restart' {
        $trust = @($requests | Where-Object Class -EQ Trust)
        $trust | Should -BeNullOrEmpty -Because (($trust | ForEach-Object { "$($_.Time) $($_.Tool) $($_.ExitCode) $($_.Output)" }) -join "`n")
        $outside = @($requests | Where-Object { $_.Class -ne 'OK' -and ($_.Time -lt $phases.Restart - 1 -or $_.Time -gt $phases.Restarted + 1) })
        $outside | Should -BeNullOrEmpty -Because (($outside | ForEach-Object { "$($_.Time) $($_.Tool) $($_.ExitCode) $($_.Output)" }) -join "`n")
    }

    It 'trusted both CAs in every store in between' {
        foreach ($store in 'Docker', 'Mesos', 'System') {
            @($bothTrusted | Where-Object Store -EQ $store).Thumbprint | Sort-Object | Should -Be (@($oldCa.Thumbprint, $newCa.Thumbprint) | Sort-Object) -Because $store
        }
    }

    It 'removed the old CA everywhere and renumbered the new one''s Mesos link to .0' {
        @($removed | Where-Object Action -EQ Removed).Count | Should -BeGreaterThan 0
        $rows = @(Get-DcosTlsCertificate -Root $agent | Where-Object Role -EQ RegistryCa)
        @($rows.Thumbprint | Sort-Object -Unique) | Should -Be $newCa.Thumbprint
        @($rows.Store | Sort-Object -Unique) | Should -Be 'Docker', 'Mesos', 'System'
        (Get-Item (Join-Path $capath "$($newCa.SubjectHash).0")).ResolveLinkTarget($true).FullName |
            Should -Be (Get-ChildItem $capath -File | Where-Object { $_.LinkTarget -eq $null -and $_.Name -notmatch '^[0-9a-f]{8}\.\d+$' }).FullName
        Test-Path (Join-Path $capath "$($newCa.SubjectHash).1") | Should -BeFalse
    }
}
