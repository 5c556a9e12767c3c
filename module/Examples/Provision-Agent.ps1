<#
.SYNOPSIS
    Provisions the TLS of one DC/OS agent with DcosTls: a local CA, the registry's certificate,
    Docker daemon TLS, the docker CLI's client files, the registry app behind marathon-lb,
    registry credentials for Mesos and Marathon, and registry trust for Docker and Mesos.
.DESCRIPTION
    Runs unattended on example values into a staging root; no cluster is needed. The CA and the
    certificates are kept in <Root>/provisioning (keys 0600) and reused on the next run, so running
    the script again changes nothing under the root.

    Each step prints a heading and what it made. The script's output is one summary row per step
    (Step, Task, Result), so `$steps = ./Provision-Agent.ps1` keeps them for later.
.PARAMETER Root
    The staging root standing in for the agent's /. Created when missing. Relative paths are
    resolved from the current location.
.PARAMETER Registry
    The private registry, as written in image references (host[:port]).
.PARAMETER Credential
    The registry login handed to Docker and Mesos. Without it the script uses a made-up example
    login so that it runs unattended; a real run passes -Credential (Get-Credential).
.EXAMPLE
    ./Provision-Agent.ps1 -Root ./staging
.EXAMPLE
    ./Provision-Agent.ps1 -Root ./staging -Registry repo.internal:5000 -Credential (Get-Credential)
#>
[CmdletBinding()]
param(
    [string] $Root = (Join-Path ([System.IO.Path]::GetTempPath()) 'dcostls-staging'),
    [string] $Registry = 'repo.internal:5000',
    [pscredential] $Credential
)
$ErrorActionPreference = 'Stop'
# The module this script ships with: the repository's manifest, or the installed copy's.
Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1')

$Root = (New-Item -ItemType Directory -Path $Root -Force).FullName
$out = (New-Item -ItemType Directory -Path (Join-Path $Root 'provisioning') -Force).FullName
$registryHost = ($Registry -split ':')[0]
$agentIp = '10.0.0.21'
$summary = [System.Collections.Generic.List[object]]::new()

function Write-Step([int] $Number, [string] $Task) {
    Write-Host "`n$Number. $Task"
}
function Add-Summary([int] $Number, [string] $Task, [string] $Result) {
    $summary.Add([pscustomobject]@{ PSTypeName = 'DcosTls.Example.AgentStep'; Step = $Number; Task = $Task; Result = $Result })
}
# An operator keeps the certificates made on the first run (provisioning/<name>.crt and .key) and
# imports them on the next one, so the agent's files stay byte for byte the same.
function Get-KeptCertificate([string] $Name, [scriptblock] $New) {
    $crt = Join-Path $out "$Name.crt"
    $key = Join-Path $out "$Name.key"
    if ((Test-Path $crt) -and (Test-Path $key)) {
        return @(Import-DcosCertificate -Path $crt -KeyPath $key)[0]
    }
    $made = & $New
    $made | Export-DcosCertificate -Path $crt | Out-Null
    $made
}

Write-Step 1 'A local certificate authority and the registry certificate it signs'
$ca = Get-KeptCertificate 'ca' {
    New-TlsCertificateAuthority -CommonName 'DcosTls Example Root CA' -Organization 'DcosTls Example' -KeyAlgorithm ECDSA
}
$server = Get-KeptCertificate 'registry' {
    New-DcosCertificate -Issuer $ca -CommonName $registryHost -DnsName $registryHost -IPAddress 127.0.0.1 -KeyAlgorithm ECDSA
}
# marathon-lb serves certificate, chain and key from one file.
$server | Export-DcosCertificate -Path (Join-Path $out 'registry.pem') -Format HaproxyPem | Out-Null
$ca, $server | Out-Host
Add-Summary 1 'CA and registry certificate' 'provisioning/ca.crt, registry.*'

