<#
    ACME certificates against real servers on 127.0.0.1: pebble (the ACME test CA, rejecting half of the
    nonces so every run survives badNonce), bind9 for pebble's lookups and for DNS-01 updates with
    TSIG, and nginx serving a web root for HTTP-01. Every certificate must pass openssl verify against
    pebble's root from its management interface.
#>
BeforeAll {
    # One activity, completed once and last: its status lines while it ran.
    function Get-OneActivityStatus([object[]] $Records) {
        @($Records.ActivityId | Sort-Object -Unique).Count | Should -Be 1
        @($Records | Where-Object RecordType -eq 'Completed').Count | Should -Be 1
        $Records[-1].RecordType | Should -Be 'Completed'
        @($Records | Where-Object RecordType -eq 'Processing' | ForEach-Object StatusDescription)
    }

    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    . (Join-Path $PSScriptRoot 'AcmePeers.ps1')
    $bed = Start-AcmeTestBed -Path (Join-Path $TestDrive 'bed') -NonceReject 25
    $issuing = Get-AcmeTestRoot $bed
    $account = Join-Path $TestDrive 'account'
    $common = @{ AcmeDirectory = $bed.Directory; CaCertificatePath = $bed.TlsCa; AccountPath = $account; AcceptTermsOfService = $true }
    $secret = ConvertTo-SecureString $bed.TsigSecret -AsPlainText -Force

    function Assert-VerifiesAgainstPebble($Certificate) {
        $leaf = Join-Path $TestDrive "leaf-$($Certificate.Thumbprint).pem"
        $chain = Join-Path $TestDrive "chain-$($Certificate.Thumbprint).pem"
        Set-Content -LiteralPath $leaf -Value $Certificate.CertificatePem -NoNewline
        Set-Content -LiteralPath $chain -Value $Certificate.ChainPem -NoNewline
        $out = & openssl verify -CAfile $issuing.Root -untrusted $chain $leaf 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
    }

    # Every line a run printed (output, Verbose, errors), to look for secrets in.
    function Invoke-Captured([scriptblock] $Script) {
        & $Script *>&1 | ForEach-Object { if ($_ -is [System.Management.Automation.ErrorRecord]) { "$_"; $_.Exception.Message } else { $_ | Out-String } }
    }
    $accountKeyText = { (Get-Content -Raw (Join-Path $account 'account.key')) -replace '-----[^-]+-----|\s', '' }
    # The private scalar of the P-256 account key: in its PKCS#8 form the first 48 base64 characters
    # are the header every P-256 key shares; what follows is this key's own secret.
    $accountKeySecret = { (& $accountKeyText).Substring(48, 40) }
}

AfterAll {
    if ($bed) { Stop-AcmeTestBed $bed }
}

