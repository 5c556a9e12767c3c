<#
    The cluster side in real pwsh, against one stand-in (tests/Pester/ClusterStandIn.py: Admin Router over
    TLS, IAM, Marathon with deployments that take a moment, the secrets service): Marathon apps applied,
    compared, waited for, restarted and removed; secrets of each kind; marathon-lb installed through the
    package manager, and module/Examples/Registry-Guide.ps1 run from a fresh pwsh; a service account made here that
    logs in with its own secret; permissions; the 401/403/404/409/422 paths; -WhatIf sending nothing;
    and no secret value, in plaintext or base64, in any stream of any of it.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    $seen = [System.Collections.Generic.List[string]]::new()
    # Runs a command with every stream merged, keeps the rendering of all of it (errors in full) for the
    # leak check, and returns what came out.
    function Invoke-Seen([scriptblock] $Block) {
        $VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; $InformationPreference = 'Continue'
        $out = @(try { & $Block *>&1 } catch { $_ })
        $seen.Add(($out | Out-String -Width 500))
        foreach ($e in $out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }) {
            $seen.Add(($e | Format-List * -Force | Out-String -Width 500)); $seen.Add($e.Exception.ToString())
        }
        foreach ($o in $out | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] -and $_ -isnot [string] -and $_ -isnot [System.Management.Automation.InformationalRecord] }) {
            $seen.Add("$o"); $seen.Add(($o | ConvertTo-Json -Depth 4 -WarningAction SilentlyContinue))
        }
        $out
    }
    function Get-ErrorId($Out) { @($Out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] }) }
    function Get-Result($Out) { @($Out | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] -and $_ -isnot [System.Management.Automation.InformationalRecord] -and $_ -isnot [string] }) }
    # Invoke-RestMethod hands a JSON array on as one object: enumerate it, one line per request.
    # The stand-in's own /_standin calls are left out.
    function Get-StandInLog { (Invoke-RestMethod -Uri "$base/_standin/log" -SkipCertificateCheck) | ForEach-Object { $_ } | Where-Object { $_ -notlike '* /_standin/*' } }

    $dir = Join-Path $TestDrive 'standin'
    $null = New-Item -ItemType Directory -Path $dir
    $ca = New-TlsCertificateAuthority -CommonName 'Cluster Stand-in CA' -KeyAlgorithm ECDSA
    $ca | Export-DcosCertificate -Path (Join-Path $dir 'ca.crt') -NoKey
    New-DcosCertificate -Issuer $ca -CommonName 127.0.0.1 -IPAddress 127.0.0.1 -KeyAlgorithm ECDSA | Export-DcosCertificate -Path (Join-Path $dir 'server.crt')
    $operatorPassword = 'Op-' + [guid]::NewGuid().ToString('N')
    @{ operator = $operatorPassword; viewer = 'viewer-pw-' + [guid]::NewGuid().ToString('N').Substring(0, 8) } | ConvertTo-Json | Set-Content (Join-Path $dir 'users.json')
    $portFile = Join-Path $dir 'port'
    $start = [System.Diagnostics.ProcessStartInfo]::new('python3')
    foreach ($a in (Join-Path $PSScriptRoot 'ClusterStandIn.py'), $portFile, (Join-Path $dir 'server.crt'), (Join-Path $dir 'server.key'), (Join-Path $dir 'users.json')) { $start.ArgumentList.Add($a) }
    $start.UseShellExecute = $false
    $standIn = [System.Diagnostics.Process]::Start($start)
    if ($env:DCOSTLS_TEST_PIDS) { Add-Content -LiteralPath $env:DCOSTLS_TEST_PIDS -Value $standIn.Id }
    $deadline = [datetime]::UtcNow.AddSeconds(20)
    while (-not (Test-Path $portFile)) { if ([datetime]::UtcNow -gt $deadline -or $standIn.HasExited) { throw 'the cluster stand-in did not start' }; Start-Sleep -Milliseconds 50 }
    $base = "https://127.0.0.1:$(Get-Content $portFile)"
    $caFile = Join-Path $dir 'ca.crt'
    $session = Connect-DcosCluster -Uri $base -Credential ([pscredential]::new('operator', (ConvertTo-SecureString $operatorPassword -AsPlainText -Force))) -CaCertificatePath $caFile
    [DcosTls.Cmdlets.MarathonChangeCmdlet].GetProperty('PollInterval', [Reflection.BindingFlags]'NonPublic, Static').SetValue($null, [timespan]::FromMilliseconds(150))

    # The secret values of this file: none may show in any stream, as they are or in base64.
    $textSecret = 'Text-Secret-' + [guid]::NewGuid().ToString('N')
    $otherSecret = 'Other-Secret-' + [guid]::NewGuid().ToString('N')
    # What a failing service's answer holds (with the request echoed): none of it may be quoted.
    $serverCanary = 'Server-Canary-' + [guid]::NewGuid().ToString('N')
    . (Join-Path $PSScriptRoot 'SecretSearch.ps1')
    $fileSecret = [Text.Encoding]::ASCII.GetBytes('File-Secret-' + [guid]::NewGuid().ToString('N') + "`n")
    $leaf = New-DcosCertificate -Issuer $ca -CommonName registry.marathon.l4lb.thisdcos.directory -KeyAlgorithm ECDSA
    $leaf | Export-DcosCertificate -Path (Join-Path $dir 'leaf.crt')
    $leafKeyLines = @(Get-Content (Join-Path $dir 'leaf.key') | Where-Object { $_ -and $_ -notlike '-----*' })
}

AfterAll {
    if ($standIn -and -not $standIn.HasExited) { $standIn.Kill(); $standIn.WaitForExit() }
}

