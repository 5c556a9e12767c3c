<#
    A deliberately broken ACME server (HostileAcme.py, HTTPS on 127.0.0.1): every value it sends is
    hostile input. A challenge token that is a path never reaches the disk, wrong types, missing fields,
    a non-JSON order and garbage certificates each give a DcosTls error id, a batch of requests goes on
    after a failed row, and the account folder holds one account when two first orders meet.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    . (Join-Path $PSScriptRoot 'AcmePeers.ps1')
    $tls = Join-Path $TestDrive 'tls'
    $null = New-Item -ItemType Directory $tls
    & openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj '/CN=hostile acme test' `
        -addext 'subjectAltName=IP:127.0.0.1' -keyout (Join-Path $tls 'key.pem') -out (Join-Path $tls 'cert.pem') 2>$null
    $outside = Join-Path $TestDrive 'outside'
    $null = New-Item -ItemType Directory $outside
    $absoluteVictim = Join-Path $outside 'victim.txt'
    $port = Get-AcmeFreePort
    $server = Start-Process -FilePath python3 -PassThru -RedirectStandardOutput (Join-Path $tls 'out.log') -RedirectStandardError (Join-Path $tls 'err.log') `
        -ArgumentList @((Join-Path $PSScriptRoot 'HostileAcme.py'), $port, (Join-Path $tls 'cert.pem'), (Join-Path $tls 'key.pem'), $absoluteVictim)
    Register-AcmeTestProcess $server
    Wait-AcmeTcpPort $port
    $base = "https://127.0.0.1:$port"
    $trust = Join-Path $tls 'cert.pem'
    function Get-HostileCommon([string] $Mode) {
        @{ AcmeDirectory = "$base/$Mode/directory"; CaCertificatePath = $trust; AcceptTermsOfService = $true
           AccountPath = (Join-Path $TestDrive "account-$Mode") }
    }
}

AfterAll {
    if ($server -and -not $server.HasExited) { Stop-Process -Id $server.Id -Force; $server.WaitForExit(5000) | Out-Null }
}

Describe 'A hostile ACME server' -Tag Acme, Hostile {
    It 'a challenge token <Mode> never reaches the disk outside -WebRoot' -ForEach @(
        @{ Mode = 'token-traversal' }, @{ Mode = 'token-absolute' }
    ) {
        $webRoot = Join-Path $TestDrive "www-$Mode"
        $null = New-Item -ItemType Directory $webRoot
        # ../../victim from <web root>/.well-known/acme-challenge is <web root>/victim.
        $victims = (Join-Path $webRoot 'victim'), $absoluteVictim
        foreach ($victim in $victims) { Set-Content -LiteralPath $victim -Value 'keep me' }
        $common = Get-HostileCommon $Mode
        $cert = New-DcosCertificate @common -CommonName hostile.acme.test -WebRoot $webRoot -ErrorVariable err -ErrorAction SilentlyContinue
        $cert | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'AcmeChallengeTokenInvalid,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidResult'
        foreach ($victim in $victims) { Get-Content -LiteralPath $victim | Should -Be 'keep me' }
        @(Get-ChildItem -Recurse -Force $webRoot | Where-Object Name -ne 'victim') | Should -BeNullOrEmpty
    }

    It '<Mode> gives <Id>' -ForEach @(
        @{ Mode = 'token-number'; Id = 'AcmeChallengeTokenInvalid' }
        @{ Mode = 'chal-missing'; Id = 'AcmeChallengeTokenInvalid' }
        @{ Mode = 'dir-types'; Id = 'AcmeDirectoryInvalid' }
        @{ Mode = 'order-nonjson'; Id = 'AcmeResponseInvalid' }
        @{ Mode = 'cert-garbage'; Id = 'AcmeCertificateInvalid' }
        @{ Mode = 'cert-notcert'; Id = 'AcmeCertificateInvalid' }
    ) {
        $webRoot = Join-Path $TestDrive "www-$Mode"
        $null = New-Item -ItemType Directory -Force $webRoot
        $common = Get-HostileCommon $Mode
        New-DcosCertificate @common -CommonName hostile.acme.test -WebRoot $webRoot -ErrorVariable err -ErrorAction SilentlyContinue |
            Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $err[0].Exception.GetType().FullName | Should -Be 'DcosTls.Acme.AcmeProblemException'
        "$($err[0])" | Should -Not -Match '[\x00-\x08\x0b-\x1f]'
        @(Get-ChildItem -Recurse -Force $webRoot) | Should -BeNullOrEmpty
    }

    It 'a batch of requests reports each failed row with its id and goes on' {
        $webRoot = Join-Path $TestDrive 'www-batch'
        $null = New-Item -ItemType Directory $webRoot
        $requests = 'one.acme.test', 'two.acme.test' | ForEach-Object { New-DcosCertificateRequest -CommonName $_ -KeyAlgorithm ECDSA }
        $common = Get-HostileCommon 'order-nonjson'
        $requests | New-DcosCertificate @common -WebRoot $webRoot -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err.Count | Should -Be 2
        $err | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'AcmeResponseInvalid,*' }
        $err.TargetObject | Should -Be 'one.acme.test', 'two.acme.test'
    }
}

