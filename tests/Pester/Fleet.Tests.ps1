<#
    The fleet over real PowerShell remoting: simulated agents are sshd processes on loopback
    addresses, each in its own mount namespace (its own /etc/docker, /var/lib/dcos and module folder),
    with this pwsh as their powershell subsystem.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    . (Join-Path $PSScriptRoot 'SshAgents.ps1')
    $kit = New-SshAgentKit -Path (Join-Path $TestDrive 'operator')
    $agents = @(
        Start-SshAgent -Kit $kit -Address 127.0.0.2 -Root (Join-Path $TestDrive 'agent-a')
        Start-SshAgent -Kit $kit -Address 127.0.0.3 -Root (Join-Path $TestDrive 'agent-b')
    )
    $ssh = @{ UserName = 'root'; KeyFilePath = $kit.KeyFilePath; Options = @{ UserKnownHostsFile = $kit.KnownHosts } }
}

AfterAll {
    Get-PSSession | Remove-PSSession
    if ($agents) { $agents | Stop-SshAgent }
}

Describe 'Simulated agents over SSH remoting' -Tag Fleet {
    It 'runs a script block on an agent with Invoke-Command -HostName' {
        $a = $agents[0]
        $version = Invoke-Command -HostName $a.Address -Port $a.Port @ssh -ScriptBlock { $PSVersionTable.PSVersion } -ErrorAction Stop
        $version.Major | Should -Be $PSVersionTable.PSVersion.Major
        $version.Minor | Should -Be $PSVersionTable.PSVersion.Minor
    }

    It 'gives each agent its own /etc/docker and /var/lib/dcos' {
        foreach ($a in $agents) {
            Invoke-Command -HostName $a.Address -Port $a.Port @ssh -ErrorAction Stop -ScriptBlock {
                param($name)
                Set-Content -Path /etc/docker/fleet-marker -Value $name
                Set-Content -Path /var/lib/dcos/fleet-marker -Value $name
            } -ArgumentList $a.Address
        }
        foreach ($a in $agents) {
            Get-Content (Join-Path $a.Root 'etc/docker/fleet-marker') | Should -Be $a.Address
            Get-Content (Join-Path $a.Root 'var/lib/dcos/fleet-marker') | Should -Be $a.Address
        }
        Test-Path /etc/docker/fleet-marker | Should -BeFalse -Because 'the operator machine''s own /etc/docker is untouched'
    }

    It 'refuses a host key that is not the pinned one' {
        $a = $agents[1]
        $other = Join-Path $TestDrive 'other_known_hosts'
        # The first agent's host key, written down as the second agent's: a mismatch, not a missing key.
        $firstKey = (Get-Content $kit.KnownHosts | Select-Object -First 1) -split ' ', 2
        Set-Content -Path $other -Value "[$($a.Address)]:$($a.Port) $($firstKey[1])"
        { Invoke-Command -HostName $a.Address -Port $a.Port -UserName root -KeyFilePath $kit.KeyFilePath -Options @{ UserKnownHostsFile = $other; StrictHostKeyChecking = 'yes' } -ScriptBlock { 1 } -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*'
    }
}