Describe 'Marathon apps through Admin Router' -Tag Cluster {
    It 'creates the app New-MarathonRegistryApp makes, piped in, and waits for its deployment' {
        $out = Invoke-Seen { New-MarathonRegistryApp -AppId /tools/registry | Set-MarathonApp }
        Get-ErrorId $out | Should -BeNullOrEmpty
        $r = Get-Result $out
        $r.AppId | Should -Be '/tools/registry'
        $r.Action | Should -Be 'Created'
        $r.Status | Should -Be 'Succeeded'
        $r.DeploymentId | Should -Not -BeNullOrEmpty
    }

    It 're-applies an unchanged app without sending anything but a read' {
        $before = @(Get-StandInLog).Count
        $r = Get-Result (Invoke-Seen { New-MarathonRegistryApp -AppId /tools/registry | Set-MarathonApp })
        $r.Action | Should -Be 'Unchanged'
        $r.Status | Should -Be 'NotNeeded'
        $sent = @(Get-StandInLog)[$before..1000] | Where-Object { $_ -notlike 'GET *' }
        $sent | Should -BeNullOrEmpty
    }

    It 'replaces an app from a hashtable and from a JSON file, naming what changed' {
        $r = Get-Result (Invoke-Seen { Set-MarathonApp -Definition @{ id = '/web'; instances = 2; cmd = 'sleep 1000'; cpus = 0.1; mem = 32 } })
        $r.Action | Should -Be 'Created'
        @{ id = '/web'; instances = 3; cmd = 'sleep 1000'; cpus = 0.1; mem = 32 } | ConvertTo-Json | Set-Content (Join-Path $TestDrive 'web.json')
        $r = Get-Result (Invoke-Seen { Set-MarathonApp -Path (Join-Path $TestDrive 'web.json') })
        $r.Action | Should -Be 'Replaced'
        $r.Changed | Should -Be @('instances')
        $r.Status | Should -Be 'Succeeded'
    }

    It 'gets one app with its tasks, and every app' {
        $app = Get-Result (Invoke-Seen { Get-MarathonApp /web -IncludeTasks })
        $app.Instances | Should -Be 3
        $app.TasksRunning | Should -Be 3
        @($app.Tasks).Count | Should -Be 3
        $app.Tasks[0].State | Should -Be 'TASK_RUNNING'
        (Get-Result (Invoke-Seen { Get-MarathonApp })).Id | Should -Contain '/tools/registry'
        # Get-MarathonApp's object applies as it is: nothing to change.
        (Get-Result (Invoke-Seen { Get-MarathonApp /web | Set-MarathonApp })).Action | Should -Be 'Unchanged'
    }

    It 'returns at once with -NoWait; a change during the deployment is MarathonAppLocked until -Force' {
        $r = Get-Result (Invoke-Seen { Set-MarathonApp -Definition @{ id = '/web'; instances = 1; cmd = 'sleep 1000' } -NoWait })
        $r.Status | Should -Be 'Started'
        $out = Invoke-Seen { Restart-MarathonApp /web }
        Get-ErrorId $out | Should -Be 'MarathonAppLocked'
        ($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).Exception.Message | Should -Match '-Force'
        $r = Get-Result (Invoke-Seen { Restart-MarathonApp /web -Force })
        $r.Action | Should -Be 'Restarted'
        $r.Status | Should -Be 'Succeeded'
    }

    It 'names the fields Marathon refused (422)' {
        $out = Invoke-Seen { Set-MarathonApp -Definition @{ id = '/bad'; instances = -1; container = @{ type = 'MESOS'; docker = @{ image = 'x'; pullConfig = @{ secret = 'nope' } } } } }
        Get-ErrorId $out | Should -Be 'MarathonAppInvalid'
        $message = ($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).Exception.Message
        $message | Should -Match '/instances'
        $message | Should -Match 'pullConfig.secret must refer to an existing secret'
    }

    It 'stops waiting after -Timeout, and tells a rolled-back deployment from a success' {
        $out = Invoke-Seen { Set-MarathonApp -Definition @{ id = '/stuck'; cmd = 'x'; labels = @{ STANDIN_STUCK = 'true' } } -Timeout 1 }
        Get-ErrorId $out | Should -Be 'MarathonDeploymentTimedOut'
        (Get-Result $out).Status | Should -Be 'TimedOut'
        $null = Invoke-Seen { Set-MarathonApp -Definition @{ id = '/flaky'; cmd = 'x' } }
        $out = Invoke-Seen { Set-MarathonApp -Definition @{ id = '/flaky'; cmd = 'y'; labels = @{ STANDIN_ROLLBACK = 'true' } } }
        Get-ErrorId $out | Should -Be 'MarathonDeploymentFailed'
        (Get-Result $out).Status | Should -Be 'Failed'
    }

    It 'removes an app, which is then MarathonAppNotFound; a bad id is refused before anything is sent' {
        $r = Get-Result (Invoke-Seen { Remove-MarathonApp /web })
        $r.Action | Should -Be 'Removed'
        $r.Status | Should -Be 'Succeeded'
        Get-ErrorId (Invoke-Seen { Get-MarathonApp /web }) | Should -Be 'MarathonAppNotFound'
        Get-ErrorId (Invoke-Seen { Remove-MarathonApp /web }) | Should -Be 'MarathonAppNotFound'
        Get-ErrorId (Invoke-Seen { Get-MarathonApp '/Upper/Case' }) | Should -Be 'InvalidMarathonAppId'
    }

    It 'ends only the id that was refused and goes on with the next, naming it as the target' {
        $out = Invoke-Seen { Get-MarathonApp /nope, /tools/registry -ErrorAction Continue }
        Get-ErrorId $out | Should -Be 'MarathonAppNotFound'
        ($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).TargetObject | Should -Be '/nope'
        (Get-Result $out).Id | Should -Be '/tools/registry'
    }
}

