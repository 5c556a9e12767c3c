<#
    Certificate lifecycle on an agent, in real pwsh: the inventory of everything the agent relies on
    (built with the module's own install cmdlets), expiry filtering, rows across a process
    boundary, and the expiry metrics as the real prometheus-node-exporter serves them.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    $rendering = $PSStyle.OutputRendering
    $PSStyle.OutputRendering = 'PlainText'

    $registry = 'repo.internal:5000'
    $otherRegistry = 'registry.marathon.l4lb.thisdcos.directory:5000'
    $root = Join-Path $TestDrive 'agent'
    $cli = Join-Path $TestDrive 'docker-client'

    # A Debian-like root, so that the OS anchor folder is part of the agent.
    $null = New-Item -ItemType Directory (Join-Path $root 'etc') -Force
    Set-Content -LiteralPath (Join-Path $root 'etc/os-release') -Value 'ID=debian'

    $ca = New-TlsCertificateAuthority -CommonName 'Lifecycle Root CA' -KeyAlgorithm ECDSA
    # A subject with a double quote and a backslash: label values must be escaped.
    $otherCa = New-TlsCertificateAuthority -CommonName 'Lifecycle "Other" \ CA' -KeyAlgorithm ECDSA
    $server = New-DcosCertificate -Issuer $ca -CommonName agent1.internal -DnsName agent1.internal -KeyAlgorithm ECDSA -ValidDays 2
    $client = New-DcosCertificate -Issuer $ca -CommonName operator -Usage Client -KeyAlgorithm ECDSA

    $null = $ca | Install-DockerRegistryTrust -Registry $registry -Target Docker, Mesos, System -Root $root
    $null = $otherCa | Install-DockerRegistryTrust -Registry $otherRegistry -Target Docker, Mesos -Root $root
    Set-DockerDaemonTls -Certificate $server -CaCertificate $ca -Root $root
    $null = Install-DockerClientCertificate -Path $cli -CaCertificate $ca -Certificate $client

    function Get-Sha256([object] $Certificate) {
        [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($Certificate.Certificate.RawData))
    }

    # Samples of the Prometheus text format: name, labels (unescaped) and value of each line.
    function ConvertFrom-PrometheusText([string] $Text) {
        foreach ($line in $Text -split "`n") {
            if ($line -match '^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)$') {
                $labels = @{}
                foreach ($m in [regex]::Matches($Matches['labels'] + '', '(?<k>[a-zA-Z_][a-zA-Z0-9_]*)="(?<v>(?:[^"\\]|\\.)*)"')) {
                    $labels[$m.Groups['k'].Value] = [regex]::Replace($m.Groups['v'].Value, '\\(.)', {
                            param($e) if ($e.Groups[1].Value -eq 'n') { "`n" } else { $e.Groups[1].Value } })
                }
                [pscustomobject]@{ Name = $Matches['name']; Labels = $labels; Value = [double]$Matches['value'] }
            }
        }
    }
}

AfterAll {
    $PSStyle.OutputRendering = $rendering
}

