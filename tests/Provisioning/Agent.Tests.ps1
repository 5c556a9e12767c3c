#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    Provisioning checks an operator runs ON an agent (or through Invoke-Command) to prove it is
    provisioned: registry trust installed and healthy, the registry's certificate verified by it,
    registry credentials stored privately and announced to Mesos, Docker daemon TLS consistent.
    Every failure says what is wrong and what fixes it.

    Invoke-Pester -Container (New-PesterContainer -Path ./tests/Provisioning/Agent.Tests.ps1 -Data @{
        Registry = 'repo.internal:5000'; DaemonTls = $true })

    Against a staging root (relative paths are resolved from the current location), without
    connecting to the registry:

    Invoke-Pester -Container (New-PesterContainer -Path ./tests/Provisioning/Agent.Tests.ps1 -Data @{
        Registry = 'repo.internal:5000'; Root = './staging'; DaemonTls = $true; Connect = $false })
#>
param(
    # Registries (host[:port], as in image references) the agent must trust and log in to.
    [string[]] $Registry = @('repo.internal:5000'),
    # The agent's root; a staging root works too.
    [string] $Root = '/',
    # Whether the Docker daemon is expected behind mutual TLS (Set-DockerDaemonTls).
    [bool] $DaemonTls = $false,
    # Whether to connect to the registries and verify their certificates (needs them reachable).
    [bool] $Connect = $true,
    # The agent's Docker credentials file (Set-MesosDockerConfig's default).
    [string] $CredentialsPath = '/var/lib/dcos/docker_credentials',
    # The address the registry is reached at, when its name is not in DNS (like curl --resolve).
    [string] $ConnectAddress
)

BeforeDiscovery {
    $registries = $Registry
}

BeforeAll {
    # The manifest these checks ship beside (the repository or the installed package), else the
    # DcosTls module installed on the agent.
    $manifest = Join-Path $PSScriptRoot '../../DcosTls.psd1'
    if (Test-Path $manifest) { Import-Module $manifest } else { Import-Module DcosTls }
    # One absolute root for cmdlets and file reads alike, whatever the current location is later.
    $agentRoot = (Resolve-Path -LiteralPath $Root -ErrorAction Stop).ProviderPath
    function Get-AgentPath([string] $AgentPath) { Join-Path $agentRoot $AgentPath.TrimStart('/') }
}

Describe 'Registry trust on this agent' -Tag Provisioning -ForEach $registries {
    BeforeAll {
        $name = $_
        $installed = @(Get-DockerRegistryTrust -Registry $name -Root $agentRoot)
    }

    It 'Docker and Mesos hold a CA for <_>' {
        $installed.Target | Should -Contain 'Docker' -Because "Docker reads the CAs for $name from /etc/docker/certs.d/$name (run Install-DockerRegistryTrust)"
        $installed.Target | Should -Contain 'Mesos' -Because 'the Mesos fetcher and UCR read CAs from /var/lib/dcos/pki/tls/certs (run Install-DockerRegistryTrust)'
    }

    It 'every CA file for <_> is healthy: hash links in place, not expired' {
        $unhealthy = @($installed | Where-Object Health -ne 'OK' | ForEach-Object { "$($_.Target) $($_.Path): $($_.Health)" })
        $unhealthy | Should -BeNullOrEmpty -Because 'Install-DockerRegistryTrust run again restores missing or stale hash links'
    }

    It 'the registry <_> presents a certificate those CAs verify' -Skip:(-not $Connect) {
        $test = @{ Registry = $name; Root = $agentRoot; Target = 'Docker', 'Mesos'; Detailed = $true }
        if ($ConnectAddress) { $test.ConnectAddress = $ConnectAddress }
        $refused = @(Test-DockerRegistryTrust @test | Where-Object { -not $_.Trusted } | ForEach-Object { "$($_.Target): $($_.Reason): $($_.Message)" })
        $refused | Should -BeNullOrEmpty -Because "the registry's certificate must chain to a CA installed for $name"
    }
}

Describe 'Registry credentials on this agent' -Tag Provisioning {
    BeforeAll {
        $credentialsFile = Get-AgentPath $CredentialsPath
    }

    It 'the Mesos credentials file parses and holds every registry' {
        $credentialsFile | Should -Exist -Because 'Set-MesosDockerConfig writes it'
        $credentials = @(Import-DockerAuthConfig -Path $credentialsFile -ErrorAction Stop)
        foreach ($r in $Registry) {
            $credentials.Registry | Should -Contain $r -Because "$CredentialsPath must hold a login for every registry (run Set-MesosDockerConfig)"
        }
    }

    It 'the Mesos credentials file is readable by its owner only' {
        $mode = (Get-Item -LiteralPath $credentialsFile -Force).UnixFileMode
        $groupOrOthers = [System.IO.UnixFileMode] 'GroupRead, GroupWrite, GroupExecute, OtherRead, OtherWrite, OtherExecute'
        $octal = [Convert]::ToString([int] $mode, 8)
        ($mode -band $groupOrOthers) | Should -Be ([System.IO.UnixFileMode]::None) -Because "$CredentialsPath holds registry passwords but has mode $octal; it must be 600 (chmod 600, or run Set-MesosDockerConfig again)"
    }

    It 'mesos-slave-common points MESOS_DOCKER_CONFIG at that file, once' {
        $common = Get-AgentPath '/var/lib/dcos/mesos-slave-common'
        $common | Should -Exist -Because 'Set-MesosDockerConfig writes MESOS_DOCKER_CONFIG there'
        $lines = @(Get-Content -LiteralPath $common | Where-Object { $_ -like 'MESOS_DOCKER_CONFIG=*' })
        $lines.Count | Should -Be 1 -Because "the Mesos agent must read exactly one MESOS_DOCKER_CONFIG (found: $($lines -join '; '))"
        $lines[0] | Should -Be "MESOS_DOCKER_CONFIG=file://$CredentialsPath"
    }
}

Describe 'Docker daemon TLS on this agent' -Tag Provisioning -Skip:(-not $DaemonTls) {
    It 'daemon.json, the certificates and the key are consistent' {
        $failed = @(Test-DockerDaemonTls -Root $agentRoot -Detailed | Where-Object { -not $_.Passed } | ForEach-Object { "$($_.Check): $($_.Detail)" })
        $failed | Should -BeNullOrEmpty -Because 'dockerd refuses to start or clients refuse it otherwise'
    }
}
