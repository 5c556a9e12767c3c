<#
    Renewing any certificate DcosTls wrote from the renewal description beside it, in real pwsh:
    Export-DcosCertificate writes the description (never a secret), Update-DcosCertificate renews what
    is due by the rule (two thirds with jitter, -RenewBefore days or share, -Force) from the described
    issuer (local CA by its files, self-signed), in the described format, every file and the description
    switched in one step; what is not due is left alone and silent; a description that does not match
    its files, names a CA or ACME account that is gone, or cannot be read is refused, files unchanged.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    . (Join-Path $PSScriptRoot 'SecretSearch.ps1')

    $ca = New-TlsCertificateAuthority -CommonName 'Described CA' -KeyAlgorithm ECDSA
    $caFolder = Join-Path $TestDrive 'ca'
    $ca | Export-DcosCertificate -Path (Join-Path $caFolder 'ca.crt')

    # A folder with a certificate from the local CA, written as Pem with its description.
    function New-Described([string] $Name, [int] $ValidDays = 9, [string] $Format = 'Pem', [object] $Issuer = $ca, [securestring] $Password) {
        $folder = Join-Path $TestDrive $Name
        $certificate = if ($Issuer) { New-DcosCertificate -Issuer $Issuer -CommonName "$Name.example.com" -DnsName "$Name.example.com", localhost -IPAddress 127.0.0.1 -ValidDays $ValidDays -KeyAlgorithm ECDSA }
        else { New-DcosCertificate -SelfSigned -CommonName "$Name.example.com" -ValidDays $ValidDays }
        $file = Join-Path $folder ($(switch ($Format) { 'Pem' { 'cert.crt' } 'HaproxyPem' { 'cert.pem' } 'Pkcs12' { 'cert.p12' } }))
        $export = @{ Path = $file; Format = $Format }
        if ($Password) { $export.Password = $Password }
        $certificate | Export-DcosCertificate @export
        [pscustomobject]@{ Folder = $folder; File = $file; Description = "$file.renewal.json"; Certificate = $certificate }
    }

    # Every file of a folder (through links) as text, to see that a refusal changed nothing.
    function Get-FolderState([string] $Folder) {
        (Get-ChildItem -Recurse -Force -LiteralPath $Folder | Sort-Object FullName | ForEach-Object {
            $link = $_.LinkTarget
            "$($_.FullName) -> $link : $(if (-not $_.PSIsContainer) { (Get-FileHash -LiteralPath $_.FullName).Hash })"
        }) -join "`n"
    }

    # The public key of the certificate file and of the key file, as openssl reads them.
    function Test-PemPair([string] $CertificateFile, [string] $KeyFile) {
        $certKey = (openssl x509 -noout -pubkey -in $CertificateFile 2>&1) -join "`n"
        $keyKey = (openssl pkey -pubout -in $KeyFile 2>&1) -join "`n"
        $certKey -eq $keyKey -and $certKey -match 'BEGIN PUBLIC KEY'
    }
}

Describe 'The renewal description Export-DcosCertificate writes' -Tag Lifecycle, DescribedRenewal {
    It 'says how the certificate was made, what it is and which files were written, by name, and nothing secret' {
        $d = New-Described describe
        $json = Get-Content -Raw -LiteralPath $d.Description | ConvertFrom-Json
        $json.version | Should -Be 1
        $json.format | Should -Be 'Pem'
        $json.issuer.kind | Should -Be 'LocalCa'
        $json.issuer.caThumbprint | Should -Be $ca.Thumbprint
        $json.issuer.caCertificatePath | Should -Be (Join-Path $caFolder 'ca.crt')
        $json.issuer.caKeyPath | Should -Be (Join-Path $caFolder 'ca.key')
        $json.issuer.validDays | Should -Be 9
        $json.issuer.usage | Should -Be 'Server'
        $json.certificate.thumbprint | Should -Be $d.Certificate.Thumbprint
        @($json.certificate.dnsNames) | Should -Be @('describe.example.com', 'localhost')
        @($json.certificate.ipAddresses) | Should -Be @('127.0.0.1')
        $json.certificate.keyAlgorithm, $json.certificate.keySize | Should -Be 'ECDSA', 256
        @($json.files.role) | Should -Be @('Certificate', 'PrivateKey')
        @($json.files.name) | Should -Be @('cert.crt', 'cert.key')
        Get-Content -Raw -LiteralPath $d.Description | Should -Not -Match 'PRIVATE KEY'
    }

    It 'is written again unchanged by the same export, and left out with -NoRenewalDescription' {
        $d = New-Described again
        $rows = $d.Certificate | Export-DcosCertificate -Path $d.File -PassThru
        @($rows | Where-Object Role -EQ RenewalDescription).Action | Should -Be 'Unchanged'
        $other = Join-Path $TestDrive 'nodesc/cert.crt'
        $d.Certificate | Export-DcosCertificate -Path $other -NoRenewalDescription
        Test-Path "$other.renewal.json" | Should -BeFalse
    }

    It 'keeps how it was made across Export-Clixml and Import-Clixml (Import-DcosCertificate takes Origin by property name)' {
        $self = New-DcosCertificate -SelfSigned -CommonName clixml.example.com -ValidDays 20
        $xml = Join-Path $TestDrive 'self.xml'
        $self | Export-Clixml -LiteralPath $xml
        $back = Import-Clixml -LiteralPath $xml | Import-DcosCertificate
        $back.Origin | Should -Be $self.Origin
        ($back.Origin | ConvertFrom-Json).kind | Should -Be 'SelfSigned'
    }
}

