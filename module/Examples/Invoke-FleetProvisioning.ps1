<#
.SYNOPSIS
    Makes a fleet of DC/OS agents trust a registry CA and hold its pull credentials, over PowerShell
    remoting over SSH, with Invoke-DcosAgentProvisioning.
.DESCRIPTION
    The agents are either named (-HostName) or asked of the cluster (-ClusterUri: every private agent
    Get-DcosAgent lists). Each agent needs pwsh and the powershell subsystem in its sshd_config:
        Subsystem powershell /usr/bin/pwsh -sshs -NoLogo
    DcosTls does not need to be installed there: Invoke-DcosAgentProvisioning copies this version
    over the session. One row per agent comes back; the script ends with exit code 1 when an agent
    failed, after listing the agents to run it again for.
.EXAMPLE
    ./Invoke-FleetProvisioning.ps1 -HostName 10.0.1.17, 10.0.1.18 -UserName core -KeyFilePath ~/.ssh/dcos -CaPath ./dcos-ca.crt -Registry repo.internal:5000
.EXAMPLE
    ./Invoke-FleetProvisioning.ps1 -ClusterUri https://master.example -UserName core -CaPath ./dcos-ca.crt -Registry repo.internal:5000 -RegistryCredential (Get-Credential puller)
#>
[CmdletBinding(DefaultParameterSetName = 'Named')]
param(
    [Parameter(Mandatory, ParameterSetName = 'Named')]
    [string[]] $HostName,
    [Parameter(Mandatory, ParameterSetName = 'Cluster')]
    [uri] $ClusterUri,
    [Parameter(Mandatory)]
    [string] $CaPath,
    [Parameter(Mandatory)]
    [string[]] $Registry,
    [pscredential] $RegistryCredential,
    [string] $UserName,
    [string] $KeyFilePath,
    [int] $Port = 22,
    [int] $ThrottleLimit = 32,
    [hashtable] $SSHOption,
    # The agents' root (/ on real agents).
    [string] $Root = '/'
)
$ErrorActionPreference = 'Stop'
# The module this script ships with: the repository's manifest, or the installed copy's.
$manifest = Join-Path $PSScriptRoot '../../DcosTls.psd1'
Import-Module $manifest

$plan = @{
    CaCertificate = Import-DcosCertificate -Path $CaPath
    Registry      = $Registry
    Port          = $Port
    ThrottleLimit = $ThrottleLimit
    Root          = $Root
}
if ($RegistryCredential) { $plan.Credential = $RegistryCredential; $plan.CredentialRegistry = $Registry }
if ($UserName) { $plan.UserName = $UserName }
if ($KeyFilePath) { $plan.KeyFilePath = $KeyFilePath }
if ($SSHOption) { $plan.SSHOption = $SSHOption }

$agents = if ($ClusterUri) {
    $null = Connect-DcosCluster -Uri $ClusterUri -Credential (Get-Credential -Message "DC/OS login for $ClusterUri")
    Get-DcosAgent -Private
}
else { $HostName }

$rows = @($agents | Invoke-DcosAgentProvisioning @plan)
$rows
$failed = @($rows | Where-Object { -not $_.Succeeded })
if ($failed) {
    Write-Warning "Run again for: $($failed.Agent -join ', ')"
    exit 1
}