Describe 'Secrets' -Tag Cluster {
    It 'stores a SecureString as a text secret (Created, then Updated) and shows path and kind, never the value' {
        $value = ConvertTo-SecureString $textSecret -AsPlainText -Force
        (Get-Result (Invoke-Seen { Set-DcosSecret -Path team/db-password -Value $value })).Action | Should -Be 'Created'
        (Get-Result (Invoke-Seen { $value | Set-DcosSecret team/db-password })).Action | Should -Be 'Updated'
        $info = Get-Result (Invoke-Seen { Get-DcosSecret team/db-password })
        $info.Kind | Should -Be 'Text'
        $info.PSObject.Properties.Name | Should -Not -Contain 'Value'
        $secure = Get-Result (Invoke-Seen { Get-DcosSecret team/db-password -AsSecureString })
        $secure | Should -BeOfType [securestring]
        [pscredential]::new('x', $secure).GetNetworkCredential().Password | Should -BeExactly $textSecret
    }

    It 'stores a file''s bytes as a file secret and reads them back as bytes' {
        [IO.File]::WriteAllBytes((Join-Path $TestDrive 'blob.bin'), $fileSecret)
        (Get-Result (Invoke-Seen { Set-DcosSecret team/blob -FilePath (Join-Path $TestDrive 'blob.bin') })).Kind | Should -Be 'File'
        $bytes = Get-DcosSecret team/blob -AsByteArray
        , $bytes | Should -BeOfType [byte[]]
        [Convert]::ToBase64String($bytes) | Should -Be ([Convert]::ToBase64String($fileSecret))
    }

    It 'stores the HAProxy pem (certificate and key) as a file secret' {
        $r = Get-Result (Invoke-Seen { $leaf | Set-DcosSecret -Path marathon-lb/haproxy-pem -Format HaproxyPem })
        $r.Kind | Should -Be 'File'
        $pem = [Text.Encoding]::UTF8.GetString((Get-DcosSecret marathon-lb/haproxy-pem -AsByteArray))
        $pem | Should -Match '-----BEGIN CERTIFICATE-----'
        $pem | Should -Match 'PRIVATE KEY-----'
    }

    It 'lists a folder, removes a secret, and names a missing one and a bad path' {
        (Get-Result (Invoke-Seen { Get-DcosSecret -Folder team })).Path | Should -Be @('team/blob', 'team/db-password')
        (Get-Result (Invoke-Seen { Remove-DcosSecret team/blob -PassThru })).Action | Should -Be 'Removed'
        Get-ErrorId (Invoke-Seen { Get-DcosSecret team/blob }) | Should -Be 'SecretNotFound'
        Get-ErrorId (Invoke-Seen { Get-DcosSecret 'team/../etc' }) | Should -Be 'InvalidSecretPath'
    }
}

Describe 'Service accounts and permissions' -Tag Cluster {
    It 'makes a service account whose secret logs in through Connect-DcosCluster -ServiceAccountSecret' {
        $account = Get-Result (Invoke-Seen { New-DcosServiceAccount -Uid marathon-lb-sa -SecretPath marathon-lb/service-account-secret })
        $script:madeAccount = $account
        $account.Uid | Should -Be 'marathon-lb-sa'
        $account.PSObject.Properties.Name | Should -Not -Contain 'PrivateKey'
        $secret = Get-DcosSecret marathon-lb/service-account-secret -AsSecureString
        $document = [pscredential]::new('x', $secret).GetNetworkCredential().Password | ConvertFrom-Json
        $document.scheme | Should -Be 'RS256'
        $document.uid | Should -Be 'marathon-lb-sa'
        $document.login_endpoint | Should -Be 'https://master.mesos/acs/api/v1/auth/login'
        $script:accountKeyLines = @($document.private_key -split "`n" | Where-Object { $_ -and $_ -notlike '-----*' })
        $accountSession = Connect-DcosCluster -Uri $base -ServiceAccountSecret $secret -CaCertificatePath $caFile
        $accountSession.UserId | Should -Be 'marathon-lb-sa'
        # The same JSON saved to a file works as -PrivateKeyPath.
        [pscredential]::new('x', $secret).GetNetworkCredential().Password | Set-Content (Join-Path $TestDrive 'sa.json')
        (Connect-DcosCluster -Uri $base -ServiceAccount marathon-lb-sa -PrivateKeyPath (Join-Path $TestDrive 'sa.json') -CaCertificatePath $caFile).UserId | Should -Be 'marathon-lb-sa'
        # Connecting made those sessions the default: go back to the operator's.
        $null = Connect-DcosCluster -Uri $base -Credential ([pscredential]::new('operator', (ConvertTo-SecureString $operatorPassword -AsPlainText -Force))) -CaCertificatePath $caFile
        Get-ErrorId (Invoke-Seen { New-DcosServiceAccount -Uid marathon-lb-sa }) | Should -Be 'ServiceAccountExists'
    }

    It 'grants, lists and revokes actions, escaping / in resource ids' {
        $rows = Get-Result (Invoke-Seen { Grant-DcosPermission marathon-lb-sa 'dcos:service:marathon:marathon:services:/', 'dcos:service:marathon:marathon:admin:events' read -PassThru })
        $rows.Change | Should -Be @('Granted', 'Granted')
        (Get-Result (Invoke-Seen { Grant-DcosPermission marathon-lb-sa 'dcos:service:marathon:marathon:services:/' read -PassThru })).Change | Should -Be 'AlreadyGranted'
        @(Get-StandInLog) | Should -Contain 'PUT /acs/api/v1/acls/dcos:service:marathon:marathon:services:%252F/users/marathon-lb-sa/read'
        $granted = Get-Result (Invoke-Seen { Get-DcosPermission marathon-lb-sa })
        $granted.Resource | Should -Be @('dcos:service:marathon:marathon:admin:events', 'dcos:service:marathon:marathon:services:/')
        (Get-Result (Invoke-Seen { Revoke-DcosPermission marathon-lb-sa 'dcos:service:marathon:marathon:admin:events' read -PassThru })).Change | Should -Be 'Revoked'
        (Get-Result (Invoke-Seen { Get-DcosPermission marathon-lb-sa })).Resource | Should -Be 'dcos:service:marathon:marathon:services:/'
        Get-ErrorId (Invoke-Seen { Grant-DcosPermission marathon-lb-sa 'marathon:services' read }) | Should -Be 'InvalidPermissionResource'
    }

    It 'gets service accounts one by id, by wildcard and all, with the key fingerprint New-DcosServiceAccount gave, in a view of 80 columns' {
        $one = Get-Result (Invoke-Seen { Get-DcosServiceAccount marathon-lb-sa })
        $one.Uid | Should -Be 'marathon-lb-sa'
        $one.PublicKeySha256 | Should -Be $madeAccount.PublicKeySha256
        $one.SecretPath | Should -BeNullOrEmpty
        (Get-Result (Invoke-Seen { Get-DcosServiceAccount 'marathon-*' })).Uid | Should -Be 'marathon-lb-sa'
        (Get-Result (Invoke-Seen { Get-DcosServiceAccount })).Uid | Should -Contain 'marathon-lb-sa'
        Get-Result (Invoke-Seen { Get-DcosServiceAccount 'no-such-*' }) | Should -BeNullOrEmpty
        $table = Get-DcosServiceAccount | Format-Table | Out-String -Width 80
        $table | Should -Match 'Uid\s+SecretPath\s+Description'
        $table | Should -Match 'marathon-lb-sa'
        ($table -split "`n" | Where-Object { $_.TrimEnd().Length -gt 80 }) | Should -BeNullOrEmpty
        # A user's account is not a service account; an unknown id is named, and the next id still read.
        $out = Invoke-Seen { Get-DcosServiceAccount operator, nobody-sa, marathon-lb-sa -ErrorAction Continue }
        Get-ErrorId $out | Should -Be @('NotAServiceAccount', 'ServiceAccountNotFound')
        (Get-Result $out).Uid | Should -Be 'marathon-lb-sa'
    }

    It 'removes what New-DcosServiceAccount made, piped in, with its secret; rows of Get-DcosServiceAccount pipe in by property name' {
        $null = Invoke-Seen { New-DcosServiceAccount temp-sa -SecretPath temp/sa-secret }
        $removed = Get-Result (Invoke-Seen { New-DcosServiceAccount temp2-sa -SecretPath temp/sa2-secret | Remove-DcosServiceAccount -RemoveSecret -PassThru })
        $removed.Action | Should -Be 'Removed'
        $removed.SecretPath | Should -Be 'temp/sa2-secret'
        Get-ErrorId (Invoke-Seen { Get-DcosSecret temp/sa2-secret }) | Should -Be 'SecretNotFound'
        $null = Invoke-Seen { 'pipe-a', 'pipe-b' | New-DcosServiceAccount }
        $rows = Get-Result (Invoke-Seen { Get-DcosServiceAccount 'pipe-*' | Remove-DcosServiceAccount -RemoveSecret -PassThru })
        $rows.Uid | Should -Be @('pipe-a', 'pipe-b')
        $rows.SecretPath | Should -Be @('pipe-a/service-account-secret', 'pipe-b/service-account-secret')
        Get-Result (Invoke-Seen { Get-DcosServiceAccount 'pipe-*' }) | Should -BeNullOrEmpty
        # Without -RemoveSecret the secret stays.
        $null = Invoke-Seen { Remove-DcosServiceAccount temp-sa }
        (Get-Result (Invoke-Seen { Get-DcosSecret temp/sa-secret })).Kind | Should -Be 'Text'
        Get-ErrorId (Invoke-Seen { Remove-DcosServiceAccount temp-sa }) | Should -Be 'ServiceAccountNotFound'
        Get-ErrorId (Invoke-Seen { Remove-DcosServiceAccount operator }) | Should -Be 'NotAServiceAccount'
    }
}