Describe 'The ACME account folder' -Tag Acme, Hostile {
    It 'two first orders at once make one account and both succeed' {
        $folder = Join-Path $TestDrive 'shared-account'
        $directory = "$base/slow-account/directory"
        $module = Join-Path $PSScriptRoot '../../DcosTls.psd1'
        $jobs = 1..2 | ForEach-Object {
            Start-ThreadJob -ArgumentList $module, $directory, $trust, $folder -ScriptBlock {
                param($module, $directory, $trust, $folder)
                Import-Module $module
                New-DcosAcmeAccount -AcmeDirectory $directory -CaCertificatePath $trust -AccountPath $folder -AcceptTermsOfService
            }
        }
        $results = $jobs | Wait-Job -Timeout 60 | Receive-Job -ErrorVariable err -ErrorAction SilentlyContinue
        $jobs | Remove-Job -Force
        $err | Should -BeNullOrEmpty
        @($results).Count | Should -Be 2
        @(Get-ChildItem -Force $folder).Name | Should -Be 'account.key'
    }

    It 'an existing folder keeps its mode' {
        $folder = Join-Path $TestDrive 'operator-folder'
        $null = New-Item -ItemType Directory $folder
        [System.IO.File]::SetUnixFileMode($folder, [System.IO.UnixFileMode]'UserRead, UserWrite, UserExecute, GroupRead, GroupExecute, OtherRead, OtherExecute')
        $null = New-DcosAcmeAccount -AcmeDirectory "$base/good/directory" -CaCertificatePath $trust -AccountPath $folder -AcceptTermsOfService
        [Convert]::ToString([int](Get-Item $folder).UnixFileMode, 8) | Should -Be '755'
        [Convert]::ToString([int](Get-Item (Join-Path $folder 'account.key')).UnixFileMode, 8) | Should -Be '600'
    }

    It '<Case> gives <Id>' -ForEach @(
        @{ Case = 'an -AccountPath that is a file'; Id = 'AcmeAccountPathInvalid'; Make = { param($f) Set-Content -LiteralPath $f -Value x } }
        @{ Case = 'an account.key that is a folder'; Id = 'AcmeAccountKeyInvalid'; Make = { param($f) $null = New-Item -ItemType Directory -Force (Join-Path $f 'account.key') } }
        @{ Case = 'an immutable folder'; Id = 'AcmeAccountNotWritable'; Make = { param($f) $null = New-Item -ItemType Directory $f; & chattr +i $f 2>$null; if ($LASTEXITCODE) { Set-ItResult -Skipped -Because 'chattr +i is not supported here' } } }
    ) {
        $folder = Join-Path $TestDrive ("fault-" + ($Case -replace '\W', ''))
        & $Make $folder
        try {
            New-DcosAcmeAccount -AcmeDirectory "$base/good/directory" -CaCertificatePath $trust -AccountPath $folder -AcceptTermsOfService -ErrorVariable err -ErrorAction SilentlyContinue |
                Should -BeNullOrEmpty
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike "$Id,*"
            "$($err[0])" | Should -Match ([regex]::Escape($folder))
        }
        finally { & chattr -i $folder 2>$null }
    }
}

Describe 'A broken DNS server for DNS-01' -Tag Acme, Hostile {
    BeforeAll {
        $dnsServers = @{}
        foreach ($mode in 'past-the-end', 'truncated-tsig') {
            $dnsPort = Get-AcmeFreePort
            $process = Start-Process -FilePath python3 -PassThru -RedirectStandardOutput (Join-Path $tls "dns-$mode.log") -RedirectStandardError (Join-Path $tls "dns-$mode.err") `
                -ArgumentList @((Join-Path $PSScriptRoot 'BrokenDns.py'), $dnsPort, $mode)
            Register-AcmeTestProcess $process
            Wait-AcmeTcpPort $dnsPort
            $dnsServers[$mode] = @{ Port = $dnsPort; Process = $process }
        }
        $tsigSecret = [Convert]::ToBase64String([System.Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
    }

    AfterAll {
        foreach ($entry in $dnsServers.Values) { if (-not $entry.Process.HasExited) { Stop-Process -Id $entry.Process.Id -Force } }
    }

    It '<Mode> gives DnsAnswerInvalid and never shows the TSIG secret' -ForEach @(@{ Mode = 'past-the-end' }, @{ Mode = 'truncated-tsig' }) {
        $common = Get-HostileCommon "dns-$Mode"
        $secure = ConvertTo-SecureString $tsigSecret -AsPlainText -Force
        $all = New-DcosCertificate @common -CommonName hostile.acme.test -DnsServer "127.0.0.1:$($dnsServers[$Mode].Port)" `
            -TsigKeyName acme-test-key -TsigSecret $secure -ErrorVariable err -ErrorAction SilentlyContinue -Verbose 4>&1
        @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }) | ForEach-Object { "$_" | Should -Not -Match ([regex]::Escape($tsigSecret)) }
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'DnsAnswerInvalid,*'
        $err[0].CategoryInfo.Category | Should -Be 'ProtocolError'
        "$($err[0])" | Should -Not -Match ([regex]::Escape($tsigSecret))
    }
}
