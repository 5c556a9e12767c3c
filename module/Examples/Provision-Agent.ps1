<#
.SYNOPSIS
    Example provisioning run for one DC/OS agent, on embedded defaults: a local CA and a staging
    root, no cluster needed. What an operator does with DcosTls instead of seeds 002-004's openssl,
    cp, ln -s and hand-edited JSON.
.EXAMPLE
    dotnet run --project src/DcosTls.Host -- module/Examples/Provision-Agent.ps1 -Root ./staging
.EXAMPLE
    pwsh -File module/Examples/Provision-Agent.ps1 -Root ./staging
#>
[CmdletBinding()]
param(
    # Staging root standing in for the agent's /.
    [string] $Root = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'dcostls-staging'),
    # The private registry, as written in image references.
    [string] $Registry = 'repo.internal:5000'
)
$ErrorActionPreference = 'Stop'
$InformationPreference = 'Continue'
# Write-Information is not in the core engine that dcostls-host runs; the cmdlet method is.
function Step([string] $Text) { $PSCmdlet.WriteInformation($Text, [string[]] @('DcosTls')) }
$manifest = if ($DcosTlsManifest) { $DcosTlsManifest } else { [System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'DcosTls.psd1') }
Import-Module $manifest

$registryHost = $Registry.Split(':')[0]
$null = [System.IO.Directory]::CreateDirectory($Root)
$out = [System.IO.Path]::Combine($Root, 'provisioning')
$null = [System.IO.Directory]::CreateDirectory($out)

# The operator's certificates are kept (provisioning/<name>.crt + .key, keys 0600) and reused on the
# next run, so running the job again changes nothing on the agent.
function Use-Certificate([string] $Name, [scriptblock] $Make) {
    $crt = [System.IO.Path]::Combine($out, "$Name.crt")
    $key = [System.IO.Path]::Combine($out, "$Name.key")
    if ([System.IO.File]::Exists($crt) -and [System.IO.File]::Exists($key)) {
        return @(Import-DcosCertificate -Path $crt -KeyPath $key)[0]
    }
    $made = & $Make
    $null = $made | Export-DcosCertificate -Path $crt
    $made
}

Step "1. A local certificate authority (seed 003's ca.pem, without openssl)"
$ca = Use-Certificate 'ca' { New-TlsCertificateAuthority -CommonName 'DcosTls Example Root CA' -Organization 'DcosTls Example' -KeyAlgorithm ECDSA }
$ca

Step "2. The registry's server certificate, signed by that CA"
$server = Use-Certificate 'registry' { New-DcosCertificate -Issuer $ca -CommonName $registryHost -DnsName $registryHost -IPAddress 127.0.0.1 -KeyAlgorithm ECDSA }
$server
$null = $server | Export-DcosCertificate -Path ([System.IO.Path]::Combine($out, 'registry.pem')) -Format HaproxyPem

# ---------------------------------------------------------------------------------------------
# Daemon TLS (issue 5, seed 003): dockerd behind mutual TLS, and the docker CLI's client files.
# Staging root only: the restart (-Restart) is for a real agent, never for this example.
# ---------------------------------------------------------------------------------------------
Step "3. Docker daemon TLS: ca.pem, server-cert.pem, server-key.pem, daemon.json and the systemd drop-in"
$agentIp = '10.0.0.21'
$daemon = Use-Certificate 'docker-agent' { New-DcosCertificate -Issuer $ca -CommonName 'docker-agent' -DnsName 'localhost' -IPAddress $agentIp, '127.0.0.1' -KeyAlgorithm ECDSA }
Set-DockerDaemonTls -Root $Root -CaCertificate $ca -Certificate $daemon -Hosts 'unix:///var/run/docker.sock', "tcp://${agentIp}:2376" -PassThru

Step "4. Docker client certificate (DOCKER_CERT_PATH) for operators"
$operator = Use-Certificate 'operator' { New-DcosCertificate -Issuer $ca -CommonName 'operator' -Usage Client -KeyAlgorithm ECDSA }
$clientSettings = Install-DockerClientCertificate -Path ([System.IO.Path]::Combine($out, 'docker-client')) -CaCertificate $ca -Certificate $operator -DockerHost "tcp://${agentIp}:2376"
$clientSettings
foreach ($line in $clientSettings.EnvironmentLines) { Step "   $line" }

Step "5. Seed 004: marathon-lb options and the registry app behind it"
$app = New-MarathonRegistryApp -Node $agentIp -VirtualHost $agentIp -FetchUri "http://${agentIp}:8085/domain.crt", "http://${agentIp}:8085/domain.key"
[System.IO.File]::WriteAllText([System.IO.Path]::Combine($out, 'mlbint.json'), $app.MarathonLbOptions)
[System.IO.File]::WriteAllText([System.IO.Path]::Combine($out, 'registry.json'), $app.AppDefinition)
$app

# ---------------------------------------------------------------------------------------------
# Registry credentials (issue 4): seed 002's `echo user:pass | base64`, hand-written config.json,
# `tar -czf docker.tar.gz .docker` and `echo MESOS_DOCKER_CONFIG=... >> mesos-slave-common`.
# ---------------------------------------------------------------------------------------------
Step "6. Registry credentials for the Mesos agent and for Marathon apps (docker.tar.gz)"
# EXAMPLE ONLY: a made-up login so the script runs unattended. A real run takes it from
# Get-Credential or a vault (SecretManagement), never from a literal in a script.
$examplePassword = [System.Security.SecureString]::new()
'example-only-not-a-real-password'.ToCharArray() | ForEach-Object { $examplePassword.AppendChar($_) }
$registryLogin = [System.Management.Automation.PSCredential]::new('example-user', $examplePassword)
$dockerAuth = New-DockerAuthConfig -Registry $Registry -Credential $registryLogin
$dockerAuth
# /var/lib/dcos/docker_credentials (0600) and MESOS_DOCKER_CONFIG in /var/lib/dcos/mesos-slave-common.
$dockerAuth | Set-MesosDockerConfig -Root $Root -PassThru
# The archive Marathon apps on the Docker containerizer fetch: "fetch": [{"uri": "file:///etc/docker.tar.gz"}].
$dockerAuth | New-DockerAuthArchive -Root $Root -Path /etc/docker.tar.gz

# ---- Registry trust (issue 3) ------------------------------------------------------------------
Step "7. Registry trust: Docker certs.d and the Mesos hashed folder trust the example CA for $Registry (seed 002's cp + ln -s)"
$ca | Install-DockerRegistryTrust -Registry $Registry -Root $Root
Get-DockerRegistryTrust -Registry $Registry -Root $Root
# ------------------------------------------------------------------------------------------------

# ---- Checks: what tests/Provisioning/Agent.Tests.ps1 asserts on a real agent --------------------
Step "8. Checks on the staged agent"
"daemon TLS files consistent: $(Test-DockerDaemonTls -Root $Root)"
"credentials file readable:   $(@(Import-DockerAuthConfig -Path ([System.IO.Path]::Combine($Root, 'var/lib/dcos/docker_credentials'))).Registry -join ', ')"

Step "Done: staging root $Root"
