<#
    Rows that flow from one command into the next, paths typed relative to the pwsh location, and
    the message for a CA that has the right name but the wrong key - in real pwsh, as an operator
    would type them.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    $manifest = (Resolve-Path (Join-Path $PSScriptRoot '../../DcosTls.psd1')).Path

    # One line per row, without the root: what two agents have in common when they trust alike.
    function Get-TrustShape([string] $Root) {
        Get-DockerRegistryTrust -Root $Root | ForEach-Object {
            '{0}|{1}|{2}|{3}|{4}|{5}' -f $_.Target, $_.Registry, (Split-Path -Leaf $_.Path), $_.Thumbprint, ($_.Links -join ','), $_.Health
        } | Sort-Object
    }

    # Runs a script in a child pwsh whose standard input answers its prompts, and returns what it printed.
    function Invoke-ChildPwsh([string] $Script, [string[]] $Answers) {
        $file = Join-Path $TestDrive "child-$([guid]::NewGuid().ToString('n')).ps1"
        Set-Content -LiteralPath $file -Value $Script
        $exe = [Environment]::ProcessPath
        # pwsh as a dotnet tool runs as "dotnet pwsh.dll"; an installed pwsh is its own executable.
        $first = @(if ((Split-Path -Leaf $exe) -like 'dotnet*') { Join-Path $PSHOME 'pwsh.dll' })
        $out = ($Answers -join "`n") | & $exe @first -NoProfile -File $file 2>&1 | Out-String
        # Prompts wrap at the console width; the text of one prompt is whole again without the line breaks.
        $out -replace '\x1b\[[0-9;]*m', '' -replace '\r?\n', ''
    }
}

