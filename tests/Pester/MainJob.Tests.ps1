<#
    The README's main job: module/Examples/Provision-Agent.ps1 under `pwsh -File` into a staging
    root given as a relative path, then run a second time. What it stages is checked with openssl
    and by mode; the second run must leave every file, mode and link as the first run left it.
#>
BeforeAll {
    . (Join-Path $PSScriptRoot 'Pwsh.ps1')
    . (Join-Path $PSScriptRoot 'SecretSearch.ps1')
    $examplePassword = 'example-only-not-a-real-password'
    $exampleAuth = "example-user:$examplePassword"
    $script = (Resolve-Path (Join-Path $PSScriptRoot '../../module/Examples/Provision-Agent.ps1')).ProviderPath
    $work = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'mainjob')).FullName
    $root = Join-Path $work 'staging'
    $first = @(Invoke-ChildPwsh -ArgumentList '-File', $script, '-Root', './staging' -WorkingDirectory $work)
    $firstExit = $LASTEXITCODE
    $snapshot = @(Get-TreeSnapshot $root)
    # The second run is the README's command itself: build.ps1 -Task Example (an up-to-date build, then the script).
    $build = (Resolve-Path (Join-Path $PSScriptRoot '../../build.ps1')).ProviderPath
    $second = @(Invoke-ChildPwsh -ArgumentList '-File', $build, '-Task', 'Example', '-StagingRoot', './staging' -WorkingDirectory $work)
    $secondExit = $LASTEXITCODE
    function Get-StagedPath([string] $AgentPath) { Join-Path $root $AgentPath.TrimStart('/') }
    function Get-Mode([string] $AgentPath) { [Convert]::ToString([int] (Get-Item -LiteralPath (Get-StagedPath $AgentPath) -Force).UnixFileMode, 8) }
}