Describe 'marathon-lb through the package manager, and the registry guide example' -Tag Cluster {
    It 'runs module/Examples/Registry-Guide.ps1 from a fresh pwsh against the stand-in' {
        $script = Join-Path $PSScriptRoot '../../module/Examples/Registry-Guide.ps1'
        $pwsh = [Environment]::ProcessPath
        [string[]] $pwshArgs = if ((Split-Path -Leaf $pwsh) -like 'pwsh*') { @() } else { @(Join-Path $PSHOME 'pwsh.dll') }
        # The operator's password reaches the child through its environment, never its command line.
        $env:DCOSTLS_EXAMPLE_PASSWORD = $operatorPassword
        try {
            # Both ways in one child (one pwsh start): through the package manager, then marathon-lb as a plain app.
            $command = "`$c = [pscredential]::new('operator', (ConvertTo-SecureString `$env:DCOSTLS_EXAMPLE_PASSWORD -AsPlainText -Force)); " +
                "`$plain = & '$script' -ClusterUri '$base' -CaCertificatePath '$caFile' -Credential `$c -OutputFolder '$(Join-Path $TestDrive 'guide-plain')' -WithoutPackageManager " +
                "-RegistryAppId /plain-guide/registry -MarathonLbName plain-guide/mlbint -ServiceAccount plain-guide-sa; " +
                "`$plain | ConvertTo-Json -Compress; " +
                "& '$script' -ClusterUri '$base' -CaCertificatePath '$caFile' -Credential `$c -OutputFolder '$(Join-Path $TestDrive 'guide')' | ConvertTo-Json -Compress"
            $output = @(& $pwsh @pwshArgs -NoProfile -NonInteractive -Command $command *>&1 | ForEach-Object { "$_" })
            $exit = $LASTEXITCODE
        }
        finally { Remove-Item Env:DCOSTLS_EXAMPLE_PASSWORD }
        $seen.Add($output -join "`n")
        $exit | Should -Be 0 -Because ($output -join "`n")
        # Each run's summary is one JSON line; the steps' own lines come between.
        $summaries = @($output | Where-Object { $_ -like '`[{*' })
        $summaries | Should -HaveCount 2 -Because ($output -join "`n")
        foreach ($summary in $summaries) { ($summary | ConvertFrom-Json).Step | Should -Be @(1, 2, 3, 4, 5) }
        $plainLb = (Get-MarathonApp /plain-guide/mlbint).Definition | ConvertFrom-Json
        $plainLb.secrets.($plainLb.env.HAPROXY_SSL_CERT.secret).source | Should -Be 'plain-guide/mlbint/haproxy-pem'
        $plainLb.secrets.($plainLb.env.DCOS_SERVICE_ACCOUNT_CREDENTIAL.secret).source | Should -Be 'plain-guide/mlbint/service-account-secret'
        $plainLb.args | Should -Contain 'internal'
        (Get-DcosServiceAccount plain-guide-sa).Uid | Should -Be 'plain-guide-sa'
        (Get-MarathonApp /plain-guide/registry).Id | Should -Be '/plain-guide/registry'
        @(Get-StandInLog | Where-Object { $_ -like 'POST /package/install*' }) | Should -HaveCount 1 -Because 'only the package run installs a package'
        Test-Path (Join-Path $TestDrive 'guide/registry-ca.crt') | Should -BeTrue
        Test-Path (Join-Path $TestDrive 'guide/registry-ca.key') | Should -BeFalse
        @(Get-StandInLog) | Should -Contain 'POST /package/install'
        (Get-DcosSecret shared/mlbint/haproxy-pem).Kind | Should -Be 'File'
        (Get-DcosPermission mlbint-sa).Resource | Should -Be @('dcos:service:marathon:marathon:admin:events', 'dcos:service:marathon:marathon:services:/')
        $lb = (Get-MarathonApp /shared/mlbint).Definition | ConvertFrom-Json
        $lb.secrets.'haproxy-pem'.source | Should -Be 'shared/mlbint/haproxy-pem'
        $lb.env.HAPROXY_SSL_CERT.secret | Should -Be 'haproxy-pem'
        $lb.secrets.secret0.source | Should -Be 'shared/mlbint/service-account-secret'
        $lb.args | Should -Contain 'internal'
        ((Get-MarathonApp /shared/registry).Definition | ConvertFrom-Json).labels.HAPROXY_0_SSL_CERT | Should -Be '/etc/ssl/cert.pem'
    }

    It 'installs with its options, waits for the deployment, and leaves an installed one as it is' {
        $r = Get-Result (Invoke-Seen { Install-MarathonLb -Name edge-lb -HaproxyGroup edge -Instances 2 -ServiceAccountSecret edge-lb/service-account-secret -PackageVersion 1.14.0 })
        $r.Action | Should -Be 'Installed'
        $r.Status | Should -Be 'Succeeded'
        $r.AppId | Should -Be '/edge-lb'
        $r.PackageVersion | Should -Be '1.14.0'
        (Get-MarathonApp /edge-lb).TasksRunning | Should -Be 2
        $out = Invoke-Seen { Install-MarathonLb -Name edge-lb -HaproxyGroup edge }
        (Get-Result $out).Action | Should -Be 'AlreadyInstalled'
        (Get-Result $out).Status | Should -Be 'NotNeeded'
        @($out | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }) | Should -HaveCount 1
    }

    It 'names a refused option, an unknown version and a bad name' {
        $out = Invoke-Seen { Install-MarathonLb -Name other-lb -Option @{ 'no-such-option' = 1 } }
        Get-ErrorId $out | Should -Be 'PackageOptionsInvalid'
        ($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).Exception.Message | Should -Match 'no-such-option'
        Get-ErrorId (Invoke-Seen { Install-MarathonLb -Name other-lb -PackageVersion 0.0.1 }) | Should -Be 'PackageNotFound'
        Get-ErrorId (Invoke-Seen { Install-MarathonLb -Name 'Bad_Name' }) | Should -Be 'InvalidMarathonLbOption'
        Get-ErrorId (Invoke-Seen { Install-MarathonLb -HaproxyGroup 'a b' }) | Should -Be 'InvalidMarathonLbOption'
    }
}