Describe 'ACME account' -Tag Acme {
    It 'creates the account once, key file 0600 in a 0700 folder, and finds it again' {
        $created = New-DcosAcmeAccount @common -Contact ops@example.com
        $created.Status | Should -Be 'valid'
        $created.Contact | Should -Be 'ops@example.com'
        [Convert]::ToString([int](Get-Item (Join-Path $account 'account.key')).UnixFileMode, 8) | Should -Be '600'
        [Convert]::ToString([int](Get-Item $account).UnixFileMode, 8) | Should -Be '700'
        $hash = (Get-FileHash (Join-Path $account 'account.key')).Hash
        $found = Get-DcosAcmeAccount -AcmeDirectory $bed.Directory -CaCertificatePath $bed.TlsCa -AccountPath $account
        $found.Url | Should -Be $created.Url
        (Get-FileHash (Join-Path $account 'account.key')).Hash | Should -Be $hash
    }

    It "the account's default views show a real pebble account" {
        $found = Get-DcosAcmeAccount -AcmeDirectory $bed.Directory -CaCertificatePath $bed.TlsCa -AccountPath $account
        $table = $found | Out-String -Width 80 -Stream
        $table | Where-Object { $_ -match '^valid +ops@example\.com' } | Should -Not -BeNullOrEmpty
        ($found | Format-List | Out-String -Width 80) | Should -Match ([regex]::Escape((Join-Path $account 'account.key')))
        $Error.Clear()
        $null = $found | Format-Table | Out-String
        $Error | Should -BeNullOrEmpty
    }

    It 'creates no account without -AcceptTermsOfService' {
        $folder = Join-Path $TestDrive 'no-terms'
        New-DcosAcmeAccount -AcmeDirectory $bed.Directory -CaCertificatePath $bed.TlsCa -AccountPath $folder -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'AcmeTermsNotAccepted*'
        Test-Path (Join-Path $folder 'account.key') | Should -BeFalse
    }

    It 'refuses the directory when its TLS certificate is not trusted' {
        Get-DcosAcmeAccount -AcmeDirectory $bed.Directory -AccountPath $account -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'AcmeServerUnreachable*'
        "$($err[0])" | Should -Match 'CaCertificatePath'
    }

    It 'refuses an account key that others can read, before sending anything' {
        $folder = Join-Path $TestDrive 'exposed'
        $null = New-DcosAcmeAccount -AcmeDirectory $bed.Directory -CaCertificatePath $bed.TlsCa -AccountPath $folder -AcceptTermsOfService
        $key = Join-Path $folder 'account.key'
        & chmod 644 $key
        New-DcosCertificate -AcmeDirectory $bed.Directory -CaCertificatePath $bed.TlsCa -AccountPath $folder -CommonName exposed.acme.test `
            -HttpPort $bed.HttpPort -HttpListenAddress 127.0.0.1 -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'AcmeAccountKeyExposed*'
        $err[0].CategoryInfo.Category | Should -Be 'SecurityError'
        "$($err[0])" | Should -Match ([regex]::Escape($key))
    }
}

Describe 'ACME certificates' -Tag Acme {
    It 'HTTP-01 through -WebRoot served by nginx, then removes the challenge file' {
        $webRoot = Join-Path $TestDrive 'www'
        $null = New-Item -ItemType Directory -Force $webRoot
        $conf = Join-Path $TestDrive 'nginx.conf'
        Set-Content -LiteralPath $conf -Value @"
daemon off;
master_process off;
pid $TestDrive/nginx.pid;
error_log $TestDrive/nginx-error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $TestDrive/nginx-tmp;
    server { listen 127.0.0.1:$($bed.HttpPort); root $webRoot; }
}
"@
        $nginx = Start-Process nginx -ArgumentList @('-c', $conf, '-p', $TestDrive) -PassThru
        Register-AcmeTestProcess $nginx
        try {
            Wait-AcmeTcpPort $bed.HttpPort
            $cert = New-DcosCertificate @common -CommonName web.acme.test -DnsName www.acme.test -WebRoot $webRoot
        }
        finally { Stop-Process -Id $nginx.Id -Force; $nginx.WaitForExit(5000) | Out-Null }
        $cert.HasPrivateKey | Should -BeTrue
        $cert.KeyAlgorithm | Should -Be 'ECDSA'
        @($cert.DnsNames | Sort-Object) | Should -Be @('web.acme.test', 'www.acme.test')
        Assert-VerifiesAgainstPebble $cert
        @(Get-ChildItem -Recurse -Force $webRoot) | Should -BeNullOrEmpty -Because 'the challenge files and the folders made for them are gone'
    }

    It 'HTTP-01 with its own listener, an RSA key, and exports unchanged' {
        $cert = New-DcosCertificate @common -CommonName listener.acme.test -KeyAlgorithm RSA -HttpPort $bed.HttpPort -HttpListenAddress 127.0.0.1
        $cert.KeyAlgorithm | Should -Be 'RSA'
        Assert-VerifiesAgainstPebble $cert
        $pem = Join-Path $TestDrive 'listener.pem'
        $cert | Export-DcosCertificate -Path $pem -Format HaproxyPem
        (Get-Content -Raw $pem) | Should -Match 'PRIVATE KEY'
        [regex]::Matches((Get-Content -Raw $pem), 'BEGIN CERTIFICATE').Count | Should -BeGreaterOrEqual 2
    }

    It 'signs a request made elsewhere (openssl req): the key never leaves its file' {
        $key = Join-Path $TestDrive 'foreign.key'
        $csr = Join-Path $TestDrive 'foreign.csr'
        & openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $key -out $csr `
            -subj '/CN=foreign.acme.test' -addext 'subjectAltName=DNS:foreign.acme.test,DNS:www.foreign.acme.test' 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0
        $cert = Import-DcosCertificateRequest -Path $csr |
            New-DcosCertificate -AcmeDirectory $bed.Directory -CaCertificatePath $bed.TlsCa -AccountPath $account -HttpPort $bed.HttpPort -HttpListenAddress 127.0.0.1
        $cert.HasPrivateKey | Should -BeFalse
        @($cert.DnsNames) | Should -Be @('foreign.acme.test', 'www.foreign.acme.test')
        Assert-VerifiesAgainstPebble $cert
        # The certificate is for the key in foreign.key.
        $certFile = Join-Path $TestDrive 'foreign.crt'
        Set-Content -LiteralPath $certFile -Value $cert.CertificatePem -NoNewline
        (& openssl x509 -in $certFile -noout -pubkey) | Should -Be (& openssl pkey -in $key -pubout)
    }

    It 'DNS-01 through bind9 with a TSIG key file, the TXT record deleted afterwards' {
        $cert = New-DcosCertificate @common -CommonName dns.acme.test -DnsServer "127.0.0.1:$($bed.DnsPort)" -TsigKeyFile $bed.TsigKeyFile
        Assert-VerifiesAgainstPebble $cert
        Get-AcmeZoneTxt $bed _acme-challenge.dns.acme.test | Should -BeNullOrEmpty
    }

    It 'the TXT-record-removed check sees a record that is there, and an answer from nowhere is no answer' {
        # Positive control of the check above: a record published in the same zone is seen by it.
        Set-AcmeZoneTxt $bed _acme-challenge.control.acme.test 'present'
        try {
            Get-AcmeZoneTxt $bed _acme-challenge.control.acme.test | Should -Be '"present"'
            { Get-AcmeZoneTxt $bed _acme-challenge.control.acme.test | Should -BeNullOrEmpty } | Should -Throw
        }
        finally { Set-AcmeZoneTxt $bed _acme-challenge.control.acme.test -Delete }
        Get-AcmeZoneTxt $bed _acme-challenge.control.acme.test | Should -BeNullOrEmpty
        # dig asking a port where named is not: the check throws rather than finding nothing.
        { Get-AcmeZoneTxt @{ DnsPort = (Get-AcmeFreePort) } _acme-challenge.dns.acme.test } | Should -Throw '*no answer from named*'
    }

    It 'DNS-01 with -TsigSecret leaks neither the TSIG secret nor the account key' {
        $lines = Invoke-Captured { New-DcosCertificate @common -CommonName quiet.acme.test -DnsServer "127.0.0.1:$($bed.DnsPort)" -TsigKeyName $bed.TsigKeyName -TsigSecret $secret -Verbose }
        $text = $lines -join "`n"
        $text | Should -Match 'quiet.acme.test'
        $text | Should -Not -Match ([regex]::Escape($bed.TsigSecret))
        $text | Should -Not -Match ([regex]::Escape((& $accountKeySecret)))
        $files = Get-ChildItem -Recurse -File $TestDrive | Where-Object { $_.FullName -notlike "$($bed.Path)*" -and $_.Name -ne 'account.key' }
        $files | Select-String -SimpleMatch (& $accountKeySecret) -List | Should -BeNullOrEmpty
        $files | Select-String -SimpleMatch $bed.TsigSecret -List | Should -BeNullOrEmpty
    }

    It 'survives pebble refusing nonces (badNonce retried)' {
        # Pebble refuses each nonce at random (a quarter here: five orders of some 7 signed POSTs meet
        # one, while 16 refusals in a row, past the client's 15 retries, stay out of reach; at half, a
        # whole run once met them). A single order can come through with no refusal at all, so orders
        # are repeated until one met a badNonce, and every one must succeed.
        $refused = @()
        foreach ($attempt in 1..5) {
            $verbose = New-DcosCertificate @common -CommonName "nonce$attempt.acme.test" -HttpPort $bed.HttpPort -HttpListenAddress 127.0.0.1 -Verbose 4>&1
            $cert = $verbose | Where-Object { $_ -is [DcosTls.Certificates.DcosCertificate] }
            Assert-VerifiesAgainstPebble $cert
            $refused = @($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'badNonce' })
            if ($refused) { break }
        }
        $refused | Should -Not -BeNullOrEmpty -Because 'five orders at a 25% refusal rate, some 7 signed POSTs each, meet at least one badNonce'
    }
}

