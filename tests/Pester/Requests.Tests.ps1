<#
    Certificate requests and two-tier local PKIs, as an operator uses them in real pwsh: an
    intermediate CA under an offline root, its chain in the exported files, a real docker-registry
    serving leaf + intermediate to clients that trust only the root; CSRs from openssl req signed by
    local CAs and checked with openssl verify; bad CSRs refused with stable error ids.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    . (Join-Path $PSScriptRoot 'Pwsh.ps1')

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

    . (Join-Path $PSScriptRoot 'RegistryPeer.ps1')

    # A docker-registry on a free port serving the given certificate file (leaf then chain) and key.
    function Start-Registry([string] $Folder, [string] $CertificateFile, [string] $KeyFile) {
        $port = Get-FreePort
        [pscustomobject]@{ Process = (Start-TestRegistry -Folder $Folder -Port $port -CertificateFile $CertificateFile -KeyFile $KeyFile); Port = $port }
    }
}

Describe 'A two-tier local PKI' -Tag Requests, Heavy {
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

Describe 'Requests made elsewhere, signed by local CAs' -Tag Requests, Heavy {
    BeforeAll {
        $root = New-TlsCertificateAuthority -CommonName 'Requests CSR Root' -KeyAlgorithm ECDSA
        $issuing = New-TlsCertificateAuthority -CommonName 'Requests CSR Issuing' -KeyAlgorithm ECDSA -Issuer $root
        $work = Join-Path $TestDrive 'csr'
        New-Item -ItemType Directory $work | Out-Null
        $rootFile = Join-Path $work 'root.crt'
        $root | Export-DcosCertificate -Path $rootFile -NoKey
        $issuingFile = Join-Path $work 'issuing.crt'
        Set-Content -LiteralPath $issuingFile -Value $issuing.CertificatePem -NoNewline

        # openssl req: a new key and a request; returns the request's path.
        function New-OpensslRequest([string] $Name, [string[]] $KeyOptions, [string] $Subject, [string[]] $Extra = @()) {
            $csr = Join-Path $work "$Name.csr"
            $out = & openssl req -new @KeyOptions -nodes -keyout (Join-Path $work "$Name.key") -out $csr -subj $Subject @Extra 2>&1
            if ($LASTEXITCODE -ne 0) { throw "openssl req failed: $out" }
            $csr
        }
    }

    It 'signs an openssl req <Name> request with <Issuer>, keeping its names and key, and openssl verify accepts the chain' -ForEach @(
        @{ Name = 'rsa-sans'; KeyOptions = @('-newkey', 'rsa:2048'); Subject = '/CN=rsa.example.test'; Extra = @('-addext', 'subjectAltName=DNS:rsa.example.test,DNS:alt.example.test,IP:127.0.0.1'); Dns = @('rsa.example.test', 'alt.example.test'); Ip = @('127.0.0.1'); Issuer = 'intermediate' }
        @{ Name = 'rsa-plain'; KeyOptions = @('-newkey', 'rsa:3072'); Subject = '/O=Example/CN=plain.example.test'; Extra = @(); Dns = @(); Ip = @(); Issuer = 'root' }
        @{ Name = 'ec-sans'; KeyOptions = @('-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'); Subject = '/CN=ec.example.test'; Extra = @('-addext', 'subjectAltName=DNS:ec.example.test'); Dns = @('ec.example.test'); Ip = @(); Issuer = 'intermediate' }
        @{ Name = 'ec384-plain'; KeyOptions = @('-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'); Subject = '/CN=ec384.example.test'; Extra = @(); Dns = @(); Ip = @(); Issuer = 'root' }
    ) {
        $csr = New-OpensslRequest $Name $KeyOptions $Subject $Extra
        $request = Import-DcosCertificateRequest $csr
        $request.HasPrivateKey | Should -BeFalse
        @($request.DnsNames) | Should -Be $Dns
        $ca = if ($Issuer -eq 'root') { $root } else { $issuing }
        $cert = $request | New-DcosCertificate -Issuer $ca
        $cert.HasPrivateKey | Should -BeFalse
        $cert.Subject | Should -Be $request.Subject
        @($cert.DnsNames) | Should -Be $Dns
        @($cert.IPAddresses) | Should -Be $Ip
        $cert.ExtendedKeyUsages | Should -Contain 'serverAuth'
        $certFile = Join-Path $work "$Name.crt"
        $cert | Export-DcosCertificate -Path $certFile
        Test-Path (Join-Path $work "$Name.key.new") | Should -BeFalse
        # The certificate carries the key of the openssl-made key file.
        (& openssl x509 -in $certFile -noout -pubkey | Out-String) | Should -Be (& openssl pkey -in (Join-Path $work "$Name.key") -pubout | Out-String)
        $verify = Invoke-Untrusted openssl @('verify', '-CAfile', $rootFile, '-untrusted', $issuingFile, $certFile)
        $verify.Output | Should -Match ': OK'
    }

    It 'reads a DER request (openssl req -outform DER) and a cfssl genkey request' {
        $der = Join-Path $work 'der.csr'
        & openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout (Join-Path $work 'der.key') -outform DER -out $der -subj '/CN=der.example.test' 2>&1 | Out-Null
        (Import-DcosCertificateRequest $der).CommonName | Should -Be 'der.example.test'
        Set-Content -LiteralPath (Join-Path $work 'cfssl.json') -Value '{"CN":"cfssl.example.test","hosts":["cfssl.example.test","127.0.0.2"],"key":{"algo":"ecdsa","size":256}}'
        Push-Location $work
        try { & sh -c 'cfssl genkey cfssl.json 2>/dev/null | cfssljson -bare cfssl' } finally { Pop-Location }
        $request = Import-DcosCertificateRequest (Join-Path $work 'cfssl.csr')
        @($request.DnsNames) | Should -Be @('cfssl.example.test')
        @($request.IPAddresses) | Should -Be @('127.0.0.2')
        $cert = $request | New-DcosCertificate -Issuer $issuing -Usage ServerAndClient
        $cert.ExtendedKeyUsages | Should -Be @('serverAuth', 'clientAuth')
        @($cert.IPAddresses) | Should -Be @('127.0.0.2')
    }

    It 'shows the request''s names and key under -WhatIf and signs nothing' {
        $csr = New-OpensslRequest 'whatif' @('-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256') '/CN=whatif.example.test' @('-addext', 'subjectAltName=DNS:whatif.example.test,IP:10.0.0.9')
        $manifest = (Resolve-Path (Join-Path $PSScriptRoot '../../DcosTls.psd1')).Path
        $command = "Import-Module '$manifest'; `$ca = New-TlsCertificateAuthority -CommonName W -KeyAlgorithm ECDSA; `$out = Import-DcosCertificateRequest '$csr' | New-DcosCertificate -Issuer `$ca -WhatIf; 'ROWS=' + @(`$out).Count"
        $lines = (Invoke-ChildPwsh -ArgumentList '-Command', $command) -join ' '
        $lines | Should -Match 'What if:'
        $lines | Should -Match 'CN=whatif\.example\.test'
        $lines | Should -Match 'DNS whatif\.example\.test; IP 10\.0\.0\.9; key ECDSA 256'
        $lines | Should -Match "Sign certificate request \(local CA 'W'\)"
        $lines | Should -Match 'ROWS=0'
    }

    Context 'bad requests' {
        BeforeAll {
            $good = New-OpensslRequest 'good' @('-newkey', 'rsa:2048') '/CN=good.example.test' @('-outform', 'DER')
            $bytes = [IO.File]::ReadAllBytes($good)
            $bytes[$bytes.Length - 1] = $bytes[$bytes.Length - 1] -bxor 0x01
            $tampered = Join-Path $work 'tampered.der'
            [IO.File]::WriteAllBytes($tampered, $bytes)
            $weak = New-OpensslRequest 'weak' @('-newkey', 'rsa:1024') '/CN=weak.example.test'
            $askCa = New-OpensslRequest 'askca' @('-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256') '/CN=ca.example.test' @('-addext', 'basicConstraints=critical,CA:TRUE')
            $noNames = New-OpensslRequest 'nonames' @('-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256') '/O=Example Only'
            $certificate = Join-Path $work 'issuing.crt'
            $garbage = Join-Path $work 'garbage.csr'
            Set-Content -LiteralPath $garbage -Value 'this is not a request'
            $headless = Join-Path $work 'headless.csr'
            Set-Content -LiteralPath $headless -Value ((Get-Content (Join-Path $work 'weak.csr') | Where-Object { $_ -notlike '-----*' }) -join "`n")
            $keyFile = Join-Path $work 'weak.key'
            $cases = @{
                tampered = @($tampered, 'CertificateRequestSignatureInvalid', 'does not verify')
                weak     = @($weak, 'CertificateRequestWeakKey', 'RSA 1024-bit')
                askCa    = @($askCa, 'CertificateRequestAsksForCa', 'CA:TRUE')
                noNames  = @($noNames, 'CertificateRequestNoNames', 'names nothing')
                cert     = @($certificate, 'CertificateRequestIsCertificate', 'a certificate, not a certificate request')
                key      = @($keyFile, 'CertificateRequestIsKey', 'private key')
                garbage  = @($garbage, 'CertificateRequestUnreadable', 'neither a PEM')
                headless = @($headless, 'CertificateRequestUnreadable', 'without the')
            }
        }

        It 'refuses the <_> request with a stable error id naming the problem, and nothing is signed' -ForEach 'tampered', 'weak', 'askCa', 'noNames', 'cert', 'key', 'garbage', 'headless' {
            $file, $id, $text = $cases[$_]
            $signed = Import-DcosCertificateRequest $file -ErrorVariable problems -ErrorAction SilentlyContinue | New-DcosCertificate -Issuer $issuing
            $signed | Should -BeNullOrEmpty
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -Be "$id,DcosTls.Cmdlets.ImportDcosCertificateRequestCommand"
            $problems[0].Exception.Message | Should -BeLike "*$text*"
            $problems[0].Exception.Message | Should -BeLike "*$file*"
        }

        It 'reads the good files of a batch and reports only the bad one' {
            $read = @(Import-DcosCertificateRequest (Join-Path $work 'rsa-sans.csr'), $weak, $good -ErrorVariable problems -ErrorAction SilentlyContinue)
            $read.Count | Should -Be 2
            $problems.Count | Should -Be 1
        }
    }
}

Describe 'Requests other tools wrote badly, and requests named only by their alternative names' -Tag Requests, RequestBatch, Heavy {
    BeforeAll {
        $ca = New-TlsCertificateAuthority -CommonName 'Requests Batch CA' -KeyAlgorithm ECDSA
        $work = Join-Path $TestDrive 'batch'
        New-Item -ItemType Directory $work | Out-Null

        # A request written with .NET, which writes what openssl will not: any subject text, any SAN bytes.
        function Write-Request([string] $Name, [string] $CommonName, [byte[]] $San) {
            $key = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
            $subject = [System.Security.Cryptography.X509Certificates.X500DistinguishedNameBuilder]::new()
            $subject.AddOrganizationName('Example')
            if ($CommonName) { $subject.AddCommonName($CommonName) }
            $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new($subject.Build(), $key, [System.Security.Cryptography.HashAlgorithmName]::SHA256)
            if ($San) { $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509Extension]::new('2.5.29.17', $San, $false)) }
            $path = Join-Path $work "$Name.csr"
            Set-Content -LiteralPath $path -Value $request.CreateSigningRequestPem() -NoNewline
            $path
        }
        # GeneralNames (a DER SEQUENCE) of one dNSName [2] or iPAddress [7] with the given content bytes.
        function San([byte] $Tag, [byte[]] $Content) { [byte[]](@(0x30, ($Content.Length + 2), $Tag, $Content.Length) + $Content) }
    }

    It 'reads every good file of a batch and gives each malformed one its own id, category and file name' {
        $empty = Join-Path $work 'empty.csr'
        [IO.File]::WriteAllBytes($empty, [byte[]]@())
        $files = @(
            Write-Request 'good1' 'good1.example.test'
            $empty
            Write-Request 'ip5' 'ip5.example.test' (San 0x87 ([byte[]](10, 0, 0, 1, 5)))
            Write-Request 'good2' 'good2.example.test' (San 0x82 ([Text.Encoding]::ASCII.GetBytes('good2.example.test')))
            Write-Request 'utf8' 'utf8.example.test' (San 0x82 ([Text.Encoding]::UTF8.GetBytes('bücher.example.test')))
            Write-Request 'broken' 'broken.example.test' ([byte[]](0x30, 0x05, 0x82))
            Write-Request 'escape' "x`e[2J`e[HWARNING: forged"
            Write-Request 'good3' 'good3.example.test'
        )
        try {
            $read = @(Import-DcosCertificateRequest $files -ErrorVariable problems -ErrorAction SilentlyContinue)
        }
        catch {
            throw "a bad file ended the batch: $($_.FullyQualifiedErrorId): $_"
        }
        @($read.CommonName) | Should -Be @('good1.example.test', 'good2.example.test', 'good3.example.test')
        $expected = @(
            ,@($empty, 'CertificateRequestUnreadable', 'is empty')
            ,@($files[2], 'CertificateRequestNameInvalid', '5 bytes')
            ,@($files[4], 'CertificateRequestNameInvalid', "'b\xC3\xBCcher.example.test'")
            ,@($files[5], 'CertificateRequestMalformed', 'subjectAltName')
            ,@($files[6], 'CertificateRequestNameInvalid', 'x\u001B[2J\u001B[HWARNING: forged')
        )
        $problems.Count | Should -Be $expected.Count
        for ($i = 0; $i -lt $expected.Count; $i++) {
            $file, $id, $text = $expected[$i]
            $problems[$i].FullyQualifiedErrorId | Should -Be "$id,DcosTls.Cmdlets.ImportDcosCertificateRequestCommand"
            $problems[$i].CategoryInfo.Category | Should -Be 'InvalidData'
            $problems[$i].Exception.Message | Should -BeLike "*$file*"
            $problems[$i].Exception.Message.Contains($text) | Should -BeTrue -Because $problems[$i].Exception.Message
            $problems[$i].Exception.Message | Should -Not -Match '[\x00-\x1f\x7f-\x9f]'
        }
    }

    It 'signs a request named only by its alternative names when it is piped, as when it is given by -CertificateRequest' {
        $csr = Write-Request 'sanonly' '' (San 0x82 ([Text.Encoding]::ASCII.GetBytes('sanonly.example.test')))
        $request = Import-DcosCertificateRequest $csr
        $request.CommonName | Should -BeNullOrEmpty
        $piped = $request | New-DcosCertificate -Issuer $ca
        $given = New-DcosCertificate -CertificateRequest $request -Issuer $ca
        foreach ($cert in $piped, $given) {
            @($cert).Count | Should -Be 1
            @($cert.DnsNames) | Should -Be @('sanonly.example.test')
            $cert.Subject | Should -Be $request.Subject
        }
    }
}