Describe 'Update-DcosCertificate' -Tag Lifecycle, DescribedRenewal {
    It 'leaves a certificate that is not due alone: nothing emitted, one Verbose line, a row with -PassThru naming the rule' {
        $d = New-Described notdue
        $before = Get-FolderState $d.Folder
        $out = Update-DcosCertificate -Path $d.Folder -Verbose 4>&1
        @($out | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] }) | Should -BeNullOrEmpty
        @($out | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -match 'not due' }).Count | Should -Be 1
        $row = Update-DcosCertificate -Path $d.Folder -PassThru
        $row.Renewed | Should -BeFalse
        $row.Rule | Should -Be 'TwoThirds'
        $lifetime = $d.Certificate.NotAfter - $d.Certificate.NotBefore
        $row.RenewAt | Should -BeLessOrEqual ($d.Certificate.NotBefore + $lifetime * (2 / 3))
        $row.RenewAt | Should -BeGreaterThan ($d.Certificate.NotBefore + $lifetime * (2 / 3 - 0.05))
        Get-FolderState $d.Folder | Should -Be $before
    }

    It 'renews with -Force: same names, key type and CA, a new key, every file and the description switched together' {
        $d = New-Described force
        $row = Update-DcosCertificate -Path $d.File -Force
        $row.Renewed | Should -BeTrue
        $row.Rule | Should -Be 'Force'
        $row.PreviousThumbprint | Should -Be $d.Certificate.Thumbprint
        $row.Thumbprint | Should -Not -Be $d.Certificate.Thumbprint
        @($row.Files | Split-Path -Leaf) | Should -Be @('cert.crt', 'cert.key', 'cert.crt.renewal.json')
        $new = Import-DcosCertificate -Path $d.File -KeyPath (Join-Path $d.Folder 'cert.key')
        $new.Thumbprint | Should -Be $row.Thumbprint
        $new.Subject | Should -Be $d.Certificate.Subject
        @($new.DnsNames) | Should -Be @($d.Certificate.DnsNames)
        @($new.IPAddresses) | Should -Be @($d.Certificate.IPAddresses)
        $new.Issuer | Should -Be $ca.Subject
        $new.KeyAlgorithm | Should -Be 'ECDSA'
        Test-PemPair $d.File (Join-Path $d.Folder 'cert.key') | Should -BeTrue
        (Get-Content -Raw -LiteralPath $d.Description | ConvertFrom-Json).certificate.thumbprint | Should -Be $row.Thumbprint
        (Get-Item -LiteralPath $d.File).LinkTarget | Should -Be 'cert.crt.d/current/cert.crt'
        (Get-Item -LiteralPath $d.Description).LinkTarget | Should -Be 'cert.crt.d/current/cert.crt.renewal.json'
        # The next run finds it not due.
        Update-DcosCertificate -Path $d.Folder | Should -BeNullOrEmpty
    }

    It 'keeps the key with -ReuseKey' {
        $d = New-Described reuse
        $key = (openssl pkey -pubout -in (Join-Path $d.Folder 'cert.key')) -join "`n"
        $row = Update-DcosCertificate -Path $d.Description -Force -ReuseKey
        $row.Renewed | Should -BeTrue
        (openssl x509 -noout -pubkey -in $d.File) -join "`n" | Should -Be $key
    }

    It 'decides by -RenewBefore as days (Days) or as the share of the lifetime left (Share)' {
        $d = New-Described window -ValidDays 9
        Update-DcosCertificate -Path $d.Folder -RenewBefore 3 -PassThru | ForEach-Object { $_.Rule, $_.Renewed } | Should -Be 'Days', $false
        (Update-DcosCertificate -Path $d.Folder -RenewBefore 9).Rule | Should -Be 'Days' -Because 'nine days before the end of a certificate of nine days and five minutes is now'
        $share = Update-DcosCertificate -Path $d.Folder -RenewBefore '1/3' -PassThru
        $share.Rule, $share.Renewed | Should -Be 'Share', $false
        (Update-DcosCertificate -Path $d.Folder -RenewBefore '99.99%').Renewed | Should -BeTrue
    }

    It 'refuses days as long as the lifetime (the renewed certificate would be due again at once)' {
        $d = New-Described toolong -ValidDays 20
        $before = Get-FolderState $d.Folder
        Update-DcosCertificate -Path $d.Folder -RenewBefore 30 -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RenewalWindowTooLong,*'
        $e[0].Exception.Message | Should -Match '20 days'
        Get-FolderState $d.Folder | Should -Be $before
    }

    It 'refuses a -RenewBefore it cannot read' {
        { Update-DcosCertificate -Path $TestDrive -RenewBefore 'soon' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidRenewBefore,*'
        { Update-DcosCertificate -Path $TestDrive -RenewBefore '3/2' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidRenewBefore,*'
    }

    It 'renews a self-signed HAProxy pem as one file' {
        $pem = New-Described haproxy -Format HaproxyPem -Issuer $null
        $row = Update-DcosCertificate -Path $pem.File -Force
        $row.Format | Should -Be 'HaproxyPem'
        $text = Get-Content -Raw -LiteralPath $pem.File
        ([regex]::Matches($text, 'BEGIN CERTIFICATE')).Count | Should -Be 1
        $text | Should -Match 'BEGIN PRIVATE KEY'
        (Import-DcosCertificate -Path $pem.File).Thumbprint | Should -Be $row.Thumbprint
        (Import-DcosCertificate -Path $pem.File).Issuer | Should -Be (Import-DcosCertificate -Path $pem.File).Subject
    }

    It '-WhatIf renews nothing, writes nothing and emits nothing' {
        $d = New-Described whatif
        $before = Get-FolderState $d.Folder
        Update-DcosCertificate -Path $d.Folder -Force -WhatIf | Should -BeNullOrEmpty
        Get-FolderState $d.Folder | Should -Be $before
    }

    It 'takes the rows of Get-ChildItem by property name, and renews each description once' {
        $d = New-Described rows
        $rows = @(Get-ChildItem -LiteralPath $d.Folder -File | Update-DcosCertificate -Force)
        $rows.Count | Should -Be 1
    }
}

Describe 'Update-DcosCertificate from the cluster CA (a real cfssl serve behind the master stand-in)' -Tag Lifecycle, DescribedRenewal, Cluster {
    BeforeAll {
        $started = [System.Collections.Generic.List[int]]::new()
        function Start-Native([string] $File, [string[]] $Arguments) {
            $start = [System.Diagnostics.ProcessStartInfo]::new($File)
            foreach ($argument in $Arguments) { $start.ArgumentList.Add($argument) }
            $start.UseShellExecute = $false
            $process = [System.Diagnostics.Process]::Start($start)
            $started.Add($process.Id)
            if ($env:DCOSTLS_TEST_PIDS) { Add-Content -LiteralPath $env:DCOSTLS_TEST_PIDS -Value $process.Id }
            $process
        }
        . (Join-Path $PSScriptRoot 'ClusterCaPeer.ps1')
        $clusterCaPeer = Start-TestClusterCa -Folder (Join-Path $TestDrive 'cfssl') -CommonName 'Described Cluster CA' -ProfileName short -ProfileExpiry 240h
        $cfssl = $clusterCaPeer.Process
        $started.Add($cfssl.Id)
        $cfsslPort = $clusterCaPeer.Port
        $cfsslDir = $clusterCaPeer.Folder
        $portFile = Join-Path $TestDrive 'master.port'
        $tokenFile = Join-Path $TestDrive 'master.token'
        $agentList = Join-Path $TestDrive 'agents.json'
        Set-Content -LiteralPath $agentList -Value '[]'
        Set-Content -LiteralPath $tokenFile -Value ('eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.' +
            [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes((@{ uid = 'operator'; exp = [DateTimeOffset]::UtcNow.AddHours(1).ToUnixTimeSeconds() } | ConvertTo-Json -Compress))).TrimEnd('=').Replace('+', '-').Replace('/', '_') +
            '.c2lnbmF0dXJl' + [guid]::NewGuid().ToString('N'))
        $master = Start-Native python3 @((Join-Path $PSScriptRoot 'MesosMaster.py'), $portFile, $agentList, $tokenFile, "http://127.0.0.1:$cfsslPort")
        $deadline = [datetime]::UtcNow.AddSeconds(20)
        while (-not (Test-Path $portFile)) { if ([datetime]::UtcNow -gt $deadline -or $master.HasExited) { throw 'the master stand-in did not start' }; Start-Sleep -Milliseconds 100 }
        $masterUri = "http://127.0.0.1:$(Get-Content $portFile)"
        $login = [pscredential]::new('operator', (ConvertTo-SecureString 'operator-pw' -AsPlainText -Force))
    }

    AfterAll {
        Disconnect-DcosCluster -ErrorAction Ignore
        foreach ($id in $started) { Stop-Process -Id $id -Force -ErrorAction Ignore }
    }

    It 'renews from the same CA and profile through the session, and contacts nothing when not due (no session needed)' {
        $session = Connect-DcosCluster -Uri $masterUri -Credential $login -AllowUnencryptedAuthentication -WarningAction SilentlyContinue
        $folder = Join-Path $TestDrive 'cluster'
        New-DcosCertificate -CommonName cluster.example.com -DnsName cluster.example.com -Profile short -KeyAlgorithm ECDSA |
            Export-DcosCertificate -Path (Join-Path $folder 'registry.crt')
        $json = Get-Content -Raw (Join-Path $folder 'registry.crt.renewal.json') | ConvertFrom-Json
        $json.issuer.kind, $json.issuer.profile | Should -Be 'Cluster', 'short'
        Disconnect-DcosCluster
        $row = Update-DcosCertificate -Path $folder -PassThru
        $row.Renewed | Should -BeFalse -Because 'a ten-day certificate just issued is not due, and no session was asked for'
        { Update-DcosCertificate -Path $folder -Force -ErrorAction Stop } | Should -Throw -ErrorId 'NoDcosSession,*'
        $session = Connect-DcosCluster -Uri $masterUri -Credential $login -AllowUnencryptedAuthentication -WarningAction SilentlyContinue
        $row = Update-DcosCertificate -Path $folder -Force
        $row.Renewed | Should -BeTrue
        $new = Import-DcosCertificate -Path (Join-Path $folder 'registry.crt') -KeyPath (Join-Path $folder 'registry.key')
        $new.Thumbprint | Should -Be $row.Thumbprint
        $new.Issuer | Should -Be 'CN=Described Cluster CA'
        [int](($new.NotAfter - $new.NotBefore).TotalHours) | Should -BeIn 240, 241 -Because 'the short profile decides the validity again'
        @($new.DnsNames) | Should -Be @('cluster.example.com')
    }
}

Describe 'The Docker pairs: their descriptions, the inventory rows, the default window' -Tag Lifecycle, DescribedRenewal {
    BeforeAll {
        $server = New-DcosCertificate -Issuer $ca -CommonName agent20.internal -DnsName agent20.internal -ValidDays 20 -KeyAlgorithm ECDSA
        $client = New-DcosCertificate -Issuer $ca -CommonName operator20 -Usage Client -ValidDays 20 -KeyAlgorithm ECDSA
    }

    It 'keeps a description beside the daemon and client pairs, switched with them, and carried on by their renewal' {
        $root = Join-Path $TestDrive 'pairs'
        Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $server
        $tls = Join-Path $root 'etc/docker/tls'
        (Get-Item (Join-Path $tls 'server-cert.pem.renewal.json')).LinkTarget | Should -Be 'server.d/current/server-cert.pem.renewal.json'
        $row = Update-DockerDaemonCertificate -Root $root -Issuer $ca -Force -PassThru
        (Get-Content -Raw (Join-Path $tls 'server-cert.pem.renewal.json') | ConvertFrom-Json).certificate.thumbprint | Should -Be $row.Thumbprint
        $described = Update-DcosCertificate -Root $root -Path $tls -Force
        $described.Renewed | Should -BeTrue
        @($described.Files | Split-Path -Leaf) | Should -Be @('server-cert.pem', 'server-key.pem', 'server-cert.pem.renewal.json')
        Test-DockerDaemonTls -Root $root | Should -BeTrue
    }

    It 'renews a 20-day certificate after two thirds with the default window (not on every run), and warns when -RenewWithin is that long' {
        $root = Join-Path $TestDrive 'twenty'
        Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $server
        $row = Update-DockerDaemonCertificate -Root $root -Issuer $ca -PassThru
        $row.Renewed, $row.Rule | Should -Be $false, 'TwoThirds'
        $row = Update-DockerDaemonCertificate -Root $root -Issuer $ca -RenewWithin 30 -PassThru -WarningVariable warned 3>$null
        $row.Renewed, $row.Rule | Should -Be $true, 'Days'
        "$warned" | Should -Match 'every run renews it'
    }

    It 'pipes inventory rows into Update-DockerClientCertificate, Update-DockerDaemonCertificate and Update-DcosCertificate' {
        $root = Join-Path $TestDrive 'rows-root'
        $folder = Join-Path $TestDrive 'rows-client'
        Set-DockerDaemonTls -Root $root -CaCertificate $ca -Certificate $server
        $null = Install-DockerClientCertificate -Path $folder -CaCertificate $ca -Certificate $client
        $rows = @(Get-DcosTlsCertificate -Root $root -Path $folder)
        ($rows | Where-Object Role -EQ DaemonServer).RenewalDescription | Should -Be (Join-Path $root 'etc/docker/tls/server-cert.pem.renewal.json')
        ($rows | Where-Object Role -EQ DaemonServer).Root | Should -Be $root
        $renewed = @($rows | Where-Object Role -EQ Client | Update-DockerClientCertificate -Issuer $ca -Force -PassThru)
        $renewed.Count | Should -Be 1
        $renewed[0].Path | Should -Be (Join-Path $folder 'cert.pem')
        $daemon = @($rows | Where-Object Role -EQ DaemonServer | Update-DockerDaemonCertificate -Issuer $ca -Force -PassThru)
        $daemon.Count | Should -Be 1
        $daemon[0].Path | Should -Be (Join-Path $root 'etc/docker/tls/server-cert.pem')
        # Every row of the inventory: the CA rows have no description and are passed over; each pair once.
        $described = @(Get-DcosTlsCertificate -Root $root -Path $folder | Update-DcosCertificate -Issuer $ca -Force)
        @($described.Path | Sort-Object) | Should -Be @((Join-Path $root 'etc/docker/tls/server-cert.pem'), (Join-Path $folder 'cert.pem') | Sort-Object)
    }

    It 'lists certificates with a description in a -Path folder (not only ca.pem and cert.pem), a 3-day one among those expiring soon' {
        $d = New-Described inventory -ValidDays 3
        $rows = @(Get-DcosTlsCertificate -Root (Join-Path $TestDrive 'no-agent-here') -Path $d.Folder -ExpiringWithin 30 -ErrorAction SilentlyContinue)
        $row = $rows | Where-Object Path -EQ $d.File
        $row.Store, $row.Role | Should -Be 'File', 'Certificate'
        $row.Thumbprint | Should -Be $d.Certificate.Thumbprint
        $row.RenewalDescription | Should -Be $d.Description
        @($rows | Where-Object Health -EQ Missing) | Should -BeNullOrEmpty -Because 'a folder of exported certificates is not a docker CLI folder'
    }
}

Describe 'Update-DcosCertificate refuses, leaving the files as they are' -Tag Lifecycle, DescribedRenewal, BadInput {
    It 'a certificate file edited by hand (RenewalCertificateChanged)' {
        $d = New-Described edited
        $other = New-DcosCertificate -Issuer $ca -CommonName edited.example.com -ValidDays 9
        $other | Export-DcosCertificate -Path $d.File -Force -NoRenewalDescription
        $before = Get-FolderState $d.Folder
        Update-DcosCertificate -Path $d.Folder -Force -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RenewalCertificateChanged,*'
        $e[0].Exception.Message | Should -Match $other.Thumbprint
        Get-FolderState $d.Folder | Should -Be $before
    }

    It 'a local CA whose files are gone (RenewalIssuerNotFound), and renews with -Issuer' {
        $lostCa = New-TlsCertificateAuthority -CommonName 'Lost CA' -KeyAlgorithm ECDSA
        $lostFolder = Join-Path $TestDrive 'lost-ca'
        $lostCa | Export-DcosCertificate -Path (Join-Path $lostFolder 'ca.crt')
        $d = New-Described lostca -Issuer $lostCa
        Remove-Item -Recurse -LiteralPath $lostFolder
        $before = Get-FolderState $d.Folder
        Update-DcosCertificate -Path $d.Folder -Force -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RenewalIssuerNotFound,*'
        $e[0].Exception.Message | Should -Match 'lost-ca/ca.crt'
        Get-FolderState $d.Folder | Should -Be $before
        # Another CA is refused; the right one is taken.
        { Update-DcosCertificate -Path $d.Folder -Force -Issuer $ca -ErrorAction Stop } | Should -Throw -ErrorId 'RenewalIssuerMismatch,*'
        (Update-DcosCertificate -Path $d.Folder -Force -Issuer $lostCa).Renewed | Should -BeTrue
    }

    It 'an ACME account that is gone (RenewalAcmeAccountMissing), before anything is contacted' {
        $d = New-Described acme
        $json = Get-Content -Raw -LiteralPath $d.Description | ConvertFrom-Json
        $json.issuer = [pscustomobject]@{ kind = 'Acme'; usage = 'Server'; acmeDirectory = 'https://127.0.0.1:9/dir'; accountPath = (Join-Path $TestDrive 'no-account') }
        $json | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $d.Description
        $before = Get-FolderState $d.Folder
        Update-DcosCertificate -Path $d.Folder -Force -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RenewalAcmeAccountMissing,*'
        $e[0].Exception.Message | Should -Match 'no-account'
        Get-FolderState $d.Folder | Should -Be $before
    }

    It 'a malformed description (RenewalDescriptionInvalid), and goes on with the next' {
        $bad = New-Described malformed
        $good = New-Described afterbad
        '{ "version": 1, "format": "Pem", ' | Set-Content -LiteralPath $bad.Description
        $before = Get-FolderState $bad.Folder
        $rows = @(Update-DcosCertificate -Path $bad.Folder, $good.Folder -Force -ErrorVariable e -ErrorAction SilentlyContinue)
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RenewalDescriptionInvalid,*'
        $e[0].TargetObject | Should -Be $bad.Description
        $rows.Count | Should -Be 1
        Get-FolderState $bad.Folder | Should -Be $before
        foreach ($content in '[]', '{"version":2}', '{"version":1,"format":"Pem","issuer":{"kind":"Mystery"},"certificate":{"thumbprint":"AA"},"files":[{"role":"Certificate","name":"cert.crt"}]}',
            '{"version":1,"format":"Pem","issuer":{"kind":"SelfSigned"},"certificate":{"thumbprint":"AA"},"files":[{"role":"Certificate","name":"../../etc/passwd"}]}') {
            Set-Content -LiteralPath $bad.Description -Value $content
            { Update-DcosCertificate -Path $bad.Description -Force -ErrorAction Stop } | Should -Throw -ErrorId 'RenewalDescriptionInvalid,*' -Because $content
        }
    }

    It 'a path with no description (RenewalDescriptionNotFound)' {
        { Update-DcosCertificate -Path (Join-Path $TestDrive 'nothing.crt') -ErrorAction Stop } | Should -Throw -ErrorId 'RenewalDescriptionNotFound,*'
    }
}

Describe 'No secret in any stream or description' -Tag Lifecycle, DescribedRenewal {
    It 'keeps the key password and the private keys out of every stream and the descriptions' {
        $secret = 'Leak-Pa55word-7f3a'
        $password = ConvertTo-SecureString $secret -AsPlainText -Force
        $d = New-Described leak -Password $password
        $streams = Join-Path $TestDrive 'streams.txt'
        & { Update-DcosCertificate -Path $d.Folder -Force -Password $password -Verbose -PassThru; Update-DcosCertificate -Path $d.Folder -Password $password -PassThru -Verbose } *>&1 |
            ForEach-Object { $_ | Format-List * -Force | Out-String -Width 400 } | Set-Content -LiteralPath $streams
        (Get-Content -Raw -LiteralPath $d.Description | ConvertFrom-Json).passwordProtected | Should -BeTrue
        Get-Content -Raw (Join-Path $d.Folder 'cert.key') | Should -Match 'ENCRYPTED PRIVATE KEY'
        Get-Content -Raw -LiteralPath $streams | Should -Not -Match 'PRIVATE KEY'
        $files = @($streams) + @(Get-ChildItem -Recurse -Force -LiteralPath $d.Folder -Filter '*.renewal.json' | ForEach-Object FullName)
        Find-SecretLeak -Path $files -Secret $secret | Should -BeNullOrEmpty
    }
}

# A PKCS#12 file with a password costs seconds per read and write (600,000 PBKDF2 rounds).
Describe 'Update-DcosCertificate with a PKCS#12 file' -Tag Lifecycle, DescribedRenewal, Heavy {
    It 'renews a PKCS#12 file with its password, and asks for the password first' {
        $password = ConvertTo-SecureString 'p12-Pa55word' -AsPlainText -Force
        $p12 = New-Described pkcs -Format Pkcs12 -Password $password
        { Update-DcosCertificate -Path $p12.File -Force -ErrorAction Stop } | Should -Throw -ErrorId 'RenewalPasswordRequired,*'
        $row = Update-DcosCertificate -Path $p12.File -Force -Password $password
        $row.Renewed | Should -BeTrue
        $collection = [Security.Cryptography.X509Certificates.X509Certificate2Collection]::new()
        $collection.Import([IO.File]::ReadAllBytes($p12.File), 'p12-Pa55word', 'EphemeralKeySet')
        ($collection | Where-Object HasPrivateKey).Thumbprint | Should -Be $row.Thumbprint
    }
}

Describe 'The files a reader sees when Update-DcosCertificate is killed (SIGKILL) at each step' -Tag Lifecycle, DescribedRenewal, KillPoints, Heavy {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'PausedRun.ps1')
        # Plain files as Export-DcosCertificate wrote them: the first renewal converts them, then switches.
        $pristine = (New-Described killed).Folder
        function Get-SetState([string] $Folder) {
            $cert = Join-Path $Folder 'cert.crt'
            $fingerprint = ((openssl x509 -noout -fingerprint -sha1 -in $cert 2>$null) -replace '^.*=', '' -replace ':', '')
            $described = try { (Get-Content -Raw -LiteralPath (Join-Path $Folder 'cert.crt.renewal.json') -ErrorAction Stop | ConvertFrom-Json).certificate.thumbprint } catch { "unreadable: $_" }
            [pscustomobject]@{
                Matches     = (Test-PemPair $cert (Join-Path $Folder 'cert.key')) -and $fingerprint -eq $described
                Fingerprint = $fingerprint
                Detail      = "certificate $fingerprint, description $described"
            }
        }
        $manifest = (Resolve-Path (Join-Path $PSScriptRoot '../../DcosTls.psd1')).Path
        $script = Join-Path $TestDrive 'renew-described.ps1'
        Set-Content -LiteralPath $script -Value @'
param($Manifest, $Folder)
Import-Module $Manifest
$null = Update-DcosCertificate -Path $Folder -Force -ErrorAction Stop
'@
        $original = (Get-SetState $pristine).Fingerprint
        $run = Join-Path $TestDrive 'described-paused'
        & cp -a $pristine $run
        $states = @(Save-PausedState (Start-PausedChild $script @($manifest, $run)) $run (Join-Path $TestDrive 'described-kill-'))
        $finished = (Get-SetState $run).Matches -and (Get-SetState $run).Fingerprint -ne $original
        $killed = Join-Path $TestDrive 'described-killed'
        & cp -a $pristine $killed
        $at = Stop-AtPause (Start-PausedChild $script @($manifest, $killed)) $states.Count
        $states += [pscustomobject]@{ Step = $states.Count; At = "$at (SIGKILL)"; Root = $killed }
        $outcomes = @(foreach ($state in $states) {
                $set = Get-SetState $state.Root
                [pscustomobject]@{ Step = $state.Step; At = $state.At; Root = $state.Root; Matches = $set.Matches; Fingerprint = $set.Fingerprint; Detail = $set.Detail }
            })
    }

    It 'reaches every step and finishes after the last one' {
        $finished | Should -BeTrue
        $outcomes.Count | Should -BeGreaterOrEqual 10 -Because ($outcomes.At -join '; ')
    }

    It 'leaves the certificate, its key and its description matching after a kill at every step: all old until the switch, all new after' {
        foreach ($o in $outcomes) { $o.Matches | Should -BeTrue -Because "killed at step $($o.Step) ($($o.At)): $($o.Detail)" }
        $switched = @($outcomes | Where-Object Fingerprint -NE $original)
        @($outcomes | Select-Object -First ($outcomes.Count - $switched.Count) | Where-Object Fingerprint -NE $original) | Should -BeNullOrEmpty
    }

    It 'completes on the next run after a kill, removing what the killed run left' {
        foreach ($o in $outcomes) {
            $row = Update-DcosCertificate -Path $o.Root -Force
            $row.Renewed | Should -BeTrue -Because "resumed after step $($o.Step)"
            (Get-SetState $o.Root).Matches | Should -BeTrue -Because "resumed after step $($o.Step)"
            @(Get-ChildItem -Recurse -Force $o.Root -Filter '*.tmp') | Should -BeNullOrEmpty -Because "resumed after step $($o.Step) ($($o.At))"
        }
    }
}

