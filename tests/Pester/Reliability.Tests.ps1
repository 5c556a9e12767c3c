<#
    Multi-file changes are all or nothing as the agent sees it: a write that cannot happen is refused
    before the first file changes, and a write that fails partway puts back every file already
    switched. Failures are real: a file where a folder goes, and immutable files (chattr +i, which
    stops root too).
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    $ca = New-TlsCertificateAuthority -CommonName 'Reliability CA' -KeyAlgorithm ECDSA
    $server = New-DcosCertificate -Issuer $ca -CommonName docker.internal -DnsName docker.internal -IPAddress 127.0.0.1 -KeyAlgorithm ECDSA
    $password = ConvertTo-SecureString 'not-a-real-password' -AsPlainText -Force
    $login = New-DockerAuthConfig -Registry repo.internal:5000 -Credential ([pscredential]::new('puller', $password))
    $other = New-DockerAuthConfig -Registry other.internal:5000 -Credential ([pscredential]::new('other', $password))

    # Every entry under the root: path, kind, mode and content hash (or link target).
    function Get-AgentState([string] $Root) {
        @(Get-ChildItem -LiteralPath $Root -Recurse -Force | Sort-Object FullName | ForEach-Object {
                $relative = [IO.Path]::GetRelativePath($Root, $_.FullName)
                if ($_.LinkTarget) { "$relative -> $($_.LinkTarget)" }
                elseif ($_.PSIsContainer) { "$relative/" }
                else { "$relative $($_.UnixFileMode) $((Get-FileHash -LiteralPath $_.FullName).Hash)" }
            }) -join "`n"
    }

    function New-AgentRoot {
        $root = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $null = New-Item -ItemType Directory -Path "$root/etc/docker", "$root/var/lib/dcos"
        Set-Content -LiteralPath "$root/etc/docker/daemon.json" -Value '{ "log-driver": "journald" }' -NoNewline
        $root
    }

    # chattr +i stops root as well; the test is skipped where the file system has no such flag.
    function Set-Immutable([string] $Path) {
        & chattr +i $Path 2>$null
        $LASTEXITCODE -eq 0
    }
    $script:immutable = [System.Collections.Generic.List[string]]::new()
    # TestDrive cannot be removed while a file in it is immutable.
    function Clear-Immutable {
        foreach ($path in $script:immutable) { & chattr -i $path 2>$null }
        $script:immutable.Clear()
    }
}