Describe 'Get-DcosTlsCertificate' -Tag Lifecycle {
    BeforeAll {
        $rows = @(Get-DcosTlsCertificate -Root $root -Path $cli)
    }

    It 'lists every certificate the agent relies on, one row each' {
        $seen = $rows | ForEach-Object { '{0}|{1}|{2}' -f $_.Store, $_.Registry, $_.Role } | Sort-Object
        $seen | Should -Be (@(
                "Docker|$registry|RegistryCa", "Docker|$otherRegistry|RegistryCa",
                'Mesos||RegistryCa', 'Mesos||RegistryCa', 'System||RegistryCa',
                'DockerDaemon||DaemonCa', 'DockerDaemon||DaemonServer', 'DockerDaemon||DaemonServerChain',
                'DockerClient||ClientCa', 'DockerClient||Client', 'DockerClient||ClientChain') | Sort-Object)
        $rows.Health | Sort-Object -Unique | Should -Be 'OK'
    }

    It 'says what each certificate is: subject, issuer, SHA-1 thumbprint, SHA-256 fingerprint, expiry, file' {
        $daemon = $rows | Where-Object Role -EQ DaemonServer
        $daemon.Subject | Should -Be 'CN=agent1.internal'
        $daemon.Issuer | Should -Be 'CN=Lifecycle Root CA'
        $daemon.Thumbprint | Should -Be $server.Certificate.Thumbprint
        $daemon.Thumbprint | Should -Match '^[0-9A-F]{40}$'
        $daemon.Sha256Fingerprint | Should -Be (Get-Sha256 $server)
        $daemon.NotAfter | Should -Be $server.Certificate.NotAfter.ToUniversalTime()
        $daemon.DaysLeft | Should -BeIn 1, 2
        $daemon.Path | Should -Be (Join-Path $root 'etc/docker/tls/server-cert.pem')

        $clientRow = $rows | Where-Object Role -EQ Client
        $clientRow.Sha256Fingerprint | Should -Be (Get-Sha256 $client)
        $clientRow.Path | Should -Be (Join-Path $cli 'cert.pem')
        $system = $rows | Where-Object Store -EQ System
        $system.Path | Should -BeLike (Join-Path $root 'usr/local/share/ca-certificates/*.crt')
        $system.Sha256Fingerprint | Should -Be (Get-Sha256 $ca)
    }

    It '-ExpiringWithin keeps only what expires within those days' {
        $soon = @(Get-DcosTlsCertificate -Root $root -Path $cli -ExpiringWithin 5)
        $soon.Count | Should -Be 1
        $soon[0].Role | Should -Be DaemonServer
        $soon[0].Thumbprint | Should -Be $server.Certificate.Thumbprint
        @(Get-DcosTlsCertificate -Root $root -Path $cli -ExpiringWithin 0) | Should -BeNullOrEmpty
        @(Get-DcosTlsCertificate -Root $root -Path $cli -ExpiringWithin 400).Count | Should -Be $rows.Count
    }

    It 'takes the root by value and the root and client folder by property name' {
        @($root | Get-DcosTlsCertificate).Count | Should -Be ($rows.Count - 3)
        @([pscustomobject]@{ Root = $root; Path = $cli; ExpiringWithin = 5 } | Get-DcosTlsCertificate).Role | Should -Be DaemonServer
    }

    It 'shows a file daemon.json names but that is missing as Missing' {
        $copy = Join-Path $TestDrive 'missing-agent'
        & cp -a $root $copy  # -a: the Mesos hash links stay links
        Remove-Item (Join-Path $copy 'etc/docker/tls/server-cert.pem')
        $row = Get-DcosTlsCertificate -Root $copy | Where-Object Role -EQ DaemonServer
        $row.Health | Should -Be Missing
        $row.Path | Should -Be (Join-Path $copy 'etc/docker/tls/server-cert.pem')
    }

    It 'reports what it cannot read and still lists the rest' {
        $broken = Join-Path $TestDrive 'broken-agent'
        & cp -a $root $broken
        Set-Content -LiteralPath (Join-Path $broken 'etc/docker/daemon.json') -Value '{ "tls": true, }'
        $listed = @(Get-DcosTlsCertificate -Root $broken -Path (Join-Path $TestDrive 'no-such-client') -ErrorVariable problems -ErrorAction SilentlyContinue)
        $problems.FullyQualifiedErrorId | Should -Be @('DaemonJsonInvalid,DcosTls.Cmdlets.GetDcosTlsCertificateCommand',
            'ClientFolderNotFound,DcosTls.Cmdlets.GetDcosTlsCertificateCommand')
        $problems[0].CategoryInfo.Category | Should -Be InvalidData
        $problems[1].Exception.Message | Should -BeLike "*$(Join-Path $TestDrive 'no-such-client')*"
        $listed.Store | Sort-Object -Unique | Should -Be Docker, Mesos, System
    }

    It 'refuses a root that does not exist instead of listing nothing' {
        $missing = Join-Path $TestDrive 'no-such-root'
        $listed = @(Get-DcosTlsCertificate -Root $missing -ErrorVariable problems -ErrorAction SilentlyContinue)
        $listed | Should -BeNullOrEmpty
        $problems.FullyQualifiedErrorId | Should -Be 'RootNotFound,DcosTls.Cmdlets.GetDcosTlsCertificateCommand'
        $problems[0].CategoryInfo.Category | Should -Be ObjectNotFound
        Test-Path $missing | Should -BeFalse
    }

    It 'keeps every property through serialization (PSSerializer)' {
        $back = [Management.Automation.PSSerializer]::Deserialize([Management.Automation.PSSerializer]::Serialize($rows))
        $back.Count | Should -Be $rows.Count
        $back[0].PSObject.TypeNames[0] | Should -Be 'Deserialized.DcosTls.Lifecycle.AgentCertificate'
        foreach ($name in 'Store', 'Registry', 'Role', 'Subject', 'Issuer', 'NotAfter', 'DaysLeft', 'Thumbprint', 'Sha256Fingerprint', 'Health', 'Path') {
            for ($i = 0; $i -lt $rows.Count; $i++) { $back[$i].$name | Should -Be $rows[$i].$name -Because "$name survives" }
        }
    }

    It 'comes back from another pwsh process (a background job, PowerShell remoting''s serializer) and shows in its view' {
        $manifest = (Resolve-Path (Join-Path $PSScriptRoot '../../DcosTls.psd1')).ProviderPath
        $remote = @(Start-Job { Import-Module $using:manifest; Get-DcosTlsCertificate -Root $using:root -Path $using:cli -ExpiringWithin 5 } |
                Receive-Job -Wait -AutoRemoveJob)
        $remote.Count | Should -Be 1
        $remote[0].PSObject.TypeNames[0] | Should -Be 'Deserialized.DcosTls.Lifecycle.AgentCertificate'
        $remote[0].Sha256Fingerprint | Should -Be (Get-Sha256 $server)
        $remote[0].NotAfter | Should -Be $server.Certificate.NotAfter.ToUniversalTime()
        $text = $remote | Out-String -Width 80
        $text | Should -Match 'Store: DockerDaemon'
        $text | Should -Match 'DaemonServer +OK +[12] +\d{4}-\d\d-\d\d CN=agent1\.internal'
    }

    It 'fits 80 columns: headers on one line, nothing cut, long registry names whole' {
        $text = $rows | Out-String -Width 80
        $lines = $text -split "`r?`n"
        foreach ($line in $lines) { $line.TrimEnd().Length | Should -BeLessOrEqual 80 -Because "'$line' is wider than 80" }
        $text | Should -Not -Match '…'
        $lines | Where-Object { $_ -match '^-+( +-+)*\s*$' } | Should -Not -BeNullOrEmpty
        $text | Should -Match ([regex]::Escape("Store: Docker, registry $otherRegistry"))
        $text | Should -Match 'Role +Health +DaysLeft +NotAfter +Subject'
    }
}