Describe 'ACME failures' -Tag Acme {
    It 'a wrong TSIG secret is a clear error naming the key, and no authorization is left pending' {
        $wrong = ConvertTo-SecureString ([Convert]::ToBase64String([byte[]]::new(32))) -AsPlainText -Force
        $lines = Invoke-Captured {
            New-DcosCertificate @common -CommonName wrong.acme.test -DnsServer "127.0.0.1:$($bed.DnsPort)" -TsigKeyName $bed.TsigKeyName -TsigSecret $wrong -ErrorVariable script:err -ErrorAction SilentlyContinue -Verbose
        }
        $script:err[0].FullyQualifiedErrorId | Should -BeLike 'DnsUpdateNotAuthorized*'
        "$($script:err[0])" | Should -Match 'BADSIG'
        "$($script:err[0])" | Should -Match $bed.TsigKeyName
        ($lines -join "`n") | Should -Match 'deactivated the pending authorization'
    }

    It 'an unreachable challenge names the identifier and the server''s validation error' {
        # Nothing listens on pebble's HTTP port: the web root exists but no server serves it.
        $webRoot = Join-Path $TestDrive 'unserved'
        $null = New-Item -ItemType Directory -Force $webRoot
        New-DcosCertificate @common -CommonName unserved.acme.test -WebRoot $webRoot -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'AcmeChallengeFailed*'
        $err[0].Exception.Identifier | Should -Be 'unserved.acme.test'
        $err[0].Exception.ProblemType | Should -Be 'urn:ietf:params:acme:error:connection'
        "$($err[0])" | Should -Match 'unserved.acme.test'
        @(Get-ChildItem -Recurse -Force $webRoot) | Should -BeNullOrEmpty
    }

    It 'asks for a challenge method' {
        New-DcosCertificate @common -CommonName none.acme.test -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidAcmeParameter,ChallengeMethod*'
    }
}

