<#
    tests/Provisioning/Agent.Tests.ps1, the checks an operator runs on an agent, run as Pester
    containers (New-PesterContainer -Data) in a pwsh of their own against the staging root the main
    job makes, with -Root relative to a location that is not the process directory: green on the
    fresh root; red, naming the problem, after a Mesos hash link is deleted, after the credentials
    file is made world-readable, and after daemon.json is broken.
#>
BeforeAll {
    . (Join-Path $PSScriptRoot 'Pwsh.ps1')
    $job = (Resolve-Path (Join-Path $PSScriptRoot '../../module/Examples/Provision-Agent.ps1')).ProviderPath
    $checks = (Resolve-Path (Join-Path $PSScriptRoot '../Provisioning/Agent.Tests.ps1')).ProviderPath
    $pester = Join-Path (Get-Module Pester).ModuleBase 'Pester.psd1'
    $work = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'provisioning')).FullName
    $jobOutput = Invoke-ChildPwsh -ArgumentList '-File', $job, '-Root', './fresh' -WorkingDirectory $work
    if ($LASTEXITCODE -ne 0) { throw "the main job failed:`n$($jobOutput -join "`n")" }

    # Copies of the freshly staged agent (links stay links), each spoilt in one way.
    $spoil = [ordered]@{
        'green'         = {}
        'no-link'       = { Get-ChildItem ./var/lib/dcos/pki/tls/certs -Filter '*.0' | Remove-Item }
        'readable'      = {
            (Get-Item ./var/lib/dcos/docker_credentials).UnixFileMode = [System.IO.UnixFileMode] 'UserRead, UserWrite, GroupRead, OtherRead'
        }
        'broken-daemon' = { Set-Content -Path ./etc/docker/daemon.json -Value '{ "tls": true,' }
    }
    foreach ($name in $spoil.Keys) {
        & cp -a (Join-Path $work 'fresh') (Join-Path $work $name)
        if ($LASTEXITCODE -ne 0) { throw "cp -a failed for $name" }
        Push-Location -LiteralPath (Join-Path $work $name)
        try { & $spoil[$name] } finally { Pop-Location }
    }

    # One pwsh runs one container per copy, as an operator would: Set-Location, then a relative -Root.
    $run = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$pester'
Set-Location -LiteralPath '$work'
`$names = '$($spoil.Keys -join "', '")'
`$containers = foreach (`$name in `$names) {
    New-PesterContainer -Path '$checks' -Data @{
        Registry = 'repo.internal:5000'; Root = "./`$name"; DaemonTls = `$true; Connect = `$false }
}
`$result = Invoke-Pester -Container `$containers -PassThru -Output None
`$i = 0
`$byRoot = [ordered]@{}
foreach (`$container in `$result.Containers) {
    `$tests = @(`$container.Blocks | ForEach-Object { `$_.Tests })
    `$byRoot[`$names[`$i++]] = [pscustomobject]@{
        Passed = @(`$tests | Where-Object Result -eq 'Passed').Count
        Failed = @(`$tests | Where-Object Result -eq 'Failed' | ForEach-Object {
            `$_.ExpandedName + ' | ' + ((`$_.ErrorRecord | ForEach-Object { `$_.Exception.Message }) -join ' ') })
        ContainerResult = "`$(`$container.Result)"
    }
}
`$byRoot | ConvertTo-Json -Compress -Depth 4
"@
    # Started in $TestDrive, so the process directory differs from the location the checks run in.
    $out = @(Invoke-ChildPwsh -ArgumentList '-Command', $run -WorkingDirectory $TestDrive)
    $json = $out | Where-Object { $_ -like '{*' } | Select-Object -Last 1
    if (-not $json) { throw "the checks printed no result:`n$($out -join "`n")" }
    $results = $json | ConvertFrom-Json
}

Describe 'Agent.Tests.ps1 on the staging root the main job makes' -Tag Provisioning {
    It 'passes on the freshly provisioned agent' {
        $results.green.Failed | Should -BeNullOrEmpty
        $results.green.Passed | Should -Be 6 -Because ($out -join "`n")
    }

    It 'fails naming the CA file and its health after a Mesos hash link is deleted' {
        $failed = @($results.'no-link'.Failed)
        $failed.Count | Should -Be 1 -Because ($failed -join "`n")
        $failed[0] | Should -Match 'healthy'
        $failed[0] | Should -Match 'Mesos .*DcosTls-Example-Root-CA-\w+\.crt: MissingLink'
        $failed[0] | Should -Match 'Install-DockerRegistryTrust'
    }

    It 'fails naming the mode after the credentials file is made world-readable' {
        $failed = @($results.readable.Failed)
        $failed.Count | Should -Be 1 -Because ($failed -join "`n")
        $failed[0] | Should -Match 'readable by its owner only'
        $failed[0] | Should -Match '/var/lib/dcos/docker_credentials holds registry passwords but has mode 644'
    }

    It 'fails naming the file and the fault after daemon.json is broken' {
        $failed = @($results.'broken-daemon'.Failed)
        $failed.Count | Should -Be 1 -Because ($failed -join "`n")
        $failed[0] | Should -Match 'daemon.json, the certificates and the key are consistent'
        $failed[0] | Should -Match 'DaemonConfig: .*daemon\.json.* is not valid JSON'
    }
}
