<#
    The README's main job: module/Examples/Provision-Agent.ps1 under `pwsh -File` into a staging
    root given as a relative path, then run a second time. What it stages is checked with openssl
    and by mode; the second run must leave every file, mode and link as the first run left it.
#>
BeforeAll {
    . (Join-Path $PSScriptRoot 'Pwsh.ps1')
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

    It 'never prints the example password' {
        ($first + $second) -join "`n" | Should -Not -Match 'example-only-not-a-real-password'
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

    It 'keeps the password out of every staged file but the credentials file' {
        $others = Get-ChildItem -LiteralPath $root -Recurse -File -Force |
            Where-Object { $_.FullName -ne (Get-StagedPath 'var/lib/dcos/docker_credentials') -and -not $_.LinkTarget }
        $leaks = @($others | Select-String -SimpleMatch 'example-only-not-a-real-password' -List | ForEach-Object Path)
        $leaks | Should -BeNullOrEmpty
    }

    It 'changes nothing when run again: every file, mode and link stays as it was' {
        $secondExit | Should -Be 0 -Because ($second -join "`n")
        $after = @(Get-TreeSnapshot $root)
        $changes = @(Compare-Object $snapshot $after | ForEach-Object { "$($_.SideIndicator) $($_.InputObject)" })
        $changes | Should -BeNullOrEmpty
        $snapshot.Count | Should -BeGreaterThan 20
    }
}
