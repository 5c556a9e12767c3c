<#
    tests/Provisioning/Agent.Tests.ps1, the checks an operator runs on an agent, run as Pester
    containers (New-PesterContainer -Data) in a pwsh of their own against the staging root the main
    job makes, with -Root relative to a location that is not the process directory: green on the
    fresh root; red, naming the problem, after a Mesos hash link is deleted, after the credentials
    file is made world-readable, and after daemon.json is broken. The registry-connection check runs
    too (Connect = $true): a real docker-registry on 127.0.0.1 serves the registry certificate the main
    job made, under the name the job provisioned (repo.internal:<free port>, reached with ConnectAddress).
#>
BeforeAll {
    . (Join-Path $PSScriptRoot 'Pwsh.ps1')
    . (Join-Path $PSScriptRoot 'RegistryPeer.ps1')
    $job = (Resolve-Path (Join-Path $PSScriptRoot '../../module/Examples/Provision-Agent.ps1')).ProviderPath
    $checks = (Resolve-Path (Join-Path $PSScriptRoot '../Provisioning/Agent.Tests.ps1')).ProviderPath
    $pester = Join-Path (Get-Module Pester).ModuleBase 'Pester.psd1'
    $work = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'provisioning')).FullName
    $port = Get-FreePort
    $registry = "repo.internal:$port"
    $jobOutput = Invoke-ChildPwsh -ArgumentList '-File', $job, '-Root', './fresh', '-Registry', $registry -WorkingDirectory $work
    if ($LASTEXITCODE -ne 0) { throw "the main job failed:`n$($jobOutput -join "`n")" }
    # The registry the agent trusts, serving the certificate the main job made for it.
    $provisioned = Join-Path $work 'fresh/provisioning'
    $registryPeer = Start-TestRegistry -Folder (Join-Path $work 'registry') -Port $port `
        -CertificateFile (Join-Path $provisioned 'registry.crt') -KeyFile (Join-Path $provisioned 'registry.key')

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
        Registry = '$registry'; Root = "./`$name"; DaemonTls = `$true; Connect = `$true; ConnectAddress = '127.0.0.1' }
}
`$result = Invoke-Pester -Container `$containers -PassThru -Output None
`$i = 0
`$byRoot = [ordered]@{}
foreach (`$container in `$result.Containers) {
    `$tests = @(`$container.Blocks | ForEach-Object { `$_.Tests })
    `$byRoot[`$names[`$i++]] = [pscustomobject]@{
        Passed = @(`$tests | Where-Object Result -eq 'Passed').Count
        PassedNames = @(`$tests | Where-Object Result -eq 'Passed' | ForEach-Object ExpandedName)
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

AfterAll {
    if ($registryPeer) { Stop-Process -Id $registryPeer.Id -ErrorAction SilentlyContinue }
}

Describe 'Agent.Tests.ps1 on the staging root the main job makes' -Tag Provisioning {
    It 'passes on the freshly provisioned agent' {
        $results.green.Failed | Should -BeNullOrEmpty
        $results.green.Passed | Should -Be 7 -Because ($out -join "`n")
    }

    It 'runs the registry-connection check against the real registry and it passes' {
        $results.green.PassedNames | Should -Contain "the registry $registry presents a certificate those CAs verify" -Because ($out -join "`n")
    }

    It 'fails naming the CA file and its health after a Mesos hash link is deleted' {
        $failed = @($results.'no-link'.Failed)
        # Without its hash link the Mesos store holds no CA, so the connection check for Mesos fails too.
        $failed.Count | Should -Be 2 -Because ($failed -join "`n")
        $failed[0] | Should -Match 'healthy'
        $failed[0] | Should -Match 'Mesos .*DcosTls-Example-Root-CA-\w+\.crt: MissingLink'
        $failed[0] | Should -Match 'Install-DockerRegistryTrust'
        $failed[1] | Should -Match 'presents a certificate those CAs verify'
        $failed[1] | Should -Match 'Mesos: NoInstalledCertificates: .*Install-DockerRegistryTrust'
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