Write-Step 2 'Docker daemon TLS: certificates, daemon.json, systemd drop-in'
# On a staging root only; on an agent, -Restart restarts Docker to apply it.
$daemon = Get-KeptCertificate 'docker-agent' {
    New-DcosCertificate -Issuer $ca -CommonName 'docker-agent' -DnsName 'localhost' -IPAddress $agentIp, '127.0.0.1' -KeyAlgorithm ECDSA
}
$daemonTls = @{
    Root          = $Root
    CaCertificate = $ca
    Certificate   = $daemon
    Hosts         = 'unix:///var/run/docker.sock', "tcp://${agentIp}:2376"
}
Set-DockerDaemonTls @daemonTls | Out-Null
Add-Summary 2 'Docker daemon TLS' 'etc/docker/daemon.json, etc/docker/tls/*.pem'

Write-Step 3 'The docker CLI client certificate for operators (DOCKER_CERT_PATH)'
$operator = Get-KeptCertificate 'operator' {
    New-DcosCertificate -Issuer $ca -CommonName 'operator' -Usage Client -KeyAlgorithm ECDSA
}
$clientFiles = @{
    Path          = Join-Path $out 'docker-client'
    CaCertificate = $ca
    Certificate   = $operator
    DockerHost    = "tcp://${agentIp}:2376"
}
$client = Install-DockerClientCertificate @clientFiles
$client.EnvironmentLines | Out-Host
Add-Summary 3 'Docker client certificate' 'provisioning/docker-client/*.pem'

Write-Step 4 'marathon-lb options and the registry app behind it'
$appSpec = @{
    Node        = $agentIp
    VirtualHost = $agentIp
    FetchUri    = "http://${agentIp}:8085/domain.crt", "http://${agentIp}:8085/domain.key"
    # Written atomically; a file that already holds the same JSON is left as it is.
    Path                  = Join-Path $out 'registry.json'
    MarathonLbOptionsPath = Join-Path $out 'mlbint.json'
}
$null = New-MarathonRegistryApp @appSpec
Add-Summary 4 'Registry app for Marathon' 'provisioning/mlbint.json, registry.json'

Write-Step 5 'Registry credentials for the Mesos agent and for Marathon apps'
if (-not $Credential) {
    # EXAMPLE ONLY, so that the script runs unattended: never keep a real password in a script.
    $examplePassword = ConvertTo-SecureString 'example-only-not-a-real-password' -AsPlainText -Force
    $Credential = [pscredential]::new('example-user', $examplePassword)
}
$login = New-DockerAuthConfig -Registry $Registry -Credential $Credential
$login | Out-Host
# /var/lib/dcos/docker_credentials (0600) and MESOS_DOCKER_CONFIG in mesos-slave-common.
$login | Set-MesosDockerConfig -Root $Root | Out-Null
# The archive Marathon apps on the Docker containerizer fetch: "fetch": [{"uri": "file:///etc/docker.tar.gz"}].
$login | New-DockerAuthArchive -Root $Root -Path /etc/docker.tar.gz | Out-Null
Add-Summary 5 'Registry credentials' 'docker_credentials, etc/docker.tar.gz'

Write-Step 6 'Registry trust: the CA in Docker certs.d and the Mesos hashed folder'
$ca | Install-DockerRegistryTrust -Registry $Registry -Root $Root | Out-Null
$trust = @(Get-DockerRegistryTrust -Registry $Registry -Root $Root)
$trust | Out-Host
$health = ($trust.Health | Sort-Object -Unique) -join ', '
Add-Summary 6 'Registry trust' "$($trust.Count) CA files, health $health"

Write-Step 7 'Checks on the staged agent'
$daemonOk = Test-DockerDaemonTls -Root $Root
Add-Summary 7 'Check: daemon TLS consistent' "$daemonOk"
$stored = @(Import-DockerAuthConfig -Path (Join-Path $Root 'var/lib/dcos/docker_credentials')).Registry -join ', '
Add-Summary 7 'Check: logins stored for' $stored

Write-Host "`nDone: staging root $Root`n"
$summary