Describe 'Get-DockerRegistryTrust rows flow into Install and Uninstall' -Tag Flow {
    BeforeAll {
        $ca = New-TlsCertificateAuthority -CommonName 'Flow CA' -KeyAlgorithm ECDSA
        $source = Join-Path $TestDrive 'source'
        $null = $ca | Install-DockerRegistryTrust -Registry a.internal:5000, b.internal:5000 -Root $source -Target Docker, Mesos, Containers
    }

    It 'copies what is installed to another root, each row into its own store' {
        $copy = Join-Path $TestDrive 'copy'
        $rows = Get-DockerRegistryTrust -Root $source | Install-DockerRegistryTrust -Root $copy
        $rows.Action | Sort-Object -Unique | Should -Be 'Created'
        @(Get-TrustShape $source).Count | Should -Be 5 -Because 'two Docker folders, two containers folders, one Mesos file'
        Get-TrustShape $copy | Should -Be (Get-TrustShape $source)
    }

    It 'copies again without changing anything' {
        $copy = Join-Path $TestDrive 'copy-twice'
        $null = Get-DockerRegistryTrust -Root $source | Install-DockerRegistryTrust -Root $copy
        $again = Get-DockerRegistryTrust -Root $source | Install-DockerRegistryTrust -Root $copy
        $again.Action | Sort-Object -Unique | Should -Be 'Unchanged'
    }

    It 'does nothing when Get finds nothing' {
        $empty = Join-Path $TestDrive 'empty'
        $null = New-Item -ItemType Directory -Path $empty
        Get-DockerRegistryTrust -Root $empty | Install-DockerRegistryTrust -Root (Join-Path $TestDrive 'nowhere') | Should -BeNullOrEmpty
    }

    It 'returns nothing for a registry that has nothing installed' {
        Get-DockerRegistryTrust -Root $source -Registry other.internal:5000 | Should -BeNullOrEmpty
    }

    It 'lists the shared Mesos file for a registry whose certs.d holds the same CA, under that registry' {
        $rows = @(Get-DockerRegistryTrust -Root $source -Registry a.internal:5000)
        $rows.Target | Sort-Object | Should -Be @('Containers', 'Docker', 'Mesos')
        ($rows | Where-Object Target -EQ 'Mesos').Registry | Should -Be 'a.internal:5000'
        $rows.Registry | Sort-Object -Unique | Should -Be 'a.internal:5000'
    }

    It 'does not relate the Mesos file to a registry whose certs.d holds another CA' {
        $root = Join-Path $TestDrive 'two-cas'
        $other = New-TlsCertificateAuthority -CommonName 'Other CA' -KeyAlgorithm ECDSA
        $null = $ca | Install-DockerRegistryTrust -Registry a.internal:5000 -Root $root
        $null = $other | Install-DockerRegistryTrust -Registry c.internal:5000 -Root $root -Target Docker
        $mesos = @(Get-DockerRegistryTrust -Root $root -Registry c.internal:5000 -Target Mesos)
        $mesos | Should -BeNullOrEmpty
    }

    It 'asks about each file once when Get rows are piped into Uninstall -Confirm' {
        # A child pwsh with its standard input redirected answers the real -Confirm prompts: "n"
        # to each, so nothing is removed and every prompt is printed.
        $root = Join-Path $TestDrive 'confirm'
        $null = $ca | Install-DockerRegistryTrust -Registry a.internal:5000, b.internal:5000 -Root $root -Target Docker, Mesos, Containers
        $before = Get-TrustShape $root
        $files = @(Get-ChildItem -LiteralPath $root -Recurse -Force | Where-Object { -not $_.PSIsContainer }).Count
        $files | Should -Be 6 -Because 'four certs.d files, the Mesos file and its hash link'
        $out = Invoke-ChildPwsh -Answers (@('n') * 20) -Script @"
Import-Module '$manifest'
Get-DockerRegistryTrust -Root '$root' | Uninstall-DockerRegistryTrust -Root '$root' -Confirm | Out-Null
'child done'
"@
        $out | Should -Match 'child done'
        $asked = @([regex]::Matches($out, 'Performing the operation "Remove" on target\s*"([^"]+)"') | ForEach-Object { $_.Groups[1].Value })
        $asked.Count | Should -Be 6
        @($asked | Sort-Object -Unique).Count | Should -Be 6 -Because 'no file is asked about twice'
        Get-TrustShape $root | Should -Be $before -Because 'every prompt was answered No'
    }

    It 'removes each file once when Get rows are piped into Uninstall' {
        $root = Join-Path $TestDrive 'remove'
        $null = $ca | Install-DockerRegistryTrust -Registry a.internal:5000, b.internal:5000 -Root $root -Target Docker, Mesos, Containers
        $removed = @(Get-DockerRegistryTrust -Root $root | Uninstall-DockerRegistryTrust -Root $root -Confirm:$false)
        $removed.Count | Should -Be 6
        @($removed.Path | Sort-Object -Unique).Count | Should -Be 6
        $removed.Action | Sort-Object -Unique | Should -Be 'Removed'
        Get-DockerRegistryTrust -Root $root | Should -BeNullOrEmpty
    }

    It 'keeps the Mesos file when Get rows of one registry are uninstalled and another still uses the CA' {
        $root = Join-Path $TestDrive 'one-of-two'
        $null = $ca | Install-DockerRegistryTrust -Registry a.internal:5000, b.internal:5000 -Root $root
        $removed = Get-DockerRegistryTrust -Root $root -Registry a.internal:5000 |
            Uninstall-DockerRegistryTrust -Root $root -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue
        $removed.Target | Should -Be 'Docker'
        ($warned -join "`n") | Should -Match 'b\.internal:5000'
        (Get-DockerRegistryTrust -Root $root -Target Mesos).Health | Should -Be 'OK'
    }
}

