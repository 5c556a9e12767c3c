<#
.SYNOPSIS
    The cluster half of a private Docker registry behind marathon-lb, from a fresh pwsh session:
    the registry's certificate from a local CA, its HAProxy pem as a file secret, marathon-lb's
    service account with its permissions and key secret, marathon-lb itself, and the registry app.
.DESCRIPTION
    Logs in to the cluster (Connect-DcosCluster), then, in order:
      1. makes a local CA and the registry's certificate, and keeps the CA certificate (no key) in
         -OutputFolder for the agents' trust (Invoke-DcosAgentProvisioning);
      2. stores the certificate, its chain and its key as one file secret under marathon-lb's name
         (Set-DcosSecret -Format HaproxyPem), so no web server ever serves the private key;
      3. makes marathon-lb's service account, whose key goes only into its secret, and grants it
         what marathon-lb reads (the apps and Marathon's event stream);
      4. installs marathon-lb through the package manager with that secret and HAProxy group
         (Install-MarathonLb), and hands it the pem: the secret becomes its HAPROXY_SSL_CERT, which
         marathon-lb writes to /etc/ssl/cert.pem when it starts; with -WithoutPackageManager it runs
         marathon-lb as a plain Marathon app with both secrets instead (Install-MarathonLb -AsMarathonApp);
      5. applies the registry app New-MarathonRegistryApp makes (Set-MarathonApp), which marathon-lb
         exposes on its service port with that certificate.
    Each step waits for its Marathon deployment. The output is one row per step (Step, Task,
    Result). The agents' half (trust and pull credentials on every agent) is Invoke-FleetProvisioning.ps1.
.PARAMETER ClusterUri
    The cluster's address, e.g. https://master.mycluster.
.PARAMETER CaCertificatePath
    The cluster's CA certificate (PEM), which Admin Router's certificate is checked against.
.PARAMETER Credential
    The operator login. Asked for when omitted.
.PARAMETER OutputFolder
    Where the registry CA's certificate is kept (registry-ca.crt, no key). Created when missing.
.PARAMETER RegistryName
    The name the agents pull from; the registry's certificate is made for it.
.PARAMETER MarathonLbName
    marathon-lb's service name and Marathon app id (without the leading /). Its secrets live under it.
.PARAMETER HaproxyGroup
    The HAProxy group marathon-lb serves and the registry app joins.
.PARAMETER ServiceAccount
    marathon-lb's service account. An account that already exists is kept as it is.
.PARAMETER WithoutPackageManager
    Runs marathon-lb as a plain Marathon app (Install-MarathonLb -AsMarathonApp) instead of
    installing its package, for clusters where the package manager is not used.
.EXAMPLE
    ./Registry-Guide.ps1 -ClusterUri https://master.mycluster -CaCertificatePath ./dcos-ca.crt
.EXAMPLE
    ./Registry-Guide.ps1 -ClusterUri https://master.mycluster -CaCertificatePath ./dcos-ca.crt -Credential (Get-Credential) -MarathonLbName shared/mlbint -HaproxyGroup internal
.EXAMPLE
    ./Registry-Guide.ps1 -ClusterUri https://master.mycluster -CaCertificatePath ./dcos-ca.crt -WithoutPackageManager
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [uri] $ClusterUri,
    [string] $CaCertificatePath,
    [pscredential] $Credential,
    [string] $OutputFolder = './registry-guide',
    [string] $RegistryName = 'registry.marathon.l4lb.thisdcos.directory',
    [string] $RegistryAppId = '/shared/registry',
    [string] $MarathonLbName = 'shared/mlbint',
    [string] $HaproxyGroup = 'internal',
    [string] $ServiceAccount = 'mlbint-sa',
    [switch] $WithoutPackageManager
)
$ErrorActionPreference = 'Stop'
# The module this script ships with: the repository's manifest, or the installed copy's.
Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1')

$summary = [System.Collections.Generic.List[object]]::new()
function Write-Step([int] $Number, [string] $Task) { Write-Host "`n$Number. $Task" }
function Add-Summary([int] $Number, [string] $Task, [string] $Result) {
    $summary.Add([pscustomobject]@{ Step = $Number; Task = $Task; Result = $Result })
}

