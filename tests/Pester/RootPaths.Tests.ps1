<#
    Agent paths stay under -Root, errors name the staged file that is really at fault, and a run
    that writes nothing leaves nothing behind, in real pwsh.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    $ca = New-TlsCertificateAuthority -CommonName 'RootPaths CA' -KeyAlgorithm ECDSA
    $server = New-DcosCertificate -Issuer $ca -CommonName agent1.internal -DnsName agent1.internal -KeyAlgorithm ECDSA
    $client = New-DcosCertificate -Issuer $ca -CommonName operator -Usage Client -KeyAlgorithm ECDSA
    # The real host's textfile file, which no test may create or change.
    $hostProm = '/var/lib/prometheus/node-exporter/dcostls.prom'
    function Get-HostPromState { if (Test-Path -LiteralPath $hostProm) { (Get-Item -LiteralPath $hostProm).LastWriteTimeUtc.Ticks } else { 'absent' } }
}

Describe 'Export-DcosTlsMetric under a staging root' -Tag RootPaths {
    BeforeAll {
        $stage = Join-Path $TestDrive 'stage'
        Set-DockerDaemonTls -Certificate $server -CaCertificate $ca -Root $stage -Confirm:$false
        $stageProm = Join-Path $stage 'var/lib/prometheus/node-exporter/dcostls.prom'
        $null = New-Item -ItemType Directory -Force (Split-Path $stageProm)
    }

    It 'takes the default -TextfileDirectory under -Root and writes nothing outside it' {
        $before = Get-HostPromState
        $file = Export-DcosTlsMetric -Root $stage -PassThru
        Get-HostPromState | Should -Be $before
        $file.FullName | Should -Be $stageProm
        Get-Content -Raw $stageProm | Should -Match 'dcostls_certificate_expiry_timestamp_seconds\{'
        Get-HostPromState | Should -Be $before
    }

    It 'takes a given -TextfileDirectory as an agent path under -Root' {
        $null = New-Item -ItemType Directory -Force (Join-Path $stage 'srv/textfile')
        $file = Export-DcosTlsMetric -Root $stage -TextfileDirectory /srv/textfile -PassThru
        $file.FullName | Should -Be (Join-Path $stage 'srv/textfile/dcostls.prom')
    }

    It 'refuses a -TextfileDirectory that leaves -Root' {
        $before = Get-HostPromState
        { Export-DcosTlsMetric -Root $stage -TextfileDirectory /../../.. -ErrorAction Stop } |
            Should -Throw -ErrorId 'PathOutsideRoot,DcosTls.Cmdlets.ExportDcosTlsMetricCommand'
        Get-HostPromState | Should -Be $before
    }

    It 'exports piped inventory rows as one file, without taking a row for -Root' {
        $before = Get-HostPromState
        $rows = @(Get-DcosTlsCertificate -Root $stage)
        $rows.Count | Should -BeGreaterThan 1
        $files = @($rows | Export-DcosTlsMetric -Root $stage -Name piped.prom -PassThru -ErrorAction Stop)
        $files.Count | Should -Be 1
        $series = @((Get-Content (Join-Path $stage 'var/lib/prometheus/node-exporter/piped.prom')) -match '^dcostls_certificate_expiry_timestamp_seconds\{')
        $series.Count | Should -Be @($rows | Where-Object NotAfter).Count
        # Only the rows piped in: a filtered pipeline exports only what passed the filter.
        $null = $rows | Where-Object Role -EQ DaemonCa | Export-DcosTlsMetric -Root $stage -Name piped.prom
        @((Get-Content (Join-Path $stage 'var/lib/prometheus/node-exporter/piped.prom')) -match '^dcostls_certificate_expiry_timestamp_seconds\{').Count | Should -Be 1
        Get-HostPromState | Should -Be $before
    }
}

