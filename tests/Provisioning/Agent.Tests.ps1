#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    Provisioning checks an operator runs ON an agent (or through Invoke-Command) to prove it is
    provisioned: registry trust installed and valid, registry credentials valid, Docker daemon TLS
    valid. Built on the DcosTls Test-* cmdlets, so each failure names what is wrong.

    Invoke-Pester -Container (New-PesterContainer -Path ./tests/Provisioning/Agent.Tests.ps1 -Data @{
        Registry = 'repo.internal:5000'; Root = '/'; DaemonTls = $true })

    Tagged 'Provisioning': build.ps1's Test task leaves them out (they need a provisioned agent).
#>
param(
    # Registries (host[:port], as in image references) the agent must trust and log in to.
    [string[]] $Registry = @('repo.internal:5000'),
    # The agent's root; a staging root works too.
    [string] $Root = '/',
    # Whether the Docker daemon is expected behind mutual TLS (Set-DockerDaemonTls).
    [bool] $DaemonTls = $false,
    # The agent's Docker credentials file (Set-MesosDockerConfig's default).
    [string] $CredentialsPath = '/var/lib/dcos/docker_credentials',
    # The address the registry is reached at, when its name is not in DNS (like curl --resolve).
    [string] $ConnectAddress
)

BeforeDiscovery {
    $registries = $Registry
}

BeforeAll {
    $manifest = [System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'DcosTls.psd1')
    if (Get-Module -ListAvailable DcosTls) { Import-Module DcosTls } else { Import-Module $manifest }
}

Describe 'Registry trust on this agent' -Tag Provisioning -ForEach $registries {
    BeforeAll { $name = $_ }

    It 'Docker and Mesos hold a CA for <_>' {
        $installed = @(Get-DockerRegistryTrust -Registry $name -Root $Root)
        $installed.Target | Should -Contain 'Docker'
        $installed.Target | Should -Contain 'Mesos'
        $installed | Where-Object Health -ne 'OK' | Should -BeNullOrEmpty
    }

    It 'the registry <_> presents a certificate those CAs verify' {
        $test = @{ Registry = $name; Root = $Root; Target = 'Docker', 'Mesos' }
        if ($ConnectAddress) { $test.ConnectAddress = $ConnectAddress }
        # -ErrorAction Stop: a failure then says why (which store, which CA) instead of "got $false".
        Test-DockerRegistryTrust @test -ErrorAction Stop | Should -BeTrue
    }
}

Describe 'Registry credentials on this agent' -Tag Provisioning {
    It 'the Mesos credentials file parses and holds every registry' {
        $path = [System.IO.Path]::Combine($Root, $CredentialsPath.TrimStart('/'))
        $credentials = @(Import-DockerAuthConfig -Path $path -ErrorAction Stop)
        foreach ($r in $Registry) { $credentials.Registry | Should -Contain $r }
    }

    It 'mesos-slave-common points MESOS_DOCKER_CONFIG at that file, once' {
        $common = [System.IO.Path]::Combine($Root, 'var/lib/dcos/mesos-slave-common')
        $lines = @([System.IO.File]::ReadAllLines($common) | Where-Object { $_ -like 'MESOS_DOCKER_CONFIG=*' })
        $lines.Count | Should -Be 1
        $lines[0] | Should -Be "MESOS_DOCKER_CONFIG=file://$CredentialsPath"
    }
}

Describe 'Docker daemon TLS on this agent' -Tag Provisioning -Skip:(-not $DaemonTls) {
    It 'daemon.json, the certificates and the key are consistent' {
        Test-DockerDaemonTls -Root $Root -ErrorAction Stop | Should -BeTrue
    }
}
