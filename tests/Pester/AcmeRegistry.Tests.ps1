<#
    An ACME certificate from a real pebble, end to end as an operator runs it: issued and exported in
    one pipeline, served by a real docker-registry, trusted by skopeo through certs.d and by curl
    through the Mesos hashed folder after Install-DockerRegistryTrust of pebble's root (fetched from
    pebble's management interface); then renewed in place by the lifecycle cmdlets, which run the order
    again for the same names. The -Acme shorthand is checked under -WhatIf only: no test contacts
    Let's Encrypt.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    . (Join-Path $PSScriptRoot 'AcmePeers.ps1')
    . (Join-Path $PSScriptRoot 'RegistryPeer.ps1')
    . (Join-Path $PSScriptRoot 'Pwsh.ps1')
    $bed = Start-AcmeTestBed -Path (Join-Path $TestDrive 'bed')
    $issuing = Get-AcmeTestRoot $bed
    $account = Join-Path $TestDrive 'account'
    $acme = @{ AcmeDirectory = $bed.Directory; CaCertificatePath = $bed.TlsCa; AccountPath = $account }
    $null = New-DcosAcmeAccount @acme -AcceptTermsOfService

    # Trust checks see only the trust they are given.
    $savedTrust = @{}
    foreach ($name in 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'CURL_CA_BUNDLE') {
        $savedTrust[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }

    function Assert-VerifiesAgainstPebble([string] $File) {
        $out = & openssl verify -CAfile $issuing.Root -untrusted $File $File 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
    }

    # The public key of a certificate file and of a key file, to show that a pair belongs together.
    function Get-PublicKeyText([string] $CertificateFile, [string] $KeyFile) {
        (& openssl x509 -in $CertificateFile -noout -pubkey) -join "`n"
        (& openssl pkey -in $KeyFile -pubout) -join "`n"
    }

    # A one-layer OCI image for skopeo to push.
    function New-OciLayout([string] $Folder) {
        $blobs = Join-Path $Folder 'blobs/sha256'
        $null = New-Item -ItemType Directory -Force $blobs
        function Add-Blob([byte[]] $Bytes) {
            $hex = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($Bytes)).ToLowerInvariant()
            [IO.File]::WriteAllBytes((Join-Path $blobs $hex), $Bytes)
            [ordered]@{ digest = "sha256:$hex"; size = $Bytes.Length }
        }
        $utf8 = [Text.UTF8Encoding]::new($false)
        $config = Add-Blob $utf8.GetBytes('{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[]}}')
        $manifest = Add-Blob $utf8.GetBytes(([ordered]@{
                    schemaVersion = 2; mediaType = 'application/vnd.oci.image.manifest.v1+json'
                    config = [ordered]@{ mediaType = 'application/vnd.oci.image.config.v1+json' } + $config
                    layers = @()
                } | ConvertTo-Json -Compress -Depth 5))
        [IO.File]::WriteAllText((Join-Path $Folder 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
        $index = @{ schemaVersion = 2; manifests = @([ordered]@{ mediaType = 'application/vnd.oci.image.manifest.v1+json' } + $manifest + @{ annotations = @{ 'org.opencontainers.image.ref.name' = '1' } }) }
        [IO.File]::WriteAllText((Join-Path $Folder 'index.json'), ($index | ConvertTo-Json -Compress -Depth 5))
    }
}

AfterAll {
    if ($bed) { Stop-AcmeTestBed $bed }
    foreach ($name in $savedTrust.Keys) { [Environment]::SetEnvironmentVariable($name, $savedTrust[$name]) }
}

Describe 'An ACME certificate served by docker-registry' -Tag Acme, AcmeRegistry, Heavy {
    BeforeAll {
        $work = Join-Path $TestDrive 'registry'
        $agent = Join-Path $TestDrive 'agent'
        $null = New-Item -ItemType Directory -Force $work, (Join-Path $agent 'etc')
        Set-Content -LiteralPath (Join-Path $agent 'etc/os-release') -Value 'ID=debian'
        $port = Get-FreePort
        $registry = "127.0.0.1:$port"

        # What an operator runs: one pipeline from the ACME CA to the files the registry reads. The
        # address is an IP identifier, proved (like the name) by pebble fetching the answer over HTTP.
        New-DcosCertificate @acme -CommonName registry.acme.test -IPAddress 127.0.0.1 -HttpPort $bed.HttpPort -HttpListenAddress 127.0.0.1 |
            Export-DcosCertificate -Path (Join-Path $work 'registry.crt')

        $server = Start-TestRegistry -Folder $work -Port $port -CertificateFile (Join-Path $work 'registry.crt') -KeyFile (Join-Path $work 'registry.key')
        Register-AcmeTestProcess $server
        $certDir = Join-Path $agent "etc/docker/certs.d/$registry"
        $capath = Join-Path $agent 'var/lib/dcos/pki/tls/certs'
        New-OciLayout (Join-Path $work 'image')
    }

    AfterAll {
        if ($server -and -not $server.HasExited) { Stop-Process -Id $server.Id -Force; $server.WaitForExit(5000) | Out-Null }
    }

    It 'issued the certificate for the name and the address, with the chain, and a key file 0600' {
        $crt = Join-Path $work 'registry.crt'
        Assert-VerifiesAgainstPebble $crt
        (& openssl x509 -in $crt -noout -ext subjectAltName) -join ' ' | Should -Match 'DNS:registry\.acme\.test.*IP Address:127\.0\.0\.1'
        [regex]::Matches((Get-Content -Raw $crt), 'BEGIN CERTIFICATE').Count | Should -Be 2 -Because 'the leaf is followed by pebble''s intermediate'
        [Convert]::ToString([int](Get-Item (Join-Path $work 'registry.key')).UnixFileMode, 8) | Should -Be '600'
        $keys = Get-PublicKeyText $crt (Join-Path $work 'registry.key')
        $keys[0] | Should -Be $keys[1]
    }

    It 'is refused by skopeo and curl before pebble''s root is trusted' {
        $null = New-Item -ItemType Directory -Force (Join-Path $TestDrive 'empty-certs')
        $out = & skopeo copy --insecure-policy --dest-cert-dir (Join-Path $TestDrive 'empty-certs') "oci:$(Join-Path $work 'image'):1" "docker://$registry/acme/app:1" 2>&1
        $LASTEXITCODE | Should -Not -Be 0
        ($out -join ' ') | Should -Match 'x509|certificate'
        & curl -sS --max-time 10 --capath (Join-Path $TestDrive 'empty-certs') -o /dev/null "https://$registry/v2/" 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 60
    }

    It 'is served to skopeo and to curl --capath after Install-DockerRegistryTrust of pebble''s root' {
        $installed = Import-DcosCertificate -Path $issuing.Root | Install-DockerRegistryTrust -Registry $registry -Target Docker, Mesos -Root $agent
        @($installed).Count | Should -BeGreaterOrEqual 2
        $push = & skopeo copy --insecure-policy --dest-cert-dir $certDir "oci:$(Join-Path $work 'image'):1" "docker://$registry/acme/app:1" 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($push -join "`n")
        $digest = & skopeo inspect --cert-dir $certDir --format '{{.Digest}}' "docker://$registry/acme/app:1" 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($digest -join "`n")
        $digest | Should -Match '^sha256:'
        $code = & curl -sS --max-time 10 --capath $capath -o /dev/null -w '%{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' "https://$registry/v2/acme/app/manifests/1" 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($code -join "`n")
        $code | Should -Be '200'
    }
}

Describe 'IP identifiers' -Tag Acme, AcmeRegistry, Heavy {
    It 'refuses an IP address with DNS-01 before anything is sent, naming it and the way out' {
        $verbose = New-DcosCertificate @acme -CommonName ipdns.acme.test -IPAddress 127.0.0.1 -DnsServer "127.0.0.1:$($bed.DnsPort)" -TsigKeyFile $bed.TsigKeyFile `
            -Verbose -ErrorVariable err -ErrorAction SilentlyContinue 4>&1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidCertificateRequest,IPAddress*'
        "$($err[0])" | Should -Match '127\.0\.0\.1.*HTTP-01.*-WebRoot or -HttpPort'
        @($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'ACME: (POST|HEAD|GET)' }) | Should -BeNullOrEmpty
    }
}

Describe 'Renewing an ACME certificate with the lifecycle cmdlets' -Tag Acme, AcmeRegistry, Heavy {
    BeforeAll {
        $root = Join-Path $TestDrive 'daemon'
        $null = New-Item -ItemType Directory -Force $root
        $pebbleRoot = Import-DcosCertificate -Path $issuing.Root
        $first = New-DcosCertificate @acme -CommonName dockerd.acme.test -DnsName docker.acme.test -DnsServer "127.0.0.1:$($bed.DnsPort)" -TsigKeyFile $bed.TsigKeyFile
        Set-DockerDaemonTls -Root $root -CaCertificate $pebbleRoot -Certificate $first
        $certFile = Join-Path $root 'etc/docker/tls/server-cert.pem'
        $keyFile = Join-Path $root 'etc/docker/tls/server-key.pem'
    }

    It 'leaves a certificate that is not due alone, without contacting the CA' {
        $row = Update-DockerDaemonCertificate -Root $root -AcmeDirectory 'https://127.0.0.1:9/dir' -DnsServer "127.0.0.1:$($bed.DnsPort)" -TsigKeyFile $bed.TsigKeyFile -RenewWithin 0 -PassThru
        $row.Renewed | Should -BeFalse
        $row.Thumbprint | Should -Be $first.Thumbprint
    }

    It 'runs the order again for the same names (DNS-01), with a new key of the same type, and switches the pair' {
        $oldKey = Get-Content -Raw $keyFile
        # 36500 days: due now, so the renewal runs as it would 30 days before expiry, without -Force.
        $row = Update-DockerDaemonCertificate -Root $root @acme -DnsServer "127.0.0.1:$($bed.DnsPort)" -TsigKeyFile $bed.TsigKeyFile -RenewWithin 36500 -Contact renewals@example.com -PassThru
        $row.Renewed | Should -BeTrue
        (Get-DcosAcmeAccount @acme).Contact | Should -Be 'renewals@example.com' -Because '-Contact updates the account the renewal used'
        $row.PreviousThumbprint | Should -Be $first.Thumbprint
        $row.Thumbprint | Should -Not -Be $first.Thumbprint
        $renewed = Import-DcosCertificate -Path $certFile -KeyPath $keyFile
        $renewed.Thumbprint | Should -Be $row.Thumbprint
        @($renewed.DnsNames | Sort-Object) | Should -Be @('docker.acme.test', 'dockerd.acme.test')
        $renewed.KeyAlgorithm | Should -Be $first.KeyAlgorithm
        $renewed.KeySize | Should -Be $first.KeySize
        Get-Content -Raw $keyFile | Should -Not -Be $oldKey
        $keys = Get-PublicKeyText $certFile $keyFile
        $keys[0] | Should -Be $keys[1]
        Assert-VerifiesAgainstPebble $certFile
        Get-AcmeZoneTxt $bed _acme-challenge.dockerd.acme.test | Should -BeNullOrEmpty
    }

    It 'renews an RSA certificate over HTTP-01 as RSA of the same size, the client pair too' {
        $client = Join-Path $TestDrive 'client'
        $rsa = New-DcosCertificate @acme -CommonName operator.acme.test -KeyAlgorithm RSA -KeySize 3072 -Usage Client -HttpPort $bed.HttpPort -HttpListenAddress 127.0.0.1
        $null = Install-DockerClientCertificate -Path $client -CaCertificate $pebbleRoot -Certificate $rsa
        $row = Update-DockerClientCertificate -Path $client @acme -HttpPort $bed.HttpPort -HttpListenAddress 127.0.0.1 -Force -PassThru
        $row.Renewed | Should -BeTrue
        $renewed = Import-DcosCertificate -Path (Join-Path $client 'cert.pem') -KeyPath (Join-Path $client 'key.pem')
        $renewed.Thumbprint | Should -Be $row.Thumbprint
        $renewed.KeyAlgorithm | Should -Be 'RSA'
        $renewed.KeySize | Should -Be 3072
        $keys = Get-PublicKeyText (Join-Path $client 'cert.pem') (Join-Path $client 'key.pem')
        $keys[0] | Should -Be $keys[1]
        Assert-VerifiesAgainstPebble (Join-Path $client 'cert.pem')
    }

    It 'keeps the old pair when the order fails, and says which record and why' {
        $before = Get-FileHash $certFile
        $wrong = ConvertTo-SecureString ([Convert]::ToBase64String([byte[]]::new(32))) -AsPlainText -Force
        { Update-DockerDaemonCertificate -Root $root @acme -DnsServer "127.0.0.1:$($bed.DnsPort)" -TsigKeyName $bed.TsigKeyName -TsigSecret $wrong -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'DnsUpdateNotAuthorized,DcosTls.Cmdlets.UpdateDockerDaemonCertificateCommand' -ExpectedMessage '*_acme-challenge.docker*.acme.test*BADSIG*'
        (Get-FileHash $certFile).Hash | Should -Be $before.Hash
    }
}

Describe 'The -Acme shorthand' -Tag Acme, AcmeRegistry, Heavy {
    It 'maps LetsEncrypt and LetsEncryptStaging to their directories, shown under -WhatIf, issuing and renewing nothing' {
        # One child pwsh, so that the What if lines are read as a user sees them.
        $manifest = (Resolve-Path (Join-Path $PSScriptRoot '../../DcosTls.psd1')).Path
        $folder = Join-Path $TestDrive 'whatif'
        $root = Join-Path $TestDrive 'whatif-daemon'
        $null = New-Item -ItemType Directory -Force $folder, $root
        $ca = New-TlsCertificateAuthority -CommonName 'WhatIf CA' -KeyAlgorithm ECDSA
        Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate (New-DcosCertificate -Issuer $ca -CommonName registry.example.com -KeyAlgorithm ECDSA -ValidDays 5)
        $before = (Get-FileHash (Join-Path $root 'etc/docker/tls/server-cert.pem')).Hash
        $command = "Import-Module '$manifest'; " +
            "`$a = New-DcosCertificate -Acme LetsEncrypt -AccountPath '$folder' -CommonName prod.example.com -HttpPort 8080 -WhatIf; " +
            "`$b = New-DcosCertificate -Acme LetsEncryptStaging -AccountPath '$folder' -CommonName staging.example.com -HttpPort 8080 -WhatIf; " +
            "`$c = Update-DockerDaemonCertificate -Root '$root' -Acme LetsEncrypt -AccountPath '$folder' -HttpPort 8080 -Force -PassThru -WhatIf; " +
            "`$d = New-DcosAcmeAccount -Acme LetsEncryptStaging -AccountPath '$folder' -AcceptTermsOfService -WhatIf; " +
            "'ROWS=' + @(`$a; `$b; `$c; `$d).Count"
        $lines = Invoke-ChildPwsh -ArgumentList '-Command', $command
        $text = $lines -join "`n"
        @($lines -match '^What if: .*Issue certificate \(ACME https://acme-v02\.api\.letsencrypt\.org/directory,.*on target "prod\.example\.com"').Count | Should -Be 1 -Because $text
        @($lines -match '^What if: .*Issue certificate \(ACME https://acme-staging-v02\.api\.letsencrypt\.org/directory,.*on target "staging\.example\.com"').Count | Should -Be 1 -Because $text
        @($lines -match '^What if: .*Renew .*from the ACME https://acme-v02\.api\.letsencrypt\.org/directory,.*server-cert\.pem').Count | Should -Be 1 -Because $text
        @($lines -match '^What if: .*Create an ACME account .*on target "https://acme-staging-v02\.api\.letsencrypt\.org/directory"').Count | Should -Be 1 -Because $text
        $lines | Should -Contain 'ROWS=0'
        @(Get-ChildItem -Force $folder) | Should -BeNullOrEmpty -Because 'no account is created under -WhatIf'
        (Get-FileHash (Join-Path $root 'etc/docker/tls/server-cert.pem')).Hash | Should -Be $before
    }

    It 'cannot be given with -AcmeDirectory' {
        { New-DcosCertificate -Acme LetsEncrypt -AcmeDirectory https://127.0.0.1:9/dir -CommonName x.example.com -HttpPort 8080 -WhatIf } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,DcosTls.Cmdlets.NewDcosCertificateCommand'
        { Update-DockerDaemonCertificate -Acme LetsEncrypt -AcmeDirectory https://127.0.0.1:9/dir -Root $TestDrive -HttpPort 8080 -WhatIf } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,DcosTls.Cmdlets.UpdateDockerDaemonCertificateCommand'
        { New-DcosAcmeAccount -Acme LetsEncrypt -AcmeDirectory https://127.0.0.1:9/dir -WhatIf } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,DcosTls.Cmdlets.NewDcosAcmeAccountCommand'
        (Get-Command New-DcosCertificate).ParameterSets.Name | Should -Contain 'AcmeNamed'
        @((Get-Command Get-DcosAcmeAccount).ParameterSets.Name | Sort-Object) | Should -Be @('Directory', 'Named')
        (Get-Command New-DcosCertificate).Parameters['Acme'].ParameterSets.Keys | Should -Not -Contain 'Acme'
    }
}

Describe 'rateLimited answers' -Tag Acme, AcmeRegistry {
    # pebble never rate-limits, so this one test talks to a tiny stand-in written here (python's
    # http.server over TLS with pebble's TLS certificate): a directory, nonces, and a newAccount that
    # answers rateLimited twice, first with Retry-After 1 s, then with 2 hours.
    BeforeAll {
        $standIn = Join-Path $TestDrive 'ratelimit.py'
        Set-Content -LiteralPath $standIn -Value @'
import http.server, json, ssl, sys
port, cert, key, log = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
base = "https://127.0.0.1:%d" % port
answers = iter(["1", "7200"])
class Handler(http.server.BaseHTTPRequestHandler):
    def reply(self, status, body, headers={}):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Replay-Nonce", "nonce-%d" % id(data))
        for k, v in headers.items(): self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        self.reply(200, {"newNonce": base + "/nonce", "newAccount": base + "/account", "newOrder": base + "/order"})
    def do_HEAD(self):
        self.send_response(200); self.send_header("Replay-Nonce", "nonce-head"); self.end_headers()
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        wait = next(answers, "7200")
        with open(log, "a") as f: f.write("POST %s Retry-After %s\n" % (self.path, wait))
        self.reply(429, {"type": "urn:ietf:params:acme:error:rateLimited", "detail": "too many new accounts from this address"},
                   {"Retry-After": wait, "Content-Type": "application/problem+json"})
    def log_message(self, *args): pass
server = http.server.HTTPServer(("127.0.0.1", port), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
'@
        $port = Get-AcmeFreePort
        $posts = Join-Path $TestDrive 'ratelimit.log'
        $tls = Join-Path $bed.Path 'tls'
        $process = Start-Process python3 -ArgumentList $standIn, $port, (Join-Path $tls 'server.pem'), (Join-Path $tls 'server-key.pem'), $posts -PassThru `
            -RedirectStandardError (Join-Path $TestDrive 'ratelimit.err')
        Register-AcmeTestProcess $process
        Wait-AcmeTcpPort $port
    }

    AfterAll {
        if ($process -and -not $process.HasExited) { Stop-Process -Id $process.Id -Force; $process.WaitForExit(5000) | Out-Null }
    }

    It 'waits out a short Retry-After, then stops with the problem and how long to wait' {
        $folder = Join-Path $TestDrive 'limited'
        $output = New-DcosAcmeAccount -AcmeDirectory "https://127.0.0.1:$port/dir" -CaCertificatePath $bed.TlsCa -AccountPath $folder -AcceptTermsOfService `
            -Verbose -ErrorVariable err -ErrorAction SilentlyContinue 4>&1
        @($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'rateLimited .*waiting 1 s' }) | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'AcmeRateLimited*'
        $err[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
        $err[0].Exception.ProblemType | Should -Be 'urn:ietf:params:acme:error:rateLimited'
        $err[0].Exception.RetryAfter | Should -Be ([TimeSpan]::FromHours(2))
        "$($err[0])" | Should -Match 'too many new accounts'
        "$($err[0])" | Should -Match '120 minute'
        @(Get-Content $posts) | Should -Be @('POST /account Retry-After 1', 'POST /account Retry-After 7200')
        @(Get-ChildItem -Force $folder) | Should -BeNullOrEmpty -Because 'the server made no account, so no account key stays'
    }
}