if (-not $Credential) { $Credential = Get-Credential -Message "DC/OS login for $ClusterUri" }
$connect = @{ Uri = $ClusterUri; Credential = $Credential }
if ($CaCertificatePath) { $connect.CaCertificatePath = $CaCertificatePath }
$session = Connect-DcosCluster @connect
Write-Host "Logged in to $($session.ClusterUri) as $($session.UserId)."

$OutputFolder = (New-Item -ItemType Directory -Path $OutputFolder -Force).FullName
$pemSecret = "$MarathonLbName/haproxy-pem"
$accountSecret = "$MarathonLbName/service-account-secret"

Write-Step 1 "The registry's certificate from a local CA"
$ca = New-TlsCertificateAuthority -CommonName 'Registry CA'
$ca | Export-DcosCertificate -Path (Join-Path $OutputFolder 'registry-ca.crt') -NoKey -Force
$certificate = New-DcosCertificate -Issuer $ca -CommonName $RegistryName -DnsName $RegistryName
Add-Summary 1 'Registry certificate' "$($certificate.CommonName), CA in $(Join-Path $OutputFolder 'registry-ca.crt')"

Write-Step 2 "The HAProxy pem (certificate, chain and key) as a file secret"
$stored = $certificate | Set-DcosSecret -Path $pemSecret -Format HaproxyPem
Add-Summary 2 'HAProxy pem secret' "default/$($stored.Path) ($($stored.Action), $($stored.Kind))"

Write-Step 3 "marathon-lb's service account, its key secret and its permissions"
if (Get-DcosServiceAccount | Where-Object Uid -EQ $ServiceAccount) {
    Write-Host "The account $ServiceAccount exists already: kept as it is."
}
else {
    $null = New-DcosServiceAccount -Uid $ServiceAccount -SecretPath $accountSecret
}
$grants = @(
    Grant-DcosPermission -Uid $ServiceAccount -Resource 'dcos:service:marathon:marathon:services:/', 'dcos:service:marathon:marathon:admin:events' -Action read -PassThru
)
Add-Summary 3 'Service account' "$ServiceAccount, key in default/$accountSecret, $(@($grants | Where-Object Change -eq 'Granted').Count) permission(s) granted"

Write-Step 4 "marathon-lb through the package manager, with the pem as its HAPROXY_SSL_CERT"
$registry = New-MarathonRegistryApp -AppId $RegistryAppId -MarathonLbName $MarathonLbName -HaproxyGroup $HaproxyGroup `
    -MarathonLbSecretName $accountSecret -SslCertificatePath /etc/ssl/cert.pem
if ($WithoutPackageManager) {
    # The whole app from here: the pem secret goes in with the account's (re-running changes nothing).
    $lb = $registry | Install-MarathonLb -AsMarathonApp -SslCertificateSecret $pemSecret -MarathonUri https://marathon.mesos:8443
    Add-Summary 4 'marathon-lb' "$($lb.AppId) as a Marathon app ($($lb.Action), $($lb.Status))"
}
else {
    $lb = $registry | Install-MarathonLb -MarathonUri https://marathon.mesos:8443
    # The package has no option for a certificate secret: add it to marathon-lb's app (re-applying changes nothing).
    $definition = (Get-MarathonApp -Id $lb.AppId).Definition | ConvertFrom-Json -AsHashtable
    if (-not $definition.secrets) { $definition.secrets = @{} }
    if (-not $definition.env) { $definition.env = @{} }
    $definition.secrets['haproxy-pem'] = @{ source = $pemSecret }
    $definition.env['HAPROXY_SSL_CERT'] = @{ secret = 'haproxy-pem' }
    $withPem = Set-MarathonApp -Definition $definition
    Add-Summary 4 'marathon-lb' "$($lb.AppId) $($lb.PackageVersion) ($($lb.Action)), pem: $($withPem.Action) $($withPem.Status)"
}

Write-Step 5 "The registry app behind marathon-lb"
$app = $registry | Set-MarathonApp
Add-Summary 5 'Registry app' "$($app.AppId) ($($app.Action), $($app.Status)) on service port $($registry.ServicePort)"

$summary
