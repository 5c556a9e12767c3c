<#
.SYNOPSIS
    Makes a fleet of DC/OS agents trust a registry CA, over PowerShell remoting.
.DESCRIPTION
    The CA certificate object travels to each agent the way remoting carries every object: it is
    serialized, and arrives as a Deserialized.DcosTls.Certificates.DcosCertificate property bag.
    Install-DockerRegistryTrust binds such objects by their CertificatePem property, so the script
    block on the agent uses it as it is. Results come back serialized too, one row per file.

    -Rehearse runs the same per-agent script block here, on objects that went through the same
    serializer (PSSerializer, depth 1, as remoting uses), against a staging -Root: a dry run of
    the fleet job on a machine without SSH remoting.
.EXAMPLE
    ./Invoke-FleetProvisioning.ps1 -HostName agent1, agent2, agent3 -UserName core -CaPath ./dcos-ca.crt -Registry repo.internal:5000 -ThrottleLimit 32
.EXAMPLE
    ./Invoke-FleetProvisioning.ps1 -Rehearse -CaPath ./dcos-ca.crt -Registry repo.internal:5000 -Root ./staging
#>
[CmdletBinding(DefaultParameterSetName = 'Remote')]
param(
    [Parameter(Mandatory, ParameterSetName = 'Remote')]
    [string[]] $HostName,
    [Parameter(ParameterSetName = 'Remote')]
    [string] $UserName,
    [Parameter(ParameterSetName = 'Remote')]
    [int] $ThrottleLimit = 32,
    [Parameter(Mandatory, ParameterSetName = 'Rehearse')]
    [switch] $Rehearse,
    [Parameter(Mandatory)]
    [string] $CaPath,
    [Parameter(Mandatory)]
    [string[]] $Registry,
    # The agents' root (/ on real agents; a staging folder for -Rehearse).
    [string] $Root = '/'
)
$ErrorActionPreference = 'Stop'
# The module this script ships with: the repository's manifest, or the installed copy's.
$manifest = Join-Path $PSScriptRoot '../../DcosTls.psd1'
Import-Module $manifest
$ca = Import-DcosCertificate -Path $CaPath

# What runs on each agent. It needs DcosTls installed there (module/DcosTls/<version> in $env:PSModulePath).
$perAgent = {
    param($CaCertificate, [string[]] $Registry, [string] $Root, [string] $Manifest)
    if ($Manifest) { Import-Module $Manifest } else { Import-Module DcosTls }
    $CaCertificate | Install-DockerRegistryTrust -Registry $Registry -Root $Root
}

if ($Rehearse) {
    $serialized = [System.Management.Automation.PSSerializer]::Serialize($ca, 1)
    $arrived = [System.Management.Automation.PSSerializer]::Deserialize($serialized)
    & $perAgent $arrived $Registry $Root $manifest
}
else {
    $remote = @{ HostName = $HostName; ThrottleLimit = $ThrottleLimit; ScriptBlock = $perAgent; ArgumentList = @($ca, $Registry, $Root, $null) }
    if ($UserName) { $remote.UserName = $UserName }
    Invoke-Command @remote
}
