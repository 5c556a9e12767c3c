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
}

Describe 'marathon-lb through the package manager, and the registry guide example' -Tag Cluster {
    It 'runs module/Examples/Registry-Guide.ps1 from a fresh pwsh against the stand-in' {
        $script = Join-Path $PSScriptRoot '../../module/Examples/Registry-Guide.ps1'
        $pwsh = [Environment]::ProcessPath
        [string[]] $pwshArgs = if ((Split-Path -Leaf $pwsh) -like 'pwsh*') { @() } else { @(Join-Path $PSHOME 'pwsh.dll') }
        # The operator's password reaches the child through its environment, never its command line.
        $env:DCOSTLS_EXAMPLE_PASSWORD = $operatorPassword
        try {
            $command = "`$c = [pscredential]::new('operator', (ConvertTo-SecureString `$env:DCOSTLS_EXAMPLE_PASSWORD -AsPlainText -Force)); " +
                "& '$script' -ClusterUri '$base' -CaCertificatePath '$caFile' -Credential `$c -OutputFolder '$(Join-Path $TestDrive 'guide')' | ConvertTo-Json -Compress"
            $output = @(& $pwsh @pwshArgs -NoProfile -NonInteractive -Command $command *>&1 | ForEach-Object { "$_" })
            $exit = $LASTEXITCODE
        }
        finally { Remove-Item Env:DCOSTLS_EXAMPLE_PASSWORD }
        $seen.Add($output -join "`n")
        $exit | Should -Be 0 -Because ($output -join "`n")
        $steps = $output[-1] | ConvertFrom-Json
        $steps.Step | Should -Be @(1, 2, 3, 4, 5)
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

    It 'never shows a secret value, a key line or their base64 in any stream, error or output' {
        $all = $seen -join "`n"
        $all.Length | Should -BeGreaterThan 1000
        $values = @($textSecret, [Text.Encoding]::ASCII.GetString($fileSecret).Trim()) + $leafKeyLines + $accountKeyLines
        foreach ($v in $values) {
            $all | Should -Not -Match ([regex]::Escape($v))
            $all | Should -Not -Match ([regex]::Escape([Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($v))))
        }
        $all | Should -Not -Match ([regex]::Escape([Convert]::ToBase64String($fileSecret)))
    }
}
