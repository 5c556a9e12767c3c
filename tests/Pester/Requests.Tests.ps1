<#
    Certificate requests and two-tier local PKIs, as an operator uses them in real pwsh: an
    intermediate CA under an offline root, its chain in the exported files, a real docker-registry
    serving leaf + intermediate to clients that trust only the root; CSRs from openssl req signed by
    local CAs and checked with openssl verify; bad CSRs refused with stable error ids.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force

    # Runs a native tool with no inherited trust settings, so that only the trust given on the
    # command line counts. Returns exit code and combined output.
    function Invoke-Untrusted([string] $Tool, [string[]] $Arguments) {
        $saved = @{}
        foreach ($name in 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'CURL_CA_BUNDLE', 'REQUESTS_CA_BUNDLE') {
            $saved[$name] = [Environment]::GetEnvironmentVariable($name)
            [Environment]::SetEnvironmentVariable($name, $null)
        }
        try {
            $output = & $Tool @Arguments 2>&1 | Out-String
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output }
        }
        finally {
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
    }

    function Get-FreePort {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
    }

    # A docker-registry on 127.0.0.1 serving the given certificate file (leaf then chain) and key.
    function Start-Registry([string] $Folder, [string] $CertificateFile, [string] $KeyFile) {
        $port = Get-FreePort
        New-Item -ItemType Directory -Path $Folder -Force | Out-Null
        $config = Join-Path $Folder 'config.yml'
        Set-Content -LiteralPath $config -Value @"
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $(Join-Path $Folder 'storage')
http:
  addr: 127.0.0.1:$port
  secret: requests-test-not-secret
  tls:
    certificate: $CertificateFile
    key: $KeyFile
"@
        $process = Start-Process -FilePath docker-registry -ArgumentList 'serve', $config -PassThru `
            -RedirectStandardOutput (Join-Path $Folder 'out.log') -RedirectStandardError (Join-Path $Folder 'err.log')
        $deadline = [DateTime]::UtcNow.AddSeconds(15)
        while ([DateTime]::UtcNow -lt $deadline) {
            if ($process.HasExited) { throw "docker-registry exited: $(Get-Content -Raw (Join-Path $Folder 'err.log'))" }
            $client = [System.Net.Sockets.TcpClient]::new()
            try { $client.Connect('127.0.0.1', $port); return [pscustomobject]@{ Process = $process; Port = $port } }
            catch { Start-Sleep -Milliseconds 100 }
            finally { $client.Dispose() }
        }
        Stop-Process -Id $process.Id -ErrorAction SilentlyContinue
        throw 'docker-registry did not listen within 15 s'
    }
}

Describe 'A two-tier local PKI' -Tag Requests {
    BeforeAll {
        $root = New-TlsCertificateAuthority -CommonName 'Requests Root CA' -KeyAlgorithm ECDSA -ValidDays 3650
        $intermediate = New-TlsCertificateAuthority -CommonName 'Requests Issuing CA' -KeyAlgorithm ECDSA -Issuer $root -ValidDays 730
        $leaf = New-DcosCertificate -Issuer $intermediate -CommonName localhost -DnsName localhost -IPAddress 127.0.0.1 -KeyAlgorithm ECDSA
    }

    It 'makes an intermediate CA with path length 0, keyCertSign and cRLSign, signed by the root' {
        $intermediate.IsCertificateAuthority | Should -BeTrue
        $intermediate.Issuer | Should -Be $root.Subject
        $text = $intermediate.CertificatePem | openssl x509 -noout -text | Out-String
        $text | Should -Match 'CA:TRUE, pathlen:0'
        $text | Should -Match 'Certificate Sign, CRL Sign'
        @($intermediate.Chain).Count | Should -Be 1
        $intermediate.Chain[0].Thumbprint | Should -Be $root.Thumbprint
    }

    It 'does not let an intermediate outlive its root' {
        $shortRoot = New-TlsCertificateAuthority -CommonName 'Short Root' -KeyAlgorithm ECDSA -ValidDays 10
        $long = New-TlsCertificateAuthority -CommonName 'Long Intermediate' -KeyAlgorithm ECDSA -Issuer $shortRoot -ValidDays 3650
        $long.NotAfter | Should -BeLessOrEqual $shortRoot.NotAfter
    }

    It 'refuses a second intermediate under a path-length-0 intermediate (IssuerPathLength) and makes nothing' {
        $made = New-TlsCertificateAuthority -CommonName 'Too Deep' -KeyAlgorithm ECDSA -Issuer $intermediate -ErrorVariable problems -ErrorAction SilentlyContinue
        $made | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'InvalidCertificateRequest,Issuer,*'
        $problems[0].Exception.Message | Should -Match 'path length 0'
    }

    It 'gives leaves the chain intermediate then root, and openssl verify accepts it with the root as the only anchor' {
        @($leaf.Chain.Thumbprint) | Should -Be @($intermediate.Thumbprint, $root.Thumbprint)
        $folder = Join-Path $TestDrive 'chain'
        New-Item -ItemType Directory $folder | Out-Null
        $leaf | Export-DcosCertificate -Path (Join-Path $folder 'server.crt')
        $root | Export-DcosCertificate -Path (Join-Path $folder 'root.crt') -NoKey
        Set-Content -LiteralPath (Join-Path $folder 'intermediate.crt') -Value $intermediate.CertificatePem -NoNewline
        # Export order: the leaf first, then the intermediate, then the root.
        $blocks = [regex]::Matches((Get-Content -Raw (Join-Path $folder 'server.crt')), '(?s)-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----') | ForEach-Object Value
        $blocks.Count | Should -Be 3
        ($blocks[0] + "`n") | Should -Be $leaf.CertificatePem
        ($blocks[1] + "`n") | Should -Be $intermediate.CertificatePem
        $verify = Invoke-Untrusted openssl @('verify', '-CAfile', (Join-Path $folder 'root.crt'), '-untrusted', (Join-Path $folder 'intermediate.crt'), (Join-Path $folder 'server.crt'))
        $verify.Output | Should -Match ': OK'
        $verify.ExitCode | Should -Be 0
    }

    Context 'a real docker-registry serving leaf and intermediate' {
        BeforeAll {
            $folder = Join-Path $TestDrive 'registry'
            New-Item -ItemType Directory $folder | Out-Null
            $leaf | Export-DcosCertificate -Path (Join-Path $folder 'server.crt')
            $registry = Start-Registry -Folder $folder -CertificateFile (Join-Path $folder 'server.crt') -KeyFile (Join-Path $folder 'server.key')
            $agent = Join-Path $TestDrive 'agent'
            $root | Install-DockerRegistryTrust -Registry "127.0.0.1:$($registry.Port)" -Target Docker, Mesos -Root $agent
        }
        AfterAll {
            if ($registry) { Stop-Process -Id $registry.Process.Id -ErrorAction SilentlyContinue; $registry.Process.WaitForExit(10000) | Out-Null }
        }

        It 'is reached by curl --capath trusting only the root (the Mesos hashed folder)' {
            $capath = Join-Path $agent 'var/lib/dcos/pki/tls/certs'
            @(Get-ChildItem $capath -File | Where-Object Name -NotMatch '^[0-9a-f]{8}\.\d+$').Count | Should -Be 1
            $answer = Invoke-Untrusted curl @('-sS', '--capath', $capath, '-o', '/dev/null', '-w', '%{http_code}', "https://127.0.0.1:$($registry.Port)/v2/")
            $answer.Output.Trim() | Should -Be '200'
        }

        It 'is reached by skopeo with the certs.d folder install wrote (root only)' {
            $certDir = Join-Path $agent "etc/docker/certs.d/127.0.0.1:$($registry.Port)"
            @(Get-ChildItem $certDir -File).Count | Should -Be 1
            $answer = Invoke-Untrusted skopeo @('list-tags', '--cert-dir', $certDir, "docker://127.0.0.1:$($registry.Port)/nothing")
            # An empty registry answers the tag list with 404: the TLS handshake and the request succeeded.
            $answer.Output | Should -Not -Match 'x509|certificate'
            $answer.Output | Should -Match '\b404\b|NAME_UNKNOWN'
        }

        It 'is refused by curl trusting only an unrelated root' {
            $other = New-TlsCertificateAuthority -CommonName 'Unrelated Root' -KeyAlgorithm ECDSA
            $otherDir = Join-Path $TestDrive 'other-trust'
            $other | Install-DockerRegistryTrust -Target Mesos -Root $otherDir
            $answer = Invoke-Untrusted curl @('-sS', '--capath', (Join-Path $otherDir 'var/lib/dcos/pki/tls/certs'), "https://127.0.0.1:$($registry.Port)/v2/")
            $answer.ExitCode | Should -Be 60
        }
    }
}
