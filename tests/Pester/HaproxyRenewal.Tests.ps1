<#
    The HAProxy pem a registry behind marathon-lb is served with, renewed and rolled out without a
    failed pull, in real pwsh with real peers: a local CA, a real docker-registry on plain HTTP (as a
    registry task behind marathon-lb), and Debian's HAProxy terminating TLS in front of it with the pem
    Export-DcosCertificate -Format HaproxyPem wrote (certificate, chain and key in one file) and
    marathon-lb's forwarding headers. Two bounded request loops run the whole time through HAProxy,
    trusting only the local CA: skopeo (inspect, and a copy that pulls the layer) and curl (/v2/, the
    manifest, the layer blob). Update-DcosCertificate renews the pem from the renewal description
    Export-DcosCertificate wrote beside it, with a new key and then again with -ReuseKey, and HAProxy
    reloads itself after each renewal.

    The reload is the master-worker one (haproxy -W, SIGUSR2 to the master): the master keeps the
    listening socket and hands it to the new worker, so the port is never unbound, and the old worker
    ends the requests it holds before it exits. The legacy "-sf <oldpid>" start binds a second socket
    beside the old one (SO_REUSEPORT) and the old process then closes its own: a connection waiting in
    the closed socket's accept queue is reset, unless the sockets are handed over with -x and
    "expose-fd listeners". marathon-lb itself reloads with -sf; the master-worker reload needs neither.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    . (Join-Path $PSScriptRoot 'RegistryPeer.ps1')

    # Waits until the request log has at least $Count more lines than it had (the loop made progress).
    function Wait-Requests([string] $Log, [int] $Count) {
        $start = @(Get-Content -LiteralPath $Log -ErrorAction Ignore).Count
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (@(Get-Content -LiteralPath $Log -ErrorAction Ignore).Count -lt $start + $Count -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
    }

    # The certificate HAProxy serves on the port, verified against the CA file only (the SHA-1
    # thumbprint as .NET writes it, or the verification failure).
    function Get-ServedThumbprint([int] $Port, [string] $CaFile) {
        $out = & sh -c "openssl s_client -connect 127.0.0.1:$Port -servername localhost -CAfile '$CaFile' -verify_return_error </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha1" 2>&1
        if ($LASTEXITCODE -ne 0) { return "unverified: $out" }
        ("$out" -replace '^.*=', '' -replace ':', '').Trim()
    }

    # The leaf certificate of an HAProxy pem (the first certificate in it).
    function Get-PemLeaf([string] $Path) {
        $block = [regex]::Match((Get-Content -Raw -LiteralPath $Path), '-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----').Value
        [System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem($block)
    }

    function Get-Names([System.Security.Cryptography.X509Certificates.X509Certificate2] $Certificate) {
        $san = $Certificate.Extensions | Where-Object { $_.Oid.Value -eq '2.5.29.17' }
        "$($Certificate.Subject) | $($san.Format($false))"
    }

    function Get-PublicKeyBase64([System.Security.Cryptography.X509Certificates.X509Certificate2] $Certificate) {
        [Convert]::ToBase64String($Certificate.PublicKey.ExportSubjectPublicKeyInfo())
    }

    # The PIDs of a process's children (HAProxy's workers under its master), from /proc.
    function Get-ChildPid([int] $ParentId) {
        foreach ($stat in Get-ChildItem /proc -Directory -ErrorAction Ignore | Where-Object Name -Match '^\d+$') {
            $text = Get-Content -Raw -LiteralPath (Join-Path $stat.FullName 'stat') -ErrorAction Ignore
            # pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis.
            if ($text -and [int](($text.Substring($text.LastIndexOf(')') + 2) -split ' ')[1]) -eq $ParentId) { [int]$stat.Name }
        }
    }

    # HAProxy's own reload: SIGUSR2 to the master, then wait until the new certificate is served.
    function Invoke-HaproxyReload([System.Diagnostics.Process] $Master, $Expected) {
        & kill -USR2 $Master.Id
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while ((Get-ServedThumbprint $lbPort $caFile) -ne $Expected.Thumbprint -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
    }

    function Stop-ByPid([System.Diagnostics.Process] $Process, [string] $Signal = 'TERM') {
        if (-not $Process -or $Process.HasExited) { return }
        & kill "-$Signal" $Process.Id 2>$null
        if (-not $Process.WaitForExit(10000)) { Stop-Process -Id $Process.Id -Force -ErrorAction Ignore; $null = $Process.WaitForExit(5000) }
    }
}

Describe 'An HAProxy pem renewed and reloaded under a pull loop' -Tag HaproxyRenewal, Renewal, Heavy {
    BeforeAll {
        $work = Join-Path $TestDrive 'haproxy'
        $null = New-Item -ItemType Directory -Force (Join-Path $work 'registry'), (Join-Path $work 'certs'), (Join-Path $work 'lb')
        $registryPort = Get-FreePort
        $lbPort = Get-FreePort
        $registry = "127.0.0.1:$lbPort"

        # The local CA: its certificate is the only trust the clients get (curl --cacert, skopeo's cert dir).
        $ca = New-TlsCertificateAuthority -CommonName 'HAProxy Renewal Test CA' -KeyAlgorithm ECDSA -ValidDays 2
        $caFile = Join-Path $work 'certs/ca.crt'
        $ca | Export-DcosCertificate -Path $caFile -NoKey
        $pem = Join-Path $work 'lb/registry.pem'
        New-DcosCertificate -Issuer $ca -CommonName localhost -DnsName localhost -IPAddress 127.0.0.1 -KeyAlgorithm ECDSA -ValidDays 1 |
            Export-DcosCertificate -Path $pem -Format HaproxyPem
        $before = Get-PemLeaf $pem

        $server = Start-TestRegistry -Folder (Join-Path $work 'registry') -Port $registryPort

        # marathon-lb's frontend and backend for an HTTP app with an SSL certificate, reduced to one app.
        $config = Join-Path $work 'lb/haproxy.cfg'
        Set-Content -LiteralPath $config -Value @"
global
    maxconn 256
    hard-stop-after 30s
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend registry_https
    bind 127.0.0.1:$lbPort ssl crt $pem
    default_backend registry
backend registry
    option forwardfor
    http-request set-header X-Forwarded-Port %[dst_port]
    http-request add-header X-Forwarded-Proto https if { ssl_fc }
    server registry 127.0.0.1:$registryPort
"@
        $check = & haproxy -c -f $config 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($check -join "`n")
        $lb = Start-Process -FilePath haproxy -ArgumentList '-W', '-f', $config -PassThru `
            -RedirectStandardOutput (Join-Path $work 'lb/out.log') -RedirectStandardError (Join-Path $work 'lb/err.log')
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while ((Get-ServedThumbprint $lbPort $caFile) -ne $before.Thumbprint -and [DateTime]::UtcNow -lt $deadline) {
            if ($lb.HasExited) { throw "haproxy exited: $(Get-Content -Raw (Join-Path $work 'lb/err.log'))" }
            Start-Sleep -Milliseconds 100
        }
        $servedBefore = Get-ServedThumbprint $lbPort $caFile
        $workersBefore = @(Get-ChildPid $lb.Id)

        $saved = @{}
        foreach ($name in 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'CURL_CA_BUNDLE', 'REQUESTS_CA_BUNDLE') {
            $saved[$name] = [Environment]::GetEnvironmentVariable($name)
            [Environment]::SetEnvironmentVariable($name, $null)
        }
        try {
            $image = New-TestOciLayout (Join-Path $work 'image') 'haproxy renewal'
            $push = skopeo copy --insecure-policy --dest-cert-dir (Join-Path $work 'certs') "oci:$(Join-Path $work 'image'):1" "docker://$registry/mlb/app:1" 2>&1 | Out-String
            $LASTEXITCODE | Should -Be 0 -Because $push

            # The bounded loops, one per tool so curl's quick requests crowd the reload: each request is
            # logged as seconds since the epoch, the request, the exit code, and the HTTP code or output.
            $stop = Join-Path $work 'stop'
            $skopeoLog = Join-Path $work 'skopeo.log'
            $curlLog = Join-Path $work 'curl.log'
            Set-Content -LiteralPath (Join-Path $work 'skopeo.sh') -Value @'
#!/bin/sh
unset SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE REQUESTS_CA_BUNDLE
registry="$1"; certdir="$2"; log="$3"; stop="$4"; pulls="$5"
mkdir -p "$pulls"
i=0
while [ ! -e "$stop" ] && [ $i -lt 100 ]; do
    t=$(date +%s.%N)
    out=$(skopeo inspect --cert-dir "$certdir" --format '{{.Digest}}' "docker://$registry/mlb/app:1" 2>&1); rc=$?
    echo "$t inspect $rc $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-300)" >>"$log"
    t=$(date +%s.%N)
    rm -rf "$pulls/$i"
    out=$(skopeo copy --insecure-policy --src-cert-dir "$certdir" "docker://$registry/mlb/app:1" "dir:$pulls/$i" 2>&1); rc=$?
    echo "$t copy $rc $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-300)" >>"$log"
    rm -rf "$pulls/$i"
    i=$((i+1))
done
'@
            Set-Content -LiteralPath (Join-Path $work 'curl.sh') -Value @'
#!/bin/sh
unset SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE REQUESTS_CA_BUNDLE
registry="$1"; cafile="$2"; log="$3"; stop="$4"; layer="$5"
i=0
while [ ! -e "$stop" ] && [ $i -lt 1000 ]; do
    for path in /v2/ /v2/mlb/app/manifests/1 "/v2/mlb/app/blobs/$layer"; do
        t=$(date +%s.%N)
        out=$(curl -sS --max-time 10 --cacert "$cafile" -o /dev/null -w '%{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' "https://$registry$path" 2>&1); rc=$?
        echo "$t $path $rc $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-300)" >>"$log"
    done
    i=$((i+1))
done
'@
            $loops = @(
                Start-Process sh -ArgumentList (Join-Path $work 'skopeo.sh'), $registry, (Join-Path $work 'certs'), $skopeoLog, $stop, (Join-Path $work 'pulls') -PassThru
                Start-Process sh -ArgumentList (Join-Path $work 'curl.sh'), $registry, $caFile, $curlLog, $stop, $image.Layer -PassThru
            )
            try {
                Wait-Requests $skopeoLog 2
                Wait-Requests $curlLog 9
                $phases = [ordered]@{ Renew = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() / 1000 }

                # The renewal, from the description Export-DcosCertificate wrote beside the pem: a new key,
                # the same names, the pem switched in one step. Not due yet (a day-old certificate), so forced.
                $renewed = @(Update-DcosCertificate -Path $pem -Issuer $ca -Force)
                $after = Get-PemLeaf $pem
                $phases.Reload = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() / 1000
                Invoke-HaproxyReload $lb $after
                $servedAfter = Get-ServedThumbprint $lbPort $caFile
                $phases.Served = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() / 1000
                Wait-Requests $skopeoLog 2
                Wait-Requests $curlLog 9

                # Again with the key kept (a pinned key), and reloaded again.
                $phases.Renew2 = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() / 1000
                $kept = @(Update-DcosCertificate -Path $pem -Issuer $ca -Force -ReuseKey)
                $afterKept = Get-PemLeaf $pem
                $phases.Reload2 = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() / 1000
                Invoke-HaproxyReload $lb $afterKept
                $servedKept = Get-ServedThumbprint $lbPort $caFile
                $phases.Served2 = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() / 1000
                Wait-Requests $skopeoLog 2
                Wait-Requests $curlLog 9
            }
            finally {
                New-Item -ItemType File -Force $stop | Out-Null
                foreach ($loop in $loops) { if (-not $loop.WaitForExit(60000)) { Stop-Process -Id $loop.Id -ErrorAction Ignore } }
            }
        }
        finally {
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
        $workersAfter = @(Get-ChildPid $lb.Id)

        $requests = foreach ($line in @(Get-Content -LiteralPath $skopeoLog) + @(Get-Content -LiteralPath $curlLog)) {
            $time, $request, $code, $rest = $line -split ' ', 4
            $tool = if ($request -in 'inspect', 'copy') { 'skopeo' } else { 'curl' }
            # curl exits 0 on any HTTP answer: only a 200 is a pull.
            $ok = [int]$code -eq 0 -and ($tool -eq 'skopeo' -or "$rest".Trim() -eq '200')
            [pscustomobject]@{ Time = [double]$time; Tool = $tool; Request = $request; ExitCode = [int]$code; Output = "$rest"; Ok = $ok }
        }
        $counts = foreach ($group in $requests | Group-Object Tool) {
            '{0}: {1} attempts, {2} failures ({3} started while HAProxy reloaded)' -f $group.Name, $group.Count,
            @($group.Group | Where-Object { -not $_.Ok }).Count,
            @($group.Group | Where-Object { ($_.Time -ge $phases.Reload -and $_.Time -le $phases.Served) -or ($_.Time -ge $phases.Reload2 -and $_.Time -le $phases.Served2) }).Count
        }
        $summary = $counts -join '; '
        Write-Host ("HAProxy renewal requests: $summary; from SIGUSR2 to the new certificate served: {0:F2} s and {1:F2} s" -f ($phases.Served - $phases.Reload), ($phases.Served2 - $phases.Reload2))
    }

    AfterAll {
        Stop-ByPid $lb
        Stop-ByPid $server
    }

    It 'served the first certificate, verified against the local CA only' {
        $servedBefore | Should -Be $before.Thumbprint
    }

    It 'ran pulls with both tools before, between and after the reloads' {
        foreach ($tool in 'skopeo', 'curl') {
            @($requests | Where-Object { $_.Tool -eq $tool -and $_.Time -lt $phases.Renew }).Count | Should -BeGreaterThan 0 -Because "$tool before: $summary"
            @($requests | Where-Object { $_.Tool -eq $tool -and $_.Time -gt $phases.Served -and $_.Time -lt $phases.Renew2 }).Count | Should -BeGreaterThan 0 -Because "$tool between: $summary"
            @($requests | Where-Object { $_.Tool -eq $tool -and $_.Time -gt $phases.Served2 }).Count | Should -BeGreaterThan 0 -Because "$tool after: $summary"
        }
        @($requests | Where-Object Request -EQ copy).Count | Should -BeGreaterThan 1
        @($requests | Where-Object Request -Like '/v2/mlb/app/blobs/*').Count | Should -BeGreaterThan 1
    }

    It 'had no failed request over the whole loop' {
        $failed = @($requests | Where-Object { -not $_.Ok })
        $failed | Should -BeNullOrEmpty -Because (($failed | ForEach-Object { "$($_.Time) $($_.Request) $($_.ExitCode) $($_.Output)" }) -join "`n")
    }

    It 'renewed the pem for the same names with a new key, and said what it switched' {
        $after.Thumbprint | Should -Not -Be $before.Thumbprint
        Get-Names $after | Should -Be (Get-Names $before)
        Get-PublicKeyBase64 $after | Should -Not -Be (Get-PublicKeyBase64 $before)
        $renewed.Count | Should -Be 1
        $renewed[0].Renewed | Should -BeTrue
        $renewed[0].PreviousThumbprint | Should -Be $before.Thumbprint
        $renewed[0].Thumbprint | Should -Be $after.Thumbprint
        $renewed[0].Files | Should -Contain $pem
    }

    It 'renewed it again with -ReuseKey: the same names and the same key, a new certificate' {
        $afterKept.Thumbprint | Should -Not -Be $after.Thumbprint
        Get-Names $afterKept | Should -Be (Get-Names $before)
        Get-PublicKeyBase64 $afterKept | Should -Be (Get-PublicKeyBase64 $after)
        $kept[0].Thumbprint | Should -Be $afterKept.Thumbprint
    }

    It 'is served by HAProxy after each reload, by new workers' {
        $servedAfter | Should -Be $after.Thumbprint
        $servedKept | Should -Be $afterKept.Thumbprint
        $lb.HasExited | Should -BeFalse
        $workersAfter | Should -Not -BeNullOrEmpty
        $workersAfter | Where-Object { $_ -in $workersBefore } | Should -BeNullOrEmpty -Because 'the old worker ended after its requests'
    }
}