Describe 'marathon-lb as a plain Marathon app' -Tag Cluster {
    It 'applies the app from the options, waits for its deployment, and changes nothing when re-run' {
        $out = Invoke-Seen { Install-MarathonLb -AsMarathonApp -Name plain-lb -HaproxyGroup edge -ServiceAccountSecret plain-lb/service-account-secret -SslCertificateSecret plain-lb/haproxy-pem }
        Get-ErrorId $out | Should -BeNullOrEmpty
        $r = Get-Result $out
        $r.Action | Should -Be 'Created'
        $r.Status | Should -Be 'Succeeded'
        $lb = (Get-MarathonApp /plain-lb).Definition | ConvertFrom-Json
        $lb.args | Should -Be @('sse', '-m', 'http://marathon.mesos:8080', '--group', 'edge', '--health-check')
        $lb.container.docker.image | Should -Be 'mesosphere/marathon-lb:v1.15.0'
        $lb.networks[0].mode | Should -Be 'host'
        $lb.portDefinitions.port | Should -Be @(80, 443, 9090)
        $lb.env.DCOS_SERVICE_ACCOUNT_CREDENTIAL.secret | Should -Be 'serviceCredential'
        $lb.secrets.serviceCredential.source | Should -Be 'plain-lb/service-account-secret'
        $lb.secrets.($lb.env.HAPROXY_SSL_CERT.secret).source | Should -Be 'plain-lb/haproxy-pem'
        $lb.acceptedResourceRoles | Should -Be 'slave_public'
        ($lb.constraints | ForEach-Object { $_ -join ' ' }) | Should -Contain 'public_ip IS true'
        $before = @(Get-StandInLog).Count
        (Get-Result (Invoke-Seen { Install-MarathonLb -AsMarathonApp -Name plain-lb -HaproxyGroup edge -ServiceAccountSecret plain-lb/service-account-secret -SslCertificateSecret plain-lb/haproxy-pem })).Action | Should -Be 'Unchanged'
        @(Get-StandInLog)[$before..1000] | Where-Object { $_ -notlike 'GET *' } | Should -BeNullOrEmpty
    }

    It 'takes New-MarathonRegistryApp''s marathon-lb options piped in' {
        $r = Get-Result (Invoke-Seen { New-MarathonRegistryApp -AppId /plain/registry -MarathonLbName plain/mlbint -HaproxyGroup internal -MarathonLbSecretName plain/mlbint/service-account-secret | Install-MarathonLb -AsMarathonApp -MarathonUri https://marathon.mesos:8443 })
        $r.AppId | Should -Be '/plain/mlbint'
        $r.Status | Should -Be 'Succeeded'
        $lb = (Get-MarathonApp /plain/mlbint).Definition | ConvertFrom-Json
        $lb.args | Should -Be @('sse', '-m', 'https://marathon.mesos:8443', '--group', 'internal', '--health-check')
        $lb.secrets.serviceCredential.source | Should -Be 'plain/mlbint/service-account-secret'
        $lb.env.PSObject.Properties.Name | Should -Not -Contain 'HAPROXY_SSL_CERT'
    }
}

Describe 'Failures of the cluster services: 4xx and 5xx, per cmdlet family' -Tag Cluster {
    BeforeAll {
        # The stand-in answers the next matching call with this status; its body echoes the canary, the
        # request's Authorization header and the request's body, as a careless proxy or service might.
        function Set-NextFailure([string] $Match, [int] $Status) {
            $rule = @{ match = $Match; status = $Status; text = "$serverCanary password=$serverCanary" } | ConvertTo-Json -Compress
            $null = Invoke-RestMethod -Method Post -Uri "$base/_standin/fail" -Body $rule -ContentType 'application/json' -SkipCertificateCheck
        }
        $viewer = Connect-DcosCluster -Uri $base -Credential ([pscredential]::new('viewer', (ConvertTo-SecureString ((Get-Content (Join-Path $dir 'users.json') | ConvertFrom-Json).viewer) -AsPlainText -Force))) -CaCertificatePath $caFile
        $operator = Connect-DcosCluster -Uri $base -Credential ([pscredential]::new('operator', (ConvertTo-SecureString $operatorPassword -AsPlainText -Force))) -CaCertificatePath $caFile
        # The token every call below sends (and every failing answer echoes): it must show nowhere.
        $script:operatorToken = $operator.GetType().GetMethod('AuthorizationHeader', [Reflection.BindingFlags]'NonPublic, Instance').Invoke($operator, $null).Substring('token='.Length)
        $null = Invoke-Seen {
            Set-MarathonApp -Definition @{ id = '/steady'; cmd = 'sleep 1000'; instances = 1 }
            Set-DcosSecret steady/value -PlainText $textSecret
            New-DcosServiceAccount steady-sa
            Grant-DcosPermission steady-sa 'dcos:secrets:default:/steady/*' read
        }
        $script:steadyVersion = (Get-MarathonApp /steady).Version
    }

    It '<Name>: <Id> (<Category>), says what failed and what to do, leaves nothing half done' -ForEach @(
        # Marathon apps
        @{ Name = 'Set-MarathonApp, PUT 503'; Match = 'PUT /service/marathon/v2/apps/fail-web'; Status = 503; Id = 'ClusterServiceUnavailable'; Category = 'ResourceUnavailable'; Message = 'Marathon is not available for PUT /service/marathon/v2/apps/fail-web.*Try again'
           Run = { Set-MarathonApp -Definition @{ id = '/fail-web'; cmd = 'sleep 1' } }; Check = { Get-ErrorId (Invoke-Seen { Get-MarathonApp /fail-web }) | Should -Be 'MarathonAppNotFound' } }
        @{ Name = 'Restart-MarathonApp, POST 500'; Match = 'POST /service/marathon/v2/apps/steady/restart'; Status = 500; Id = 'ClusterServiceFailed'; Category = 'InvalidResult'; Message = 'Marathon failed POST /service/marathon/v2/apps/steady/restart.*journalctl -u dcos-marathon'
           Run = { Restart-MarathonApp /steady }; Check = { (Get-MarathonApp /steady).Version | Should -Be $steadyVersion } }
        @{ Name = 'Remove-MarathonApp, DELETE 502 (Admin Router page)'; Match = 'DELETE /service/marathon/v2/apps/steady'; Status = 502; Id = 'ClusterServiceUnavailable'; Category = 'ResourceUnavailable'; Message = 'Marathon is not available for DELETE'
           Run = { Remove-MarathonApp /steady }; Check = { (Get-MarathonApp /steady).Id | Should -Be '/steady' } }
        @{ Name = 'Get-MarathonApp, 404'; Id = 'MarathonAppNotFound'; Category = 'ObjectNotFound'; Message = 'no app /fail-none.*Get-MarathonApp'; Run = { Get-MarathonApp /fail-none } }
        @{ Name = 'Set-MarathonApp as a viewer, 403'; Id = 'PermissionDenied'; Category = 'PermissionDenied'; Message = 'dcos:service:marathon:marathon:services:/ \(create, update\).*Grant-DcosPermission'
           Run = { Set-MarathonApp -Definition @{ id = '/viewer-app'; cmd = 'x' } -Session $viewer }; Check = { Get-ErrorId (Invoke-Seen { Get-MarathonApp /viewer-app }) | Should -Be 'MarathonAppNotFound' } }
        # Secrets
        @{ Name = 'Set-DcosSecret, PUT 500'; Match = 'PUT /secrets/v1/secret/default/fail/new'; Status = 500; Id = 'ClusterServiceFailed'; Category = 'InvalidResult'; Message = 'The secrets service failed PUT /secrets/v1/secret/default/fail/new'
           Run = { Set-DcosSecret fail/new -PlainText $textSecret }; Check = { Get-ErrorId (Invoke-Seen { Get-DcosSecret fail/new }) | Should -Be 'SecretNotFound' } }
        @{ Name = 'Set-DcosSecret over an existing one, PATCH 503'; Match = 'PATCH /secrets/v1/secret/default/steady/value'; Status = 503; Id = 'ClusterServiceUnavailable'; Category = 'ResourceUnavailable'; Message = 'secrets service is not available for PATCH'
           Run = { Set-DcosSecret steady/value -PlainText $otherSecret }; Check = { [pscredential]::new('x', (Get-DcosSecret steady/value -AsSecureString)).GetNetworkCredential().Password | Should -BeExactly $textSecret } }
        @{ Name = 'Remove-DcosSecret, DELETE 502'; Match = 'DELETE /secrets/v1/secret/default/steady/value'; Status = 502; Id = 'ClusterServiceUnavailable'; Category = 'ResourceUnavailable'; Message = 'secrets service is not available for DELETE'
           Run = { Remove-DcosSecret steady/value }; Check = { (Get-DcosSecret steady/value).Kind | Should -Be 'Text' } }
        @{ Name = 'Get-DcosSecret, 404'; Id = 'SecretNotFound'; Category = 'ObjectNotFound'; Message = 'fail/none'; Run = { Get-DcosSecret fail/none } }
        @{ Name = 'Set-DcosSecret as a viewer, 403'; Id = 'PermissionDenied'; Category = 'PermissionDenied'; Message = 'dcos:secrets:default:/fail/viewer \(create\)'
           Run = { Set-DcosSecret fail/viewer -PlainText $textSecret -Session $viewer }; Check = { Get-ErrorId (Invoke-Seen { Get-DcosSecret fail/viewer }) | Should -Be 'SecretNotFound' } }
        # Service accounts
        @{ Name = 'New-DcosServiceAccount, the secret''s PUT 503: the account is rolled back'; Match = 'PUT /secrets/v1/secret/default/rollback-sa/'; Status = 503; Id = 'ClusterServiceUnavailable'; Category = 'ResourceUnavailable'; Message = 'not available for PUT /secrets/v1/secret/default/rollback-sa/service-account-secret.*removed again'
           Run = { New-DcosServiceAccount rollback-sa }; Check = { Get-ErrorId (Invoke-Seen { Get-DcosServiceAccount rollback-sa }) | Should -Be 'ServiceAccountNotFound' } }
        @{ Name = 'New-DcosServiceAccount, IAM''s PUT 500: no secret is written'; Match = 'PUT /acs/api/v1/users/iamfail-sa'; Status = 500; Id = 'ClusterServiceFailed'; Category = 'InvalidResult'; Message = 'IAM failed PUT /acs/api/v1/users/iamfail-sa.*journalctl -u dcos-bouncer'
           Run = { New-DcosServiceAccount iamfail-sa }; Check = { Get-ErrorId (Invoke-Seen { Get-DcosSecret iamfail-sa/service-account-secret }) | Should -Be 'SecretNotFound' } }
        @{ Name = 'Remove-DcosServiceAccount, DELETE 503'; Match = 'DELETE /acs/api/v1/users/steady-sa'; Status = 503; Id = 'ClusterServiceUnavailable'; Category = 'ResourceUnavailable'; Message = 'IAM is not available for DELETE /acs/api/v1/users/steady-sa'
           Run = { Remove-DcosServiceAccount steady-sa -RemoveSecret }; Check = { (Get-DcosServiceAccount steady-sa).Uid | Should -Be 'steady-sa'; (Get-DcosSecret steady-sa/service-account-secret).Kind | Should -Be 'Text' } }
        @{ Name = 'Get-DcosServiceAccount, the list 502'; Match = 'GET /acs/api/v1/users?type=service'; Status = 502; Id = 'ClusterServiceUnavailable'; Category = 'ResourceUnavailable'; Message = 'IAM is not available for GET /acs/api/v1/users'; Run = { Get-DcosServiceAccount } }
        @{ Name = 'Remove-DcosServiceAccount, 404'; Id = 'ServiceAccountNotFound'; Category = 'ObjectNotFound'; Message = 'no account ''nobody-sa''.*Get-DcosServiceAccount'; Run = { Remove-DcosServiceAccount nobody-sa -RemoveSecret } }
        @{ Name = 'New-DcosServiceAccount, 409'; Id = 'ServiceAccountExists'; Category = 'ResourceExists'; Message = 'already has an account ''steady-sa''.*another -Uid'; Run = { New-DcosServiceAccount steady-sa } }
        @{ Name = 'New-DcosServiceAccount as a viewer, 403'; Id = 'PermissionDenied'; Category = 'PermissionDenied'; Message = 'dcos:adminrouter:acs \(full\)'; Run = { New-DcosServiceAccount viewer-made-sa -Session $viewer }
           Check = { Get-ErrorId (Invoke-Seen { Get-DcosServiceAccount viewer-made-sa }) | Should -Be 'ServiceAccountNotFound' } }
        # Permissions
        @{ Name = 'Grant-DcosPermission, the grant''s PUT 503'; Match = 'PUT /acs/api/v1/acls/dcos:secrets:default:%252Fsteady%252Fother/users/steady-sa/read'; Status = 503; Id = 'ClusterServiceUnavailable'; Category = 'ResourceUnavailable'; Message = 'IAM is not available for PUT /acs/api/v1/acls/'
           Run = { Grant-DcosPermission steady-sa 'dcos:secrets:default:/steady/other' read }; Check = { (Get-DcosPermission steady-sa).Resource | Should -Not -Contain 'dcos:secrets:default:/steady/other' } }
        @{ Name = 'Revoke-DcosPermission, DELETE 500'; Match = 'DELETE /acs/api/v1/acls/'; Status = 500; Id = 'ClusterServiceFailed'; Category = 'InvalidResult'; Message = 'IAM failed DELETE /acs/api/v1/acls/'
           Run = { Revoke-DcosPermission steady-sa 'dcos:secrets:default:/steady/*' read }; Check = { (Get-DcosPermission steady-sa).Resource | Should -Contain 'dcos:secrets:default:/steady/*' } }
        @{ Name = 'Get-DcosPermission, 502'; Match = 'GET /acs/api/v1/users/steady-sa/permissions'; Status = 502; Id = 'ClusterServiceUnavailable'; Category = 'ResourceUnavailable'; Message = 'IAM is not available'; Run = { Get-DcosPermission steady-sa } }
        @{ Name = 'Grant-DcosPermission to an unknown account, 400'; Id = 'ServiceAccountNotFound'; Category = 'ObjectNotFound'; Message = 'Check that the account exists'; Run = { Grant-DcosPermission nobody-sa 'dcos:secrets:default:/steady/*' read } }
        @{ Name = 'Grant-DcosPermission as a viewer, 403'; Id = 'PermissionDenied'; Category = 'PermissionDenied'; Message = 'dcos:adminrouter:acs \(full\)'; Run = { Grant-DcosPermission steady-sa 'dcos:secrets:default:/viewer' read -Session $viewer } }
        # Package install
        @{ Name = 'Install-MarathonLb, POST /package/install 503'; Match = 'POST /package/install'; Status = 503; Id = 'ClusterServiceUnavailable'; Category = 'ResourceUnavailable'; Message = 'package manager \(Cosmos\) is not available for POST /package/install.*journalctl -u dcos-cosmos'
           Run = { Install-MarathonLb -Name fail-lb }; Check = { Get-ErrorId (Invoke-Seen { Get-MarathonApp /fail-lb }) | Should -Be 'MarathonAppNotFound' } }
        @{ Name = 'Install-MarathonLb -AsMarathonApp, PUT 500'; Match = 'PUT /service/marathon/v2/apps/fail-plain-lb'; Status = 500; Id = 'ClusterServiceFailed'; Category = 'InvalidResult'; Message = 'Marathon failed PUT /service/marathon/v2/apps/fail-plain-lb'
           Run = { Install-MarathonLb -AsMarathonApp -Name fail-plain-lb }; Check = { Get-ErrorId (Invoke-Seen { Get-MarathonApp /fail-plain-lb }) | Should -Be 'MarathonAppNotFound' } }
        @{ Name = 'Install-MarathonLb, refused options 400'; Id = 'PackageOptionsInvalid'; Category = 'InvalidArgument'; Message = 'no-such-option.*dcos package describe'; Run = { Install-MarathonLb -Name fail-lb -Option @{ 'no-such-option' = 1 } } }
        @{ Name = 'Install-MarathonLb as a viewer, 403'; Id = 'PermissionDenied'; Category = 'PermissionDenied'; Message = 'dcos:adminrouter:package \(full\)'; Run = { Install-MarathonLb -Name viewer-lb -Session $viewer }
           Check = { Get-ErrorId (Invoke-Seen { Get-MarathonApp /viewer-lb }) | Should -Be 'MarathonAppNotFound' } }
    ) {
        if ($Match) { Set-NextFailure $Match $Status }
        $out = Invoke-Seen $Run
        $errors = @($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $errors | Should -HaveCount 1
        $errors[0].FullyQualifiedErrorId.Split(',')[0] | Should -Be $Id
        "$($errors[0].CategoryInfo.Category)" | Should -Be $Category
        $errors[0].Exception.Message | Should -Match $Message
        $errors[0].Exception.Message | Should -Not -Match ([regex]::Escape($serverCanary))
        Get-Result $out | Should -BeNullOrEmpty
        if ($Match) { (Get-StandInLog | Where-Object { $_.StartsWith($Match) }) | Should -Not -BeNullOrEmpty -Because 'the failure was asked for' }
        if ($Check) { & $Check }
    }

    It 'a deployment waited for through a 503 of Marathon (a leader election) still ends Succeeded' {
        Set-NextFailure 'GET /service/marathon/v2/deployments' 503
        $r = Get-Result (Invoke-Seen { Set-MarathonApp -Definition @{ id = '/steady'; cmd = 'sleep 1000'; instances = 2 } })
        $r.Action | Should -Be 'Replaced'
        $r.Status | Should -Be 'Succeeded'
        Set-NextFailure 'GET /service/marathon/v2/deployments' 500
        $out = Invoke-Seen { Set-MarathonApp -Definition @{ id = '/steady'; cmd = 'sleep 1000'; instances = 1 } }
        Get-ErrorId $out | Should -Be 'ClusterServiceFailed'
        ($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).Exception.Message | Should -Match 'Marathon had accepted the change: deployment \S+ goes on'
    }

    It 'left no failure unused: each was answered to the call it was meant for' {
        @(Invoke-RestMethod -Uri "$base/_standin/failures" -SkipCertificateCheck | ForEach-Object { $_ }) | Should -BeNullOrEmpty
    }

    It 'a removal whose secret cannot be deleted says the account is gone and which secret is left' {
        $null = Invoke-Seen { New-DcosServiceAccount half-sa }
        Set-NextFailure 'DELETE /secrets/v1/secret/default/half-sa/' 500
        $out = Invoke-Seen { Remove-DcosServiceAccount half-sa -RemoveSecret }
        Get-ErrorId $out | Should -Be 'ClusterServiceFailed'
        ($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).Exception.Message | Should -Match 'was removed; its secret default/half-sa/service-account-secret was not: remove it with Remove-DcosSecret'
        Get-ErrorId (Invoke-Seen { Get-DcosServiceAccount half-sa }) | Should -Be 'ServiceAccountNotFound'
        (Get-DcosSecret half-sa/service-account-secret).Kind | Should -Be 'Text'
    }
}

Describe 'Refusals, -WhatIf and secrets in streams' -Tag Cluster {
    It 'sends nothing under -WhatIf' {
        $before = @(Get-StandInLog).Count
        $out = Invoke-Seen {
            New-MarathonRegistryApp -AppId /whatif | Set-MarathonApp -WhatIf
            Restart-MarathonApp /tools/registry -WhatIf
            Remove-MarathonApp /tools/registry -WhatIf
            Set-DcosSecret whatif/x -PlainText 'not secret' -WhatIf
            Remove-DcosSecret team/db-password -WhatIf
            New-DcosServiceAccount whatif-sa -WhatIf
            Grant-DcosPermission marathon-lb-sa 'dcos:secrets:default:/x' read -WhatIf
            New-MarathonRegistryApp | Install-MarathonLb -WhatIf
            New-MarathonRegistryApp | Install-MarathonLb -AsMarathonApp -WhatIf
            Install-MarathonLb -AsMarathonApp -Name whatif-lb -WhatIf
            Remove-DcosServiceAccount marathon-lb-sa -RemoveSecret -WhatIf
        }
        Get-Result $out | Should -BeNullOrEmpty
        @(Get-StandInLog).Count | Should -Be $before
    }

    It 'names the missing permission on 403, and says to log in again on 401' {
        $viewer = Connect-DcosCluster -Uri $base -Credential ([pscredential]::new('viewer', (ConvertTo-SecureString ((Get-Content (Join-Path $dir 'users.json') | ConvertFrom-Json).viewer) -AsPlainText -Force))) -CaCertificatePath $caFile
        $out = Invoke-Seen { Get-DcosSecret team/db-password -Session $viewer }
        Get-ErrorId $out | Should -Be 'PermissionDenied'
        ($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).Exception.Message | Should -Match 'dcos:secrets:default:/team/db-password'
        $null = Invoke-RestMethod -Method Post -Uri "$base/_standin/forget-tokens" -SkipCertificateCheck
        Get-ErrorId (Invoke-Seen { Get-MarathonApp -Session $viewer }) | Should -Be 'TokenRefused'
        # A refused login ends the cmdlet: the second path is not tried.
        Get-ErrorId (Invoke-Seen { Get-DcosSecret team/db-password, team/other -Session $viewer -ErrorAction Continue }) | Should -Be 'TokenRefused'
        $null = Connect-DcosCluster -Uri $base -Credential ([pscredential]::new('operator', (ConvertTo-SecureString $operatorPassword -AsPlainText -Force))) -CaCertificatePath $caFile
    }

    It 'never shows a secret value, a key line, the token, a failing server''s text or their base64 in any stream, error or output' {
        $all = $seen -join "`n"
        $all.Length | Should -BeGreaterThan 1000
        $values = @($textSecret, $otherSecret, $serverCanary, $operatorToken, [Text.Encoding]::ASCII.GetString($fileSecret).Trim()) + $leafKeyLines + $accountKeyLines
        $streams = Join-Path $TestDrive 'streams.txt'
        [IO.File]::WriteAllText($streams, $all)
        # The leak helper: each value as it is and its base64 (standard and URL-safe, every alignment).
        Find-SecretLeak -Path $streams -Secret $values | Should -BeNullOrEmpty
        $all | Should -Not -Match ([regex]::Escape([Convert]::ToBase64String($fileSecret)))
        # The service-account keys made here are never seen by the test; no PEM of a private key may show at all.
        $all | Should -Not -Match 'PRIVATE KEY'
        $all | Should -Not -Match 'private_key'
    }
}