Describe 'The main job: Provision-Agent.ps1 under pwsh -File' -Tag MainJob, Heavy {
    It 'exits 0 and ends with one summary table' {
        $firstExit | Should -Be 0 -Because ($first -join "`n")
        $text = $first -join "`n"
        $text | Should -Match '(?m)^Step\s+Task\s+Result\s*$'
        $text | Should -Match '(?m)^\s+7 Check: daemon TLS consistent\s+True\s*$'
        $text | Should -Match '(?m)^\s+7 Check: logins stored for\s+repo\.internal:5000\s*$'
    }

    It 'builds the module for the main job, not the test and benchmark projects' {
        $secondExit | Should -Be 0 -Because ($second -join "`n")
        @($second | Where-Object { $_ -match '^\s*DcosTls\.(Tests|UnitTests|Benchmarks) -> ' }) | Should -BeNullOrEmpty
        @($second | Where-Object { $_ -match '^\s*DcosTls -> ' }) | Should -Not -BeNullOrEmpty
    }

    It 'prints tables and headings, never property lists' {
        # A "Name : value" line is the list view pwsh falls back to when one output stream mixes types.
        $lists = @($first | Where-Object { $_ -match '^[A-Za-z]+ +: ' })
        $lists | Should -BeNullOrEmpty -Because 'every step shows its objects in their table view'
        $first | Should -Contain '1. A local certificate authority and the registry certificate it signs'
    }

    It 'fits 80 columns, but for the paths it prints' {
        $wide = @($first | Where-Object { $_.Length -gt 80 -and $_ -notmatch '^export ' })
        $wide | Should -BeNullOrEmpty
    }

    It 'never prints the example password, nor its base64 or that of the login' {
        $printed = ($first + $second) -join "`n"
        foreach ($form in @(Get-SecretForm $examplePassword) + @(Get-SecretForm $exampleAuth)) {
            $printed.Contains($form) | Should -BeFalse -Because "the output holds '$form'"
        }
    }

    It 'makes Docker and Mesos trust the registry certificate' {
        $server = Get-StagedPath 'provisioning/registry.crt'
        $dockerCa = @(Get-ChildItem -LiteralPath (Get-StagedPath 'etc/docker/certs.d/repo.internal:5000') -Filter *.crt)
        $dockerCa.Count | Should -Be 1
        & openssl verify -CAfile $dockerCa[0].FullName $server 2>&1 | Should -Match ': OK$'
        & openssl verify -CApath (Get-StagedPath 'var/lib/dcos/pki/tls/certs') $server 2>&1 | Should -Match ': OK$'
    }

    It 'stages the daemon TLS files, the client files and the registry app' {
        foreach ($file in 'etc/docker/tls/ca.pem', 'etc/docker/tls/server-cert.pem', 'etc/docker/daemon.json',
            'etc/systemd/system/docker.service.d/dcostls-hosts.conf', 'provisioning/docker-client/cert.pem',
            'provisioning/mlbint.json', 'provisioning/registry.json') {
            Get-StagedPath $file | Should -Exist
        }
        Get-Mode 'etc/docker/tls/server-key.pem' | Should -Be '600'
        Get-Mode 'provisioning/docker-client/key.pem' | Should -Be '600'
        & openssl verify -purpose sslserver -CAfile (Get-StagedPath 'etc/docker/tls/ca.pem') (Get-StagedPath 'etc/docker/tls/server-cert.pem') 2>&1 |
            Should -Match ': OK$'
        Get-Content -Raw (Get-StagedPath 'provisioning/registry.json') | ConvertFrom-Json | Should -Not -BeNullOrEmpty
    }

    It 'stages the registry credentials privately, and the Mesos line once' {
        $credentials = Get-StagedPath 'var/lib/dcos/docker_credentials'
        Get-Mode 'var/lib/dcos/docker_credentials' | Should -Be '600'
        $auth = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('example-user:example-only-not-a-real-password'))
        (Get-Content -Raw $credentials | ConvertFrom-Json).auths.'repo.internal:5000'.auth | Should -Be $auth
        Get-Content -Raw (Get-StagedPath 'var/lib/dcos/mesos-slave-common') | Should -Be "MESOS_DOCKER_CONFIG=file:///var/lib/dcos/docker_credentials`n"
        Get-Mode 'etc/docker.tar.gz' | Should -Be '600'
    }

    It 'keeps the password (plain or base64) and the login''s base64 out of every staged file but the credentials, docker.tar.gz unpacked' {
        $files = @(Get-ChildItem -LiteralPath $root -Recurse -File -Force | Where-Object { -not $_.LinkTarget } | ForEach-Object FullName)
        $files | Should -Contain (Get-StagedPath 'etc/docker.tar.gz')
        $leaks = @(Find-SecretLeak -Path $files -Secret $examplePassword -AuthString $exampleAuth -CredentialFile (Get-StagedPath 'var/lib/dcos/docker_credentials'))
        $leaks | Should -BeNullOrEmpty
    }

    It 'the secret search finds a password in base64 at any alignment, a login''s base64 outside the credentials, and inside a tar.gz' {
        $probe = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'secret-probe') -Force).FullName
        $files = foreach ($prefix in '', 'x', 'xy') {
            $file = Join-Path $probe "shift$($prefix.Length).txt"
            Set-Content -LiteralPath $file -Value ([Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("$prefix$examplePassword and more")))
            $file
        }
        $credentials = Join-Path $probe 'config.json'
        Set-Content -LiteralPath $credentials -Value ([Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($exampleAuth)))
        $null = New-Item -ItemType Directory -Path (Join-Path $probe 'archive/.docker') -Force
        Set-Content -LiteralPath (Join-Path $probe 'archive/.docker/config.json') -Value '{}'
        Set-Content -LiteralPath (Join-Path $probe 'archive/.docker/notes') -Value ([Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($exampleAuth)))
        & tar -czf (Join-Path $probe 'docker.tar.gz') -C (Join-Path $probe 'archive') .docker
        $found = @(Find-SecretLeak -Path (@($files) + $credentials + (Join-Path $probe 'docker.tar.gz')) -Secret $examplePassword -AuthString $exampleAuth -CredentialFile $credentials)
        $found.Count | Should -Be 4 -Because ($found -join "`n")
        $found[3] | Should -Match 'docker\.tar\.gz:\.docker/notes: holds'
        # The credentials file itself may hold the login: the same search does not count it.
        @(Find-SecretLeak -Path $credentials -Secret $examplePassword -AuthString $exampleAuth -CredentialFile $credentials) | Should -BeNullOrEmpty
    }

    It 'changes nothing when run again: every file, mode and link stays as it was' {
        $secondExit | Should -Be 0 -Because ($second -join "`n")
        $after = @(Get-TreeSnapshot $root)
        $changes = @(Compare-Object $snapshot $after | ForEach-Object { "$($_.SideIndicator) $($_.InputObject)" })
        $changes | Should -BeNullOrEmpty
        $snapshot.Count | Should -BeGreaterThan 20
    }
}