Describe 'Requests made here' -Tag Requests, Heavy {
    It 'exports the request (0644) and its key (0600), reads back the same key, and a re-run changes nothing' {
        $request = New-DcosCertificateRequest -CommonName made.example.test -DnsName made.example.test -IPAddress 127.0.0.3 -KeyAlgorithm ECDSA -Organization Example
        $request.HasPrivateKey | Should -BeTrue
        $path = Join-Path $TestDrive 'made.csr'
        $request | Export-DcosCertificateRequest -Path $path | Should -BeNullOrEmpty
        [int](Get-Item $path).UnixFileMode | Should -Be ([Convert]::ToInt32('644', 8))
        [int](Get-Item (Join-Path $TestDrive 'made.key')).UnixFileMode | Should -Be ([Convert]::ToInt32('600', 8))
        (& openssl req -in $path -noout -verify 2>&1 | Out-String) | Should -Match 'verify OK|Certificate request self-signature verify OK'
        $again = $request | Export-DcosCertificateRequest -Path $path -PassThru
        @($again.Action) | Should -Be @('Unchanged', 'Unchanged')
        $read = Import-DcosCertificateRequest $path
        $read.HasPrivateKey | Should -BeFalse
        $read.PublicKeySha256 | Should -Be $request.PublicKeySha256
        @($read.IPAddresses) | Should -Be @('127.0.0.3')
        $read.Subject | Should -Be $request.Subject
        $ca = New-TlsCertificateAuthority -CommonName 'Made CA' -KeyAlgorithm ECDSA
        $own = $request | New-DcosCertificate -Issuer $ca
        $own.HasPrivateKey | Should -BeTrue
        $foreign = $read | New-DcosCertificate -Issuer $ca
        $foreign.HasPrivateKey | Should -BeFalse
        $own | Export-DcosCertificate -Path (Join-Path $TestDrive 'own.crt')
        (& openssl pkey -in (Join-Path $TestDrive 'own.key') -pubout | Out-String) | Should -Be (& openssl pkey -in (Join-Path $TestDrive 'made.key') -pubout | Out-String)
    }

    It 'encrypts the key with -Password (openssl reads it with the password only), and a re-run keeps the same key file' {
        $request = New-DcosCertificateRequest -CommonName locked.example.test -KeyAlgorithm ECDSA
        $path = Join-Path $TestDrive 'locked.csr'
        $keyFile = Join-Path $TestDrive 'locked.key'
        $password = ConvertTo-SecureString 'Req-Key-Pw-41' -AsPlainText -Force
        $request | Export-DcosCertificateRequest -Path $path -Password $password
        $text = Get-Content -Raw $keyFile
        $text | Should -Match '-----BEGIN ENCRYPTED PRIVATE KEY-----'
        $text | Should -Not -Match 'Req-Key-Pw-41'
        [int](Get-Item $keyFile).UnixFileMode | Should -Be ([Convert]::ToInt32('600', 8))
        (& openssl pkey -in $keyFile -passin pass:Req-Key-Pw-41 -pubout | Out-String) | Should -Be (& openssl req -in $path -noout -pubkey | Out-String)
        & openssl pkey -in $keyFile -passin pass:wrong -noout 2>$null
        $LASTEXITCODE | Should -Not -Be 0
        $before = $text
        @(($request | Export-DcosCertificateRequest -Path $path -Password $password -PassThru).Action) | Should -Be @('Unchanged', 'Unchanged')
        Get-Content -Raw $keyFile | Should -Be $before
        # The same key unencrypted is other content: refused without -Force.
        $request | Export-DcosCertificateRequest -Path $path -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'ExportFileExists,*'
    }

    It 'makes the folder it creates for a key 0700, and 0755 for a certificate alone' {
        $request = New-DcosCertificateRequest -CommonName folder.example.test -KeyAlgorithm ECDSA
        $request | Export-DcosCertificateRequest -Path (Join-Path $TestDrive 'keyed/folder.csr')
        [int](Get-Item (Join-Path $TestDrive 'keyed')).UnixFileMode | Should -Be ([Convert]::ToInt32('700', 8))
        $ca = New-TlsCertificateAuthority -CommonName 'Folder CA' -KeyAlgorithm ECDSA
        New-DcosCertificate -Issuer $ca -CommonName folder.example.test -KeyAlgorithm ECDSA | Export-DcosCertificate -Path (Join-Path $TestDrive 'leaf/folder.crt')
        [int](Get-Item (Join-Path $TestDrive 'leaf')).UnixFileMode | Should -Be ([Convert]::ToInt32('700', 8))
        $ca | Export-DcosCertificate -NoKey -Path (Join-Path $TestDrive 'public/ca.crt')
        [int](Get-Item (Join-Path $TestDrive 'public')).UnixFileMode | Should -Be ([Convert]::ToInt32('755', 8))
    }

    It 'refuses to overwrite other content without -Force and writes nothing' {
        $path = Join-Path $TestDrive 'taken.csr'
        Set-Content -LiteralPath (Join-Path $TestDrive 'taken.key') -Value 'someone else''s key'
        New-DcosCertificateRequest -CommonName taken.example.test -KeyAlgorithm ECDSA |
            Export-DcosCertificateRequest -Path $path -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'ExportFileExists,*'
        Test-Path $path | Should -BeFalse
    }

    It 'refuses a weak key size in New-DcosCertificateRequest' {
        New-DcosCertificateRequest -CommonName weak.example.test -KeySize 1024 -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'InvalidCertificateRequest,KeySize,*'
    }
}