Describe 'ACME progress' -Tag Acme, AcmeProgress {
    It 'says what the ACME server is waited for, on the batch''s one activity, completed once' {
        # A child pipeline, as the host sees it: its progress stream holds every record written.
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($Manifest, $Common, $Port)
                    Import-Module $Manifest
                    $ProgressPreference = 'Continue'
                    New-DcosCertificate @Common -CommonName progress.acme.test -HttpPort $Port -HttpListenAddress 127.0.0.1
                }).AddArgument((Join-Path $PSScriptRoot '../../DcosTls.psd1')).AddArgument($common).AddArgument($bed.HttpPort)
            $cert = $ps.Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            @($cert).Count | Should -Be 1
            $records = @($ps.Streams.Progress | Where-Object Activity -eq 'New-DcosCertificate')
            $status = Get-OneActivityStatus $records
            $status[0] | Should -Be '1 of 1: progress.acme.test'
            @($status -match "Waiting for the http-01 validation of 'progress\.acme\.test'").Count | Should -BeGreaterThan 0 -Because ($status -join "`n")
            @($status -match "Waiting for the order for 'progress\.acme\.test' to be ready").Count | Should -BeGreaterThan 0 -Because ($status -join "`n")
        }
        finally { $ps.Dispose() }
    }

    It 'renews through ACME (Update-DockerDaemonCertificate) under one activity that says what is waited for, completed once' {
        $root = Join-Path $TestDrive 'renewal-progress'
        $null = New-Item -ItemType Directory -Force $root
        $first = New-DcosCertificate @common -CommonName renewal-progress.acme.test -HttpPort $bed.HttpPort -HttpListenAddress 127.0.0.1
        Set-DockerDaemonTls -Root $root -CaCertificate (Import-DcosCertificate -Path $issuing.Root) -Certificate $first
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($Manifest, $Common, $Port, $Root)
                    Import-Module $Manifest
                    $ProgressPreference = 'Continue'
                    # 36500 days: due now, so the order runs again for the same name.
                    Update-DockerDaemonCertificate -Root $Root @Common -HttpPort $Port -HttpListenAddress 127.0.0.1 -RenewWithin 36500 -PassThru
                }).AddArgument((Join-Path $PSScriptRoot '../../DcosTls.psd1')).AddArgument($common).AddArgument($bed.HttpPort).AddArgument($root)
            $row = $ps.Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            @($row).Count | Should -Be 1
            $row[0].Renewed | Should -BeTrue
            $records = @($ps.Streams.Progress | Where-Object Activity -eq 'Update-DockerDaemonCertificate')
            $status = Get-OneActivityStatus $records
            $status[0] | Should -BeLike '1: *server-cert.pem'
            @($status -match "Waiting for the http-01 validation of 'renewal-progress\.acme\.test'").Count | Should -BeGreaterThan 0 -Because ($status -join "`n")
        }
        finally { $ps.Dispose() }
    }
}