Describe 'Export-DcosTlsMetric' -Tag Lifecycle {
    BeforeAll {
        # The textfile folder is an agent path under -Root, like every agent file.
        $textfile = Join-Path $root 'textfile'
        $null = New-Item -ItemType Directory $textfile
        $prom = Join-Path $textfile 'dcostls.prom'
    }

    It 'writes nothing and returns nothing under -WhatIf' {
        @(Export-DcosTlsMetric -TextfileDirectory /textfile -Root $root -PassThru -WhatIf) | Should -BeNullOrEmpty
        @(Get-ChildItem -Force $textfile) | Should -BeNullOrEmpty
    }

    It 'is silent unless -PassThru, which returns the file' {
        @(Export-DcosTlsMetric -TextfileDirectory /textfile -Root $root -Path $cli) | Should -BeNullOrEmpty
        $file = Export-DcosTlsMetric -TextfileDirectory /textfile -Root $root -Path $cli -PassThru
        $file | Should -BeOfType System.IO.FileInfo
        $file.FullName | Should -Be $prom
        # Only the metrics file: the temporary file was renamed over it.
        @(Get-ChildItem -Force $textfile).Name | Should -Be 'dcostls.prom'
        [Convert]::ToString([int](Get-Item $prom).UnixFileMode, 8) | Should -Be '644'
    }

    It 'writes one expiry gauge per certificate, with escaped labels, and the run''s success and time' {
        $before = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
        Export-DcosTlsMetric -TextfileDirectory /textfile -Root $root -Path $cli
        $samples = @(ConvertFrom-PrometheusText (Get-Content -Raw $prom))
        $expiry = @($samples | Where-Object Name -EQ 'dcostls_certificate_expiry_timestamp_seconds')
        $expiry.Count | Should -Be @(Get-DcosTlsCertificate -Root $root -Path $cli).Count
        $daemon = $expiry | Where-Object { $_.Labels.role -eq 'DaemonServer' }
        $daemon.Value | Should -Be ([DateTimeOffset]$server.Certificate.NotAfter).ToUnixTimeSeconds()
        $daemon.Labels.sha256_fingerprint | Should -Be (Get-Sha256 $server)
        $daemon.Labels.store | Should -Be DockerDaemon
        $daemon.Labels.path | Should -Be (Join-Path $root 'etc/docker/tls/server-cert.pem')
        $other = $expiry | Where-Object { $_.Labels.registry -eq $otherRegistry }
        $other.Labels.subject | Should -Be $otherCa.Certificate.Subject
        $other.Labels.subject | Should -BeLike '*""Other"" \ CA*'
        # In the file: backslash and double quote escaped with a backslash, as the format says.
        Get-Content -Raw $prom | Should -Match ([regex]::Escape('subject="CN=\"Lifecycle \"\"Other\"\" \\ CA\""'))
        ($samples | Where-Object Name -EQ 'dcostls_inventory_success').Value | Should -Be 1
        ($samples | Where-Object Name -EQ 'dcostls_inventory_timestamp_seconds').Value | Should -BeGreaterOrEqual $before
        Get-Content -Raw $prom | Should -Match '# TYPE dcostls_certificate_expiry_timestamp_seconds gauge'
    }

    It 'writes success 0 when something could not be read' {
        Export-DcosTlsMetric -TextfileDirectory /textfile -Name 'partial.prom' -Root $root -Path (Join-Path $TestDrive 'no-such-client') -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.FullyQualifiedErrorId | Should -Be 'ClientFolderNotFound,DcosTls.Cmdlets.ExportDcosTlsMetricCommand'
        $samples = @(ConvertFrom-PrometheusText (Get-Content -Raw (Join-Path $textfile 'partial.prom')))
        ($samples | Where-Object Name -EQ 'dcostls_inventory_success').Value | Should -Be 0
        Remove-Item (Join-Path $textfile 'partial.prom')
    }

    It 'refuses a textfile folder that does not exist, and creates nothing' {
        $missing = Join-Path $root 'no-textfile'
        { Export-DcosTlsMetric -TextfileDirectory /no-textfile -Root $root -ErrorAction Stop } |
            Should -Throw -ErrorId 'TextfileDirectoryNotFound,DcosTls.Cmdlets.ExportDcosTlsMetricCommand'
        Test-Path $missing | Should -BeFalse
        try { Export-DcosTlsMetric -TextfileDirectory /no-textfile -Root $root -ErrorAction Stop } catch { $e = $_ }
        $e.CategoryInfo.Category | Should -Be ObjectNotFound
        $e.Exception.Message | Should -BeLike "*'$missing'*"
    }

    It 'refuses a textfile folder that is a file, and leaves it as it was' {
        $file = Join-Path $root 'textfile-is-a-file'
        Set-Content -LiteralPath $file -Value 'keep me'
        { Export-DcosTlsMetric -TextfileDirectory /textfile-is-a-file -Root $root -ErrorAction Stop } |
            Should -Throw -ErrorId 'TextfileDirectoryNotDirectory,DcosTls.Cmdlets.ExportDcosTlsMetricCommand'
        Get-Content -LiteralPath $file | Should -Be 'keep me'
        @(Get-ChildItem -Force (Split-Path $file) -Filter 'textfile-is-a-file*').Count | Should -Be 1
    }

    It 'refuses a textfile folder it cannot write to, and leaves the last file whole' {
        $locked = Join-Path $root 'textfile-locked'
        $null = New-Item -ItemType Directory $locked
        Export-DcosTlsMetric -TextfileDirectory /textfile-locked -Root $root
        $before = Get-FileHash (Join-Path $locked 'dcostls.prom')
        # Root writes through any mode bits; an immutable folder (chattr +i) refuses root too.
        & chattr +i $locked 2>$null
        if ($LASTEXITCODE -ne 0) { Set-ItResult -Skipped -Because 'chattr +i is not supported here'; return }
        try {
            $e = $null
            try { Export-DcosTlsMetric -TextfileDirectory /textfile-locked -Root $root -Path $cli -ErrorAction Stop } catch { $e = $_ }
            $e.FullyQualifiedErrorId | Should -Be 'MetricsWriteFailed,DcosTls.Cmdlets.ExportDcosTlsMetricCommand'
            $e.CategoryInfo.Category | Should -Be WriteError
            $e.Exception.Message | Should -BeLike "*$locked*"
            (Get-FileHash (Join-Path $locked 'dcostls.prom')).Hash | Should -Be $before.Hash
            @(Get-ChildItem -Force $locked).Name | Should -Be 'dcostls.prom' -Because 'no temp file is left behind'
        }
        finally { & chattr -i $locked 2>$null }
    }

    It 'refuses a file name the collector would not read' {
        { Export-DcosTlsMetric -TextfileDirectory /textfile -Name 'dcostls.txt' -Root $root -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidMetricsFileName,DcosTls.Cmdlets.ExportDcosTlsMetricCommand'
        Test-Path (Join-Path $textfile 'dcostls.txt') | Should -BeFalse
    }
}

Describe 'Expiry metrics served by the real prometheus-node-exporter' -Tag Lifecycle {
    BeforeAll {
        $exporterRoot = Join-Path $TestDrive 'exporter-agent'
        & cp -a $root $exporterRoot
        $collected = Join-Path $exporterRoot 'collected'
        $null = New-Item -ItemType Directory $collected
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $exporter = Start-Process prometheus-node-exporter -PassThru `
            -RedirectStandardOutput (Join-Path $TestDrive 'exporter.out') -RedirectStandardError (Join-Path $TestDrive 'exporter.err') `
            -ArgumentList "--web.listen-address=127.0.0.1:$port", "--collector.textfile.directory=$collected",
        '--collector.disable-defaults', '--collector.textfile'
        $metricsUri = "http://127.0.0.1:$port/metrics"
        $deadline = [datetime]::UtcNow.AddSeconds(20)
        do {
            try { $null = Invoke-WebRequest -NoProxy $metricsUri -TimeoutSec 2; $up = $true } catch { $up = $false; Start-Sleep -Milliseconds 200 }
        } until ($up -or $exporter.HasExited -or [datetime]::UtcNow -gt $deadline)

        function Get-Scrape {
            $text = (Invoke-WebRequest -NoProxy $metricsUri -TimeoutSec 10).Content
            @(ConvertFrom-PrometheusText $text)
        }
    }

    AfterAll {
        if ($exporter) { Stop-Process -Id $exporter.Id -ErrorAction Ignore }
    }

    It 'serves our series with the right values, and drops a removed certificate on the next run' {
        $up | Should -BeTrue -Because "node_exporter answers on $metricsUri ($(Get-Content -Raw (Join-Path $TestDrive 'exporter.err') -ErrorAction Ignore))"
        Export-DcosTlsMetric -TextfileDirectory /collected -Root $exporterRoot -Path $cli
        $scrape = Get-Scrape
        ($scrape | Where-Object Name -EQ 'node_textfile_scrape_error').Value | Should -Be 0 -Because 'node_exporter parsed our file'
        $served = @($scrape | Where-Object Name -EQ 'dcostls_certificate_expiry_timestamp_seconds')
        $inventory = @(Get-DcosTlsCertificate -Root $exporterRoot -Path $cli)
        $served.Count | Should -Be $inventory.Count
        foreach ($row in $inventory) {
            $series = @($served | Where-Object { $_.Labels.path -eq $row.Path -and $_.Labels.sha256_fingerprint -eq $row.Sha256Fingerprint -and $_.Labels.role -eq $row.Role })
            $series.Count | Should -Be 1 -Because "$($row.Store) $($row.Role) $($row.Path) is served once"
            $series[0].Value | Should -Be ([DateTimeOffset]$row.NotAfter).ToUnixTimeSeconds()
            $series[0].Labels.store | Should -Be $row.Store
            $series[0].Labels.subject | Should -Be $row.Subject
        }
        $otherFingerprint = Get-Sha256 $otherCa
        @($served | Where-Object { $_.Labels.sha256_fingerprint -eq $otherFingerprint }).Count | Should -Be 2
        ($scrape | Where-Object Name -EQ 'dcostls_inventory_success').Value | Should -Be 1

        # The other registry's CA leaves the agent: the next export, and so the next scrape, has no series for it.
        $null = $otherCa | Uninstall-DockerRegistryTrust -Registry $otherRegistry -Root $exporterRoot
        Export-DcosTlsMetric -TextfileDirectory /collected -Root $exporterRoot -Path $cli
        $after = Get-Scrape
        ($after | Where-Object Name -EQ 'node_textfile_scrape_error').Value | Should -Be 0
        $servedAfter = @($after | Where-Object Name -EQ 'dcostls_certificate_expiry_timestamp_seconds')
        @($servedAfter | Where-Object { $_.Labels.sha256_fingerprint -eq $otherFingerprint }) | Should -BeNullOrEmpty
        $servedAfter.Count | Should -Be ($served.Count - 2)
    }
}