Describe 'Update-DcosCertificate from an ACME CA (pebble, with the renewal information stand-in in front)' -Tag Acme, DescribedRenewal {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'AcmePeers.ps1')
        $bed = Start-AcmeTestBed -Path (Join-Path $TestDrive 'bed')
        $ari = Start-AcmeRenewalInfoStandIn $bed $TestDrive
        $directory = $ari.Directory
        $tsig = ConvertTo-SecureString $bed.TsigSecret -AsPlainText -Force
        $folder = Join-Path $TestDrive 'acme'
        $issued = New-DcosCertificate -AcmeDirectory $directory -CaCertificatePath $bed.TlsCa -AccountPath (Join-Path $TestDrive 'account') -AcceptTermsOfService `
            -CommonName described.acme.test -DnsServer "127.0.0.1:$($bed.DnsPort)" -TsigKeyName $bed.TsigKeyName -TsigSecret $tsig
        $issued | Export-DcosCertificate -Path (Join-Path $folder 'registry.pem') -Format HaproxyPem
        function Set-Window([datetime] $Start, [datetime] $End, [int] $RetryAfter = 21600) {
            $id = @(Get-Content -LiteralPath $ari.Log -ErrorAction Ignore)[-1]
            $format = { param($t) $t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", [cultureinfo]::InvariantCulture) }
            @{ $id = @{ start = (& $format $Start); end = (& $format $End); retryAfter = $RetryAfter } } | ConvertTo-Json -Depth 3 | Set-Content -LiteralPath $ari.Windows
        }
        # The answer Update-DcosCertificate keeps until the server's Retry-After, and the passing of that
        # time: the kept retry time moved an hour back (the shortest Retry-After kept is a minute, too long to wait).
        $kept = Join-Path $folder 'registry.pem.renewal-info.json'
        function Skip-RetryTime {
            $json = Get-Content -Raw -LiteralPath $kept | ConvertFrom-Json
            $json.retryAt = [datetime]::UtcNow.AddHours(-1).ToString('o')
            $json | ConvertTo-Json | Set-Content -LiteralPath $kept
        }
        function Get-AskedCount { @(Get-Content -LiteralPath $ari.Log -ErrorAction Ignore).Count }
    }

    AfterAll {
        Stop-AcmeRenewalInfoStandIn $ari
        if ($bed) { Stop-AcmeTestBed $bed }
    }

    It 'describes the directory, account and DNS-01 settings with the TSIG key name, never its secret' {
        $json = Get-Content -Raw (Join-Path $folder 'registry.pem.renewal.json') | ConvertFrom-Json
        $json.issuer.kind, $json.issuer.acmeDirectory, $json.issuer.tsigKeyName | Should -Be 'Acme', $directory, $bed.TsigKeyName
        $json.issuer.accountPath | Should -Be (Join-Path $TestDrive 'account')
        $json.format | Should -Be 'HaproxyPem'
        Find-SecretLeak -Path (Join-Path $folder 'registry.pem.renewal.json') -Secret $bed.TsigSecret | Should -BeNullOrEmpty
    }

    It 'follows the server''s renewal window (rule RenewalInfo): not due before it, renewed once it has come, with the TSIG secret asked again' {
        # The first question the stand-in sees names the certificate: its identifier is what the window is set for.
        $row = Update-DcosCertificate -Path $folder -PassThru -CaCertificatePath $bed.TlsCa
        $row.Renewed | Should -BeFalse
        Set-Window ([datetime]::UtcNow.AddDays(10)) ([datetime]::UtcNow.AddDays(11))
        Skip-RetryTime
        $row = Update-DcosCertificate -Path $folder -PassThru
        $row.Rule, $row.Renewed | Should -Be 'RenewalInfo', $false
        $row.RenewAt | Should -BeGreaterThan ([datetime]::UtcNow.AddDays(9.9))

        Set-Window ([datetime]::UtcNow.AddDays(-2)) ([datetime]::UtcNow.AddDays(-1))
        Skip-RetryTime
        # The first run due asks and keeps the window; the one watched decides from it.
        Update-DcosCertificate -Path $folder -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $asked = Get-AskedCount
        $before = Get-FolderState $folder
        Update-DcosCertificate -Path $folder -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e.Count | Should -Be 1 -Because 'a DNS-01 description whose secret was given as -TsigSecret needs it again'
        Get-FolderState $folder | Should -Be $before
        Get-AskedCount | Should -Be $asked

        $streams = Join-Path $TestDrive 'acme-streams.txt'
        & { Update-DcosCertificate -Path $folder -TsigSecret $tsig -Verbose } *>&1 | ForEach-Object { $_ | Format-List * -Force | Out-String -Width 400 } | Set-Content -LiteralPath $streams
        $renewed = Import-DcosCertificate -Path (Join-Path $folder 'registry.pem')
        $renewed.Thumbprint | Should -Not -Be $issued.Thumbprint
        @($renewed.DnsNames) | Should -Be @($issued.DnsNames)
        Get-Content -Raw $streams | Should -Match 'Rule\s+: RenewalInfo'
        Find-SecretLeak -Path $streams, (Join-Path $folder 'registry.pem.renewal.json') -Secret $bed.TsigSecret | Should -BeNullOrEmpty
    }

    It 'asks the server once per Retry-After: a run before it decides from the kept answer and contacts nothing' {
        # The certificate renewed above is new to the server (404): that is kept too, and the dates decide.
        $count = Get-AskedCount
        $row = Update-DcosCertificate -Path $folder -PassThru
        $row.Rule | Should -Be 'TwoThirds'
        Get-AskedCount | Should -Be ($count + 1)
        $verbose = Update-DcosCertificate -Path $folder -PassThru -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        Get-AskedCount | Should -Be ($count + 1) -Because 'a failed answer is kept until its retry time as well'
        "$verbose" | Should -BeLike '*kept in*decides until*not usable (AcmeRenewalInfoUnavailable)*'

        # A window ahead, with a Retry-After of one second: held to the shortest, a minute.
        Set-Window ([datetime]::UtcNow.AddDays(10)) ([datetime]::UtcNow.AddDays(11)) -RetryAfter 1
        Skip-RetryTime
        $verbose = Update-DcosCertificate -Path $folder -PassThru -Verbose 4>&1
        $first = $verbose | Where-Object { $_ -is [DcosTls.Lifecycle.DescribedRenewalResult] }
        $first.Rule, $first.Renewed | Should -Be 'RenewalInfo', $false
        "$($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })" | Should -BeLike '*Asked*for the renewal information*Kept in*'
        Get-AskedCount | Should -Be ($count + 2)
        $json = Get-Content -Raw -LiteralPath $kept | ConvertFrom-Json -DateKind Utc
        $json.answer, $json.retryAfterSeconds | Should -Be 'Window', 60
        ($json.retryAt - $json.askedAt).TotalSeconds | Should -Be 60
        $json.chosenAt | Should -BeGreaterOrEqual $json.windowStart
        $json.chosenAt | Should -BeLessOrEqual $json.windowEnd
        $first.RenewAt | Should -Be $json.chosenAt
        [int](Get-Item -LiteralPath $kept).UnixFileMode | Should -Be 420 -Because '0644: it holds nothing secret'

        # Two runs in a row: one question. The second decides from the kept answer.
        $verbose = Update-DcosCertificate -Path $folder -PassThru -Verbose 4>&1
        Get-AskedCount | Should -Be ($count + 2)
        "$($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })" | Should -BeLike '*kept in*decides until*is not asked before then*'
        ($verbose | Where-Object { $_ -is [DcosTls.Lifecycle.DescribedRenewalResult] }).RenewAt | Should -Be $first.RenewAt
        Update-DcosCertificate -Path $folder -Force -WhatIf -TsigSecret $tsig
        Get-AskedCount | Should -Be ($count + 2) -Because '-Force renews at once without asking'

        # Once the retry time has passed, the server is asked again and the kept answer updated.
        $askedBefore = $json.askedAt
        Skip-RetryTime
        $row = Update-DcosCertificate -Path $folder -PassThru
        Get-AskedCount | Should -Be ($count + 3)
        $row.Rule | Should -Be 'RenewalInfo'
        (Get-Content -Raw -LiteralPath $kept | ConvertFrom-Json -DateKind Utc).askedAt | Should -BeGreaterThan $askedBefore
    }
}