Describe 'Relative paths resolve against the pwsh location' -Tag Flow {
    BeforeAll {
        $ca = New-TlsCertificateAuthority -CommonName 'Relative CA' -KeyAlgorithm ECDSA
        $work = Join-Path $TestDrive 'work'
        $null = New-Item -ItemType Directory -Path $work
        # The process directory (where pwsh started) is not $work: a path resolved against it lands elsewhere.
        [Environment]::CurrentDirectory | Should -Not -Be $work
    }
    BeforeEach { Push-Location -LiteralPath $work }
    AfterEach { Pop-Location }

    It 'Install, Get, Test and Uninstall-DockerRegistryTrust take -Root and -Path from the current location' {
        $null = Export-DcosCertificate -Certificate $ca -Path ./ca -NoKey
        Test-Path -LiteralPath (Join-Path $work 'ca.crt') | Should -BeTrue

        # Port 1 is closed on loopback: Test stops at the connection, after reading the installed CAs.
        $installed = Install-DockerRegistryTrust -Registry a.internal:1 -Path ./ca.crt -Root ./agent
        $installed.Action | Should -Contain 'Created'
        Test-Path -LiteralPath (Join-Path $work 'agent/etc/docker/certs.d/a.internal:1') | Should -BeTrue
        @(Get-DockerRegistryTrust -Root ./agent).Count | Should -Be 2

        $test = Test-DockerRegistryTrust -Registry a.internal:1 -Root ./agent -ConnectAddress 127.0.0.1 -TimeoutSec 2 -Detailed
        $test.InstalledCertificates | Should -Be 1
        $test.Reason | Should -Not -Be 'NoInstalledCertificates'

        $removed = Uninstall-DockerRegistryTrust -Path ./ca.crt -Root ./agent -Confirm:$false
        $removed.Action | Sort-Object -Unique | Should -Be 'Removed'
        Get-DockerRegistryTrust -Root ./agent | Should -BeNullOrEmpty
    }

    It 'Export and Import-DcosCertificate take -Path and -KeyPath from the current location' {
        $server = New-DcosCertificate -Issuer $ca -CommonName relative.internal -DnsName relative.internal -KeyAlgorithm ECDSA
        $null = Export-DcosCertificate -Certificate $server -Path ./out/server -ErrorAction Stop
        Test-Path -LiteralPath (Join-Path $work 'out/server.key') | Should -BeTrue
        $back = Import-DcosCertificate -Path ./out/server.crt -KeyPath ./out/server.key
        $back.HasPrivateKey | Should -BeTrue
        $back.Thumbprint | Should -Be $server.Thumbprint
    }

    It 'credential commands take -Path, -Root and -AsConfigYaml from the current location' {
        $credential = [pscredential]::new('puller', (ConvertTo-SecureString 'not-a-real-secret' -AsPlainText -Force))
        $login = New-DockerAuthConfig -Registry a.internal:5000 -Credential $credential
        $null = Set-MesosDockerConfig -InputObject $login -Root ./agent -Confirm:$false
        Test-Path -LiteralPath (Join-Path $work 'agent/var/lib/dcos/docker_credentials') | Should -BeTrue
        (Import-DockerAuthConfig -Path ./agent/var/lib/dcos/docker_credentials).Registry | Should -Be 'a.internal:5000'

        $null = Set-MesosDockerConfig -InputObject $login -AsConfigYaml ./docker-credentials.yaml -Confirm:$false
        Test-Path -LiteralPath (Join-Path $work 'docker-credentials.yaml') | Should -BeTrue

        $null = $login | New-DockerAuthArchive -Path ./docker.tar.gz -Confirm:$false
        Test-Path -LiteralPath (Join-Path $work 'docker.tar.gz') | Should -BeTrue
    }

    It 'daemon TLS commands take -Root and -Path from the current location' {
        $server = New-DcosCertificate -Issuer $ca -CommonName daemon.internal -DnsName daemon.internal -IPAddress 127.0.0.1 -Usage Server -KeyAlgorithm ECDSA
        $client = New-DcosCertificate -Issuer $ca -CommonName operator -Usage Client -KeyAlgorithm ECDSA
        $null = Set-DockerDaemonTls -CaCertificate $ca -Certificate $server -Hosts 'unix:///var/run/docker.sock', 'tcp://127.0.0.1:2376' -Root ./daemon -Confirm:$false
        Test-Path -LiteralPath (Join-Path $work 'daemon/etc/docker/daemon.json') | Should -BeTrue
        $checks = Test-DockerDaemonTls -Root ./daemon -Detailed
        ($checks | Where-Object Check -EQ 'TlsFiles').Passed | Should -BeTrue

        $null = Install-DockerClientCertificate -CaCertificate $ca -Certificate $client -Path ./client -Confirm:$false
        Test-Path -LiteralPath (Join-Path $work 'client/cert.pem') | Should -BeTrue
    }

    It 'Connect-DcosCluster reads -PrivateKeyPath and -CaCertificatePath from the current location' {
        $null = Export-DcosCertificate -Certificate $ca -Path ./pin -NoKey
        $account = New-DcosCertificate -Issuer $ca -CommonName account -KeyAlgorithm RSA
        $null = Export-DcosCertificate -Certificate $account -Path ./account
        # Port 1 on loopback is closed: the files must have been read before the connection fails.
        $failure = { Connect-DcosCluster -Uri https://127.0.0.1:1 -ServiceAccount svc -PrivateKeyPath ./account.key -CaCertificatePath ./pin.crt -ErrorAction Stop } |
            Should -Throw -PassThru -Because 'nothing listens on port 1'
        $failure.FullyQualifiedErrorId | Should -Not -Match 'NotFound|Unreadable|Invalid.*Path'
        $failure.Exception.Message | Should -Not -Match '\.key|\.crt' -Because 'the files were found and read; only the connection failed'
    }

    It 'the no-path check sees a path: a missing -PrivateKeyPath is named in the error it would catch' {
        # Positive control of the check above: where a file is not found, the same two checks fail.
        $failure = { Connect-DcosCluster -Uri https://127.0.0.1:1 -ServiceAccount svc -PrivateKeyPath ./absent.key -ErrorAction Stop } |
            Should -Throw -PassThru
        { $failure.FullyQualifiedErrorId | Should -Not -Match 'NotFound|Unreadable|Invalid.*Path' } | Should -Throw
        { $failure.Exception.Message | Should -Not -Match '\.key|\.crt' } | Should -Throw
        $failure.Exception.Message | Should -Match 'absent\.key'
    }

    It 'relative paths go by the file system location when the current location is another provider' {
        $null = Export-DcosCertificate -Certificate $ca -Path ./env-ca -NoKey
        Set-Location Env:
        $rows = Install-DockerRegistryTrust -Registry e.internal:5000 -Path ./env-ca.crt -Root ./env-agent
        $rows.Action | Should -Contain 'Created'
        Test-Path -LiteralPath (Join-Path $work 'env-agent/etc/docker/certs.d/e.internal:5000') | Should -BeTrue
    }

    It 'completes -Registry of <Command> from a relative -Root after Set-Location' -ForEach @(
        @{ Command = 'Get-DockerRegistryTrust' }
        @{ Command = 'Install-DockerRegistryTrust' }
        @{ Command = 'Uninstall-DockerRegistryTrust' }
        @{ Command = 'Test-DockerRegistryTrust' }
        @{ Command = 'Set-MesosDockerConfig' }
        @{ Command = 'New-DockerAuthArchive' }
    ) {
        $null = $ca | Install-DockerRegistryTrust -Registry completion.internal:5000 -Root (Join-Path $work 'complete')
        $null = New-Item -ItemType Directory -Path (Join-Path $work 'deeper') -Force
        Set-Location -LiteralPath (Join-Path $work 'deeper')
        $line = "$Command -Root ../complete -Registry comp"
        $completions = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches
        $completions.CompletionText | Should -Contain 'completion.internal:5000'
    }
}

Describe 'A CA with the issuer''s name but another key' -Tag Flow {
    BeforeAll {
        # Two CAs made under one name: the second stands for a CA created again.
        $issuer = New-TlsCertificateAuthority -CommonName 'Twin CA' -KeyAlgorithm ECDSA
        $twin = New-TlsCertificateAuthority -CommonName 'Twin CA' -KeyAlgorithm ECDSA
        $server = New-DcosCertificate -Issuer $issuer -CommonName twin.internal -DnsName twin.internal -IPAddress 127.0.0.1 -Usage Server -KeyAlgorithm ECDSA
    }

    It 'Test-DockerRegistryTrust says the names match but the key differs' {
        $dir = Join-Path $TestDrive 'twin-registry'
        $null = Export-DcosCertificate -Certificate $server -Path (Join-Path $dir 'server')
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $port = $listener.LocalEndpoint.Port
        # A TLS server on loopback that presents the certificate issued by the first CA.
        $job = Start-ThreadJob -ArgumentList $listener, (Join-Path $dir 'server.crt'), (Join-Path $dir 'server.key') -ScriptBlock {
            param($listener, $crt, $key)
            $certificate = [System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPemFile($crt, $key)
            while ($true) {
                try { $client = $listener.AcceptTcpClient() } catch { break }
                try {
                    $ssl = [System.Net.Security.SslStream]::new($client.GetStream())
                    $ssl.AuthenticateAsServer($certificate)
                }
                catch { }
                finally { $client.Dispose() }
            }
        }
        try {
            $root = Join-Path $TestDrive 'twin-agent'
            $null = $twin | Install-DockerRegistryTrust -Registry "twin.internal:$port" -Root $root -Target Docker
            $result = Test-DockerRegistryTrust -Registry "twin.internal:$port" -Root $root -ConnectAddress 127.0.0.1 -TimeoutSec 5 -Detailed
            $result.Trusted | Should -BeFalse
            $result.Message | Should -Match "issuer's name 'CN=Twin CA' but a different key"
            $result.Message | Should -Match 'Install the CA certificate that really issued'
        }
        finally {
            $listener.Stop()
            $job | Wait-Job -Timeout 10 | Out-Null
            $job | Remove-Job -Force
        }
    }

    It 'New-DcosCertificate -SkipIfValid skips a row only when its file came from the -Issuer given' {
        $certs = Join-Path $TestDrive 'skip'
        $null = New-Item -ItemType Directory -Force $certs
        $rows = @([pscustomobject]@{ CommonName = 'a.internal'; DnsName = 'a.internal' }, [pscustomobject]@{ CommonName = 'b.internal'; DnsName = 'b.internal' })
        $path = { Join-Path $certs "$($_.CommonName).crt" }
        $first = @($rows | New-DcosCertificate -Issuer $issuer -KeyAlgorithm ECDSA -SkipIfValid $path)
        $first.Count | Should -Be 2
        $first | Export-DcosCertificate -Path $path

        $again = @($rows | New-DcosCertificate -Issuer $issuer -KeyAlgorithm ECDSA -SkipIfValid $path -Verbose 4>&1)
        @($again | Where-Object { $_ -is [DcosTls.Certificates.DcosCertificate] }).Count | Should -Be 0
        @($again | Where-Object { "$_" -like 'Skipped*' }).Count | Should -Be 2

        # The twin has the same name and another key: its batch must not keep the first CA's files.
        $moved = @($rows | New-DcosCertificate -Issuer $twin -KeyAlgorithm ECDSA -SkipIfValid $path -Verbose 4>&1)
        $issued = @($moved | Where-Object { $_ -is [DcosTls.Certificates.DcosCertificate] })
        $issued.Count | Should -Be 2
        $issued | ForEach-Object { $_.Chain[0].Thumbprint | Should -Be $twin.Thumbprint }
        @($moved | Where-Object { "$_" -match "was issued by 'CN=Twin CA', not by 'CN=Twin CA' \(thumbprint $($twin.Thumbprint)\)" }).Count | Should -Be 2

        $selfSigned = @($rows | New-DcosCertificate -SelfSigned -KeyAlgorithm ECDSA -SkipIfValid $path -Verbose 4>&1)
        @($selfSigned | Where-Object { $_ -is [DcosTls.Certificates.DcosCertificate] }).Count | Should -Be 2
        @($selfSigned | Where-Object { "$_" -match 'not self-signed' }).Count | Should -Be 2
    }

    It 'Test-DockerDaemonTls and Set-DockerDaemonTls say the names match but the key differs' {
        $root = Join-Path $TestDrive 'twin-daemon'
        $null = Set-DockerDaemonTls -CaCertificate $twin -Certificate $server -Hosts 'tcp://127.0.0.1:2376' -Root $root -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue
        ($warned -join "`n") | Should -Match 'different key'
        $chain = Test-DockerDaemonTls -Root $root -Detailed | Where-Object Check -EQ 'ServerChain'
        $chain.Passed | Should -BeFalse
        $chain.Detail | Should -Match "issuer's name 'CN=Twin CA' but a different key"
    }

    It 'says nothing about keys when the CA is really the issuer' {
        $root = Join-Path $TestDrive 'right-daemon'
        $null = Set-DockerDaemonTls -CaCertificate $issuer -Certificate $server -Hosts 'tcp://127.0.0.1:2376' -Root $root -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue
        ($warned -join "`n") | Should -Not -Match 'different key'
        (Test-DockerDaemonTls -Root $root -Detailed | Where-Object Check -EQ 'ServerChain').Passed | Should -BeTrue
    }
}