Describe 'Set-DockerDaemonTls -Hosts changes all files or none' -Tag Reliability {
    AfterEach { Clear-Immutable }

    It 'refuses before any write when a file sits where the drop-in folder goes, and names it' {
        $root = New-AgentRoot
        $null = New-Item -ItemType Directory -Path "$root/etc/systemd/system"
        Set-Content -LiteralPath "$root/etc/systemd/system/docker.service.d" -Value 'not a folder'
        $before = Get-AgentState $root

        { Set-DockerDaemonTls -CaCertificate $ca -Certificate $server -Hosts 'unix:///var/run/docker.sock', 'tcp://127.0.0.1:2376' -Root $root -Confirm:$false -WarningAction SilentlyContinue } |
            Should -Throw -ErrorId 'PathBlockedByFile,DcosTls.Cmdlets.SetDockerDaemonTlsCommand' -ExpectedMessage "*docker.service.d*"
        Get-AgentState $root | Should -Be $before
        Get-Content -Raw "$root/etc/docker/daemon.json" | Should -Not -Match 'hosts'
    }

    It 'refuses before any write when the drop-in folder is immutable' {
        $root = New-AgentRoot
        $null = New-Item -ItemType Directory -Path "$root/etc/systemd/system/docker.service.d"
        if (-not (Set-Immutable "$root/etc/systemd/system/docker.service.d")) { Set-ItResult -Skipped -Because 'chattr +i is not supported here'; return }
        $script:immutable.Add("$root/etc/systemd/system/docker.service.d")
        $before = Get-AgentState $root

        $failure = $null
        try { Set-DockerDaemonTls -CaCertificate $ca -Certificate $server -Hosts 'tcp://127.0.0.1:2376' -Root $root -Confirm:$false -WarningAction SilentlyContinue }
        catch { $failure = $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'TargetNotWritable,*'
        $failure.CategoryInfo.Category | Should -Be 'PermissionDenied'
        "$failure" | Should -BeLike "*docker.service.d*"
        Get-AgentState $root | Should -Be $before
    }

    It 'rolls back the TLS files and the drop-in when daemon.json cannot be switched, and names the files' {
        $root = New-AgentRoot
        # The backup of daemon.json is immutable: the change fails after the TLS files and the drop-in.
        Set-Content -LiteralPath "$root/etc/docker/daemon.json.dcostls.bak" -Value 'an older backup'
        if (-not (Set-Immutable "$root/etc/docker/daemon.json.dcostls.bak")) { Set-ItResult -Skipped -Because 'chattr +i is not supported here'; return }
        $script:immutable.Add("$root/etc/docker/daemon.json.dcostls.bak")
        $before = Get-AgentState $root

        $failure = $null
        try { Set-DockerDaemonTls -CaCertificate $ca -Certificate $server -Hosts 'unix:///var/run/docker.sock', 'tcp://127.0.0.1:2376' -Root $root -Confirm:$false -WarningAction SilentlyContinue }
        catch { $failure = $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'AgentChangeRolledBack,*'
        $failure.CategoryInfo.Category | Should -Be 'WriteError'
        "$failure" | Should -BeLike '*daemon.json.dcostls.bak*'
        "$failure" | Should -BeLike '*dcostls-hosts.conf*'
        "$failure" | Should -BeLike '*server-key.pem*'
        Get-AgentState $root | Should -Be $before
    }

    It 'still writes the drop-in before daemon.json names "hosts" when all goes well' {
        $root = New-AgentRoot
        $rows = Set-DockerDaemonTls -CaCertificate $ca -Certificate $server -Hosts 'unix:///var/run/docker.sock' -Root $root -Confirm:$false -PassThru
        $roles = @($rows | ForEach-Object Role)
        [array]::IndexOf($roles, 'SystemdDropIn') | Should -BeLessThan ([array]::IndexOf($roles, 'DaemonConfig'))
        Get-Content -Raw "$root/etc/docker/daemon.json" | Should -Match 'unix:///var/run/docker.sock'
    }
}

Describe 'Set-MesosDockerConfig changes the credentials and mesos-slave-common together' -Tag Reliability {
    AfterEach { Clear-Immutable }

    It 'puts the credentials file back when mesos-slave-common cannot be switched' {
        $root = New-AgentRoot
        $login | Set-MesosDockerConfig -Root $root -Confirm:$false
        Set-Content -LiteralPath "$root/var/lib/dcos/mesos-slave-common" -Value 'MESOS_FOO=1'
        Set-Content -LiteralPath "$root/var/lib/dcos/mesos-slave-common.dcostls.bak" -Value 'an older backup'
        if (-not (Set-Immutable "$root/var/lib/dcos/mesos-slave-common.dcostls.bak")) { Set-ItResult -Skipped -Because 'chattr +i is not supported here'; return }
        $script:immutable.Add("$root/var/lib/dcos/mesos-slave-common.dcostls.bak")
        $before = Get-AgentState $root

        $failure = $null
        try { $other | Set-MesosDockerConfig -Root $root -Confirm:$false }
        catch { $failure = $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'AgentChangeRolledBack,*'
        "$failure" | Should -BeLike '*docker_credentials*'
        "$failure" | Should -Not -BeLike '*not-a-real-password*'
        Get-AgentState $root | Should -Be $before
        Get-Content -Raw "$root/var/lib/dcos/docker_credentials" | Should -Not -Match 'other.internal'
    }

    It 'refuses before any write when a folder sits where the credentials file goes' {
        $root = New-AgentRoot
        $null = New-Item -ItemType Directory -Path "$root/var/lib/dcos/docker_credentials"
        $before = Get-AgentState $root
        { $login | Set-MesosDockerConfig -Root $root -Confirm:$false } | Should -Throw -ErrorId 'TargetIsDirectory,*'
        Get-AgentState $root | Should -Be $before
    }
}

Describe 'Install-DockerRegistryTrust changes Docker and Mesos together' -Tag Reliability {
    AfterEach { Clear-Immutable }

    It 'takes the Docker CA back out when the Mesos folder cannot be written' {
        $root = New-AgentRoot
        $null = New-Item -ItemType Directory -Path "$root/var/lib/dcos/pki/tls/certs"
        if (-not (Set-Immutable "$root/var/lib/dcos/pki/tls/certs")) { Set-ItResult -Skipped -Because 'chattr +i is not supported here'; return }
        $script:immutable.Add("$root/var/lib/dcos/pki/tls/certs")
        $before = Get-AgentState $root

        $failure = $null
        try { $ca | Install-DockerRegistryTrust -Registry repo.internal:5000 -Target Docker, Mesos -Root $root -Confirm:$false }
        catch { $failure = $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'AgentChangeRolledBack,*'
        "$failure" | Should -BeLike '*certs.d/repo.internal:5000*'
        Get-AgentState $root | Should -Be $before
        Test-Path "$root/etc/docker/certs.d" | Should -BeFalse
    }
}

Describe 'Install-DockerRegistryTrust warns about a weak CA and still installs it' -Tag Reliability {
    BeforeAll {
        # CAs as an old site's tooling makes them: openssl with a small RSA key and an old digest.
        function New-OpensslCa([int] $Bits, [string] $Digest) {
            $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
            $null = New-Item -ItemType Directory $dir
            & openssl req -x509 -newkey "rsa:$Bits" "-$Digest" -nodes -keyout "$dir/ca.key" -out "$dir/ca.crt" -days 30 `
                -subj "/CN=Old $Bits $Digest CA" -addext 'basicConstraints=critical,CA:TRUE' 2>$null
            if ($LASTEXITCODE -ne 0) { throw "openssl could not make an RSA-$Bits $Digest CA" }
            "$dir/ca.crt"
        }
    }

    It 'names <Expected> in the warning for an RSA-<Bits> <Digest> CA' -ForEach @(
        @{ Bits = 1024; Digest = 'sha1'; Expected = @('RSA key of 1024 bits', 'SHA-1 signature') }
        @{ Bits = 2048; Digest = 'md5'; Expected = @('MD5 signature') }
        @{ Bits = 1024; Digest = 'sha256'; Expected = @('RSA key of 1024 bits') }
    ) {
        $root = New-AgentRoot
        $path = New-OpensslCa $Bits $Digest
        $rows = Import-DcosCertificate -Path $path | Install-DockerRegistryTrust -Registry repo.internal:5000 -Target Docker -Root $root -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue
        $weak = @($warned | Where-Object { "$_" -like '*weak CA*' })
        $weak.Count | Should -Be 1
        "$($weak[0])" | Should -BeLike "*Old $Bits $Digest CA*"
        foreach ($e in $Expected) { "$($weak[0])" | Should -BeLike "*$e*" }
        @($rows).Action | Should -Be 'Created'
        @(Get-ChildItem "$root/etc/docker/certs.d/repo.internal:5000" -Filter *.crt).Count | Should -Be 1
    }

    It 'says nothing about strength for an RSA-2048 SHA-256 CA or an ECDSA one' {
        $root = New-AgentRoot
        $path = New-OpensslCa 2048 'sha256'
        $null = Import-DcosCertificate -Path $path | Install-DockerRegistryTrust -Registry repo.internal:5000 -Target Docker -Root $root -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue
        $null = $ca | Install-DockerRegistryTrust -Registry repo.internal:5000 -Target Docker -Root $root -Confirm:$false -WarningVariable +warned -WarningAction SilentlyContinue
        @($warned | Where-Object { "$_" -like '*weak*' }) | Should -BeNullOrEmpty
    }
}