Describe 'A run that writes nothing leaves nothing behind' -Tag RootPaths {
    It 'creates no -Root folder when the user answers No to All at -Confirm' {
        $fresh = Join-Path $TestDrive 'declined'
        $module = Join-Path $PSScriptRoot '../../DcosTls.psd1'
        $script = "Import-Module '$module'; `$ca = New-TlsCertificateAuthority -CommonName x -KeyAlgorithm ECDSA; `$ca | Install-DockerRegistryTrust -Registry repo.internal:5000 -Root '$fresh' -Confirm"
        # The same pwsh as this one (the dotnet tool's pwsh.dll under dotnet), answering on stdin.
        $exe = [Environment]::ProcessPath
        $prefix = @(if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
        $output = 'L' | & $exe @prefix -NoProfile -Command $script 2>&1
        "$output" | Should -Match 'Are you sure'
        Test-Path -LiteralPath $fresh | Should -BeFalse
    }

    It 'New-MarathonRegistryApp creates a missing folder, as the other cmdlets do' {
        $folder = Join-Path $TestDrive 'marathon/apps'
        New-MarathonRegistryApp -Node 10.0.0.21 -Path (Join-Path $folder 'registry.json') -ErrorAction Stop
        Test-Path -LiteralPath (Join-Path $folder 'registry.json') | Should -BeTrue
    }
}

Describe 'Client environment and trust warnings' -Tag RootPaths {
    It 'Install-DockerClientCertificate gives pwsh lines beside the bash lines' {
        $settings = Install-DockerClientCertificate -Path (Join-Path $TestDrive "it's client") -CaCertificate $ca -Certificate $client -DockerHost tcp://agent1.internal:2376
        ($settings.EnvironmentLines -join "`n") | Should -Match '^export DOCKER_HOST=tcp://agent1.internal:2376'
        $saved = $env:DOCKER_HOST, $env:DOCKER_TLS_VERIFY, $env:DOCKER_CERT_PATH
        try {
            Invoke-Expression ($settings.PowerShellLines -join "`n")
            $env:DOCKER_HOST | Should -Be 'tcp://agent1.internal:2376'
            $env:DOCKER_TLS_VERIFY | Should -Be '1'
            $env:DOCKER_CERT_PATH | Should -Be $settings.DockerCertPath
        }
        finally { $env:DOCKER_HOST, $env:DOCKER_TLS_VERIFY, $env:DOCKER_CERT_PATH = $saved }
    }

    It 'warns about containers certs.d only when the Docker CA changes' {
        $trustRoot = Join-Path $TestDrive 'trust'
        $null = New-Item -ItemType Directory -Force (Join-Path $trustRoot 'etc/containers/certs.d/repo.internal:5000')
        $null = $ca | Install-DockerRegistryTrust -Registry repo.internal:5000 -Root $trustRoot -WarningVariable first -WarningAction SilentlyContinue
        @($first | Where-Object { "$_" -like '*podman*' }).Count | Should -Be 1
        $null = $ca | Install-DockerRegistryTrust -Registry repo.internal:5000 -Root $trustRoot -WarningVariable second -WarningAction SilentlyContinue
        @($second | Where-Object { "$_" -like '*podman*' }) | Should -BeNullOrEmpty
    }
}

Describe 'Every cmdlet with -Root stays under it and names the staged path' -Tag RootPaths, Heavy {
    BeforeDiscovery {
        Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
        # Every parameter set of every cmdlet that takes -Root, with its mandatory parameters only. Not
        # Invoke-DcosAgentProvisioning: its -Root is the root on the far agents, reached over SSH; nor a
        # set that needs a cluster session.
        $forms = foreach ($command in Get-Command -Module DcosTls -ParameterName Root | Where-Object Name -ne 'Invoke-DcosAgentProvisioning') {
            foreach ($set in $command.ParameterSets) {
                $mandatory = @($set.Parameters | Where-Object IsMandatory)
                if ($mandatory | Where-Object { $_.ParameterType.Name -eq 'DcosSession' }) { continue }
                @{ Command = $command.Name; Form = $set.Name; Names = @($mandatory.Name | Where-Object { $_ -ne 'Root' }) }
            }
        }
    }

    BeforeAll {
        $password = ConvertTo-SecureString 'not-a-real-password' -AsPlainText -Force
        $credential = [pscredential]::new('rootpaths', $password)
        $leaf = $server
        $request = New-DcosCertificateRequest -CommonName rootpaths.internal -KeyAlgorithm ECDSA
        $login = New-DockerAuthConfig -Registry 127.0.0.1:1 -Credential $credential
        $rowRoot = Join-Path $TestDrive 'rows'
        $ca | Install-DockerRegistryTrust -Registry 127.0.0.1:1 -Root $rowRoot -Confirm:$false
        $row = @(Get-DcosTlsCertificate -Root $rowRoot)[0]
        . (Join-Path $PSScriptRoot 'PlausibleValue.ps1')
        # Real host folders a cmdlet with -Root would write to if it left the root: entry, size and mtime.
        $watched = '/etc/docker', '/etc/ssl/certs', '/var/lib/dcos', '/etc/pki', '/var/lib/prometheus/node-exporter',
            '/etc/systemd/system/docker.service.d', '/usr/local/share/ca-certificates', '/root/.docker', '/etc/docker.tar.gz'
        function Get-HostState {
            foreach ($path in $watched) {
                if (-not (Test-Path -LiteralPath $path)) { "$path absent"; continue }
                foreach ($item in @(Get-Item -LiteralPath $path -Force) + @(Get-ChildItem -LiteralPath $path -Recurse -Force -ErrorAction SilentlyContinue)) {
                    "$($item.FullName) $($item.LastWriteTimeUtc.Ticks) $(if (-not $item.PSIsContainer) { $item.Length })"
                }
            }
        }
        $agentTop = '^/(etc|var|usr|run|root|opt|srv|lib)/'
    }

    It '<Command> <Form> under a fresh root changes nothing outside it; every agent path it names is staged' -ForEach $forms {
        $root = Join-Path $TestDrive ("root-" + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $metadata = (Get-Command $Command).Parameters
        $arguments = @{ Root = $root }
        foreach ($name in @($Names | Where-Object { $_ })) { $arguments[$name] = New-PlausibleValue $metadata[$name] }
        if ($metadata.ContainsKey('Confirm')) { $arguments['Confirm'] = $false }
        $before = @(Get-HostState)
        $errors = @()
        try { $null = & $Command @arguments -ErrorAction SilentlyContinue -ErrorVariable +errors 2>$null }
        catch { $errors += $_ }
        $after = @(Get-HostState)
        $changed = @(Compare-Object $before $after | ForEach-Object { "$($_.SideIndicator) $($_.InputObject)" })
        $changed | Should -BeNullOrEmpty -Because "$Command -Root $root must change nothing on the host"
        $named = foreach ($e in $errors) {
            $record = if ($e -is [System.Management.Automation.ErrorRecord]) { $e } else { $e.ErrorRecord }
            if (-not $record) { continue }
            $text = "$($record.ErrorDetails.Message) $($record.Exception.Message)"
            foreach ($m in [regex]::Matches($text, "'(/[^']+)'")) { "message $($m.Groups[1].Value)" }
            if ($record.TargetObject -is [string] -and $record.TargetObject.StartsWith('/')) { "target $($record.TargetObject)" }
        }
        $bare = @($named | Where-Object { ($_ -split ' ', 2)[1] -match $agentTop -and -not ($_ -split ' ', 2)[1].StartsWith($root) } | Sort-Object -Unique)
        $bare | Should -BeNullOrEmpty -Because "errors of $Command name agent paths as staged under $root ($(@($errors | ForEach-Object { "$($_.FullyQualifiedErrorId)" }) -join ', '))"
    }

    It 'Update-DockerDaemonCertificate without a pair names the staged file in its message and as TargetObject' {
        $root = Join-Path $TestDrive 'renewal-target'
        $failure = { Update-DockerDaemonCertificate -Root $root -Issuer $ca -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $failure.FullyQualifiedErrorId | Should -BeLike 'RenewalCertificateMissing,*'
        $failure.Exception.Message | Should -BeLike "'$root/etc/docker/tls/server-cert.pem' does not exist*"
        $failure.TargetObject | Should -Be "$root/etc/docker/tls/server-cert.pem"
    }
}
