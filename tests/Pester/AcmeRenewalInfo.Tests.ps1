<#
    ACME Renewal Information (RFC 9773) against real pebble: pebble 2.4.0 has no renewalInfo, so
    AcmeRenewalInfo.py stands in front of it, copies its directory and adds "renewalInfo" pointing at
    itself; orders still go to pebble. A certificate pebble issued is asked about, and the window the
    test sets comes back. The renewal cmdlets use the same call; here it is reached by reflection, as
    it has no cmdlet of its own.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    . (Join-Path $PSScriptRoot 'AcmePeers.ps1')
    $bed = Start-AcmeTestBed -Path (Join-Path $TestDrive 'bed')

    $ari = Start-AcmeRenewalInfoStandIn $bed $TestDrive

    # Issued by pebble through the stand-in's directory: its other URLs are pebble's own.
    $issued = New-DcosCertificate -AcmeDirectory $ari.Directory -CaCertificatePath $bed.TlsCa -AccountPath (Join-Path $TestDrive 'account') `
        -AcceptTermsOfService -CommonName ari.acme.test -HttpPort $bed.HttpPort -HttpListenAddress 127.0.0.1
    $leaf = [System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem($issued.CertificatePem)
    $leafPath = Join-Path $TestDrive 'leaf.pem'
    Set-Content -LiteralPath $leafPath -Value $issued.CertificatePem -NoNewline
    $tlsCa = [System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem((Get-Content -Raw -LiteralPath $bed.TlsCa))

    # The identifier worked out apart from the module: openssl's key id and serial, the serial as DER
    # INTEGER content (a 0x00 in front when its top bit is set), both base64url without padding.
    function ConvertTo-Base64Url([byte[]] $Bytes) { [Convert]::ToBase64String($Bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
    $akiLine = (& openssl x509 -in $leafPath -noout -ext authorityKeyIdentifier | Select-Object -Skip 1 | Out-String).Trim() -replace '^keyid:', ''
    $serialHex = ((& openssl x509 -in $leafPath -noout -serial) -replace '^serial=', '').Trim()
    if ($serialHex.Length % 2) { $serialHex = '0' + $serialHex }
    if ([Convert]::ToByte($serialHex.Substring(0, 2), 16) -ge 0x80) { $serialHex = '00' + $serialHex }
    $expectedId = (ConvertTo-Base64Url ([Convert]::FromHexString(($akiLine -replace ':', '')))) + '.' + (ConvertTo-Base64Url ([Convert]::FromHexString($serialHex)))

    function Set-Window([hashtable] $Entry) {
        @{ $expectedId = $Entry } | ConvertTo-Json -Depth 3 | Set-Content -LiteralPath $ari.Windows
    }
    function Get-RenewalWindow([string] $Directory, $TrustedCa = $tlsCa) {
        $type = [DcosTls.Acme.AcmeProblemException].Assembly.GetType('DcosTls.Acme.AcmeRenewalInfo', $true)
        $fetch = $type.GetMethods([Reflection.BindingFlags]'Static,NonPublic') | Where-Object { $_.Name -eq 'Fetch' -and $_.GetParameters().Count -eq 5 }
        try { $fetch.Invoke($null, @([uri]$Directory, $TrustedCa, $leaf, [Action[string]] {}, [Threading.CancellationToken]::None)) }
        catch {
            # The module's own exception, out of the reflection wrappers.
            $inner = $_.Exception
            while ($inner -and $inner -isnot [DcosTls.Common.DcosTlsException]) { $inner = $inner.InnerException }
            if ($inner) { throw $inner }
            throw
        }
    }
    $windowType = [DcosTls.Acme.AcmeProblemException].Assembly.GetType('DcosTls.Acme.AcmeRenewalWindow', $true)
    function Select-RenewalTime($Window) { $windowType.GetMethod('ChooseTime', [Reflection.BindingFlags]'Instance,NonPublic').Invoke($Window, @($null)) }
    function Test-RenewalDue([DateTimeOffset] $Chosen) { $windowType.GetMethod('IsDue', [Reflection.BindingFlags]'Static,NonPublic').Invoke($null, @($Chosen, [DateTimeOffset]::UtcNow)) }
    function Format-Rfc3339([DateTimeOffset] $Time) { $Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", [cultureinfo]::InvariantCulture) }
}

AfterAll {
    Stop-AcmeRenewalInfoStandIn $ari
    if ($bed) { Stop-AcmeTestBed $bed }
}

Describe 'ACME renewal information' -Tag Acme, AcmeRenewalInfo, Heavy {
    It 'a window in the past is due now, asked for by the RFC 9773 identifier of the issued certificate' {
        $now = [DateTimeOffset]::UtcNow
        Set-Window @{ start = (Format-Rfc3339 $now.AddDays(-2)); end = (Format-Rfc3339 $now.AddDays(-1)); explanationURL = 'https://ca.test/incident'; retryAfter = 3600 }
        $window = Get-RenewalWindow $ari.Directory
        $window.CertificateId | Should -Be $expectedId
        @(Get-Content -LiteralPath $ari.Log)[-1] | Should -Be $expectedId
        $window.Start | Should -BeLessThan $now.AddDays(-1)
        $window.ExplanationUrl | Should -Be 'https://ca.test/incident'
        $window.RetryAfter | Should -Be ([timespan]::FromHours(1))
        $chosen = Select-RenewalTime $window
        $chosen | Should -BeGreaterOrEqual $window.Start
        $chosen | Should -BeLessThan $window.End
        Test-RenewalDue $chosen | Should -BeTrue
    }

    It 'a window ahead is not due yet, and a changed window is read again' {
        $now = [DateTimeOffset]::UtcNow
        Set-Window @{ start = (Format-Rfc3339 $now.AddDays(20)); end = (Format-Rfc3339 $now.AddDays(21)) }
        $window = Get-RenewalWindow $ari.Directory
        $window.Start | Should -BeGreaterThan $now.AddDays(19)
        $window.ExplanationUrl | Should -BeNullOrEmpty
        $chosen = Select-RenewalTime $window
        $chosen | Should -BeGreaterThan ([DateTimeOffset]::UtcNow)
        Test-RenewalDue $chosen | Should -BeFalse
    }

    It 'a directory without renewalInfo (pebble as it is) gives no window and asks nothing more' {
        $before = @(Get-Content -LiteralPath $ari.Log).Count
        Get-RenewalWindow $ari.PlainDirectory | Should -BeNullOrEmpty
        Get-RenewalWindow $bed.Directory | Should -BeNullOrEmpty
        @(Get-Content -LiteralPath $ari.Log).Count | Should -Be $before
    }

    It 'refuses a window that ends before it starts' {
        $now = [DateTimeOffset]::UtcNow
        Set-Window @{ start = (Format-Rfc3339 $now.AddDays(2)); end = (Format-Rfc3339 $now.AddDays(1)) }
        $e = { Get-RenewalWindow $ari.Directory } | Should -Throw -PassThru
        $e.Exception.ErrorId | Should -Be 'AcmeRenewalInfoInvalid'
        $e.Exception.Message | Should -BeLike '*ends*no later than it starts*'
    }

    It 'refuses a huge answer without reading it all' {
        Set-Window @{ status = 200; body = '{"suggestedWindow":{"pad":"' + ('x' * 300000) + '"}}' }
        $e = { Get-RenewalWindow $ari.Directory } | Should -Throw -PassThru
        $e.Exception.ErrorId | Should -Be 'AcmeRenewalInfoInvalid'
        $e.Exception.Message | Should -BeLike '*longer than 65536 bytes*'
    }

    It 'a certificate the server does not know is AcmeRenewalInfoUnavailable, ObjectNotFound' {
        Set-Content -LiteralPath $ari.Windows -Value '{}'
        $e = { Get-RenewalWindow $ari.Directory } | Should -Throw -PassThru
        $e.Exception.ErrorId | Should -Be 'AcmeRenewalInfoUnavailable'
        $e.Exception.Category | Should -Be 'ObjectNotFound'
        $e.Exception.Message | Should -BeLike '*HTTP 404*'
    }

    It 'checks the TLS certificate as every ACME call does: not trusted without the CA' {
        $e = { Get-RenewalWindow $ari.Directory -TrustedCa $null } | Should -Throw -PassThru
        $e.Exception.ErrorId | Should -Be 'AcmeServerUnreachable'
        $e.Exception.Message | Should -BeLike '*CaCertificatePath*'
    }
}
