namespace DcosTls.Fleet;

/// <summary>
/// The script blocks run on an agent. They take everything as parameters, which remoting carries
/// inside the encrypted session (a PSCredential's password stays a SecureString): nothing is put on
/// a command line or in a file other than the agent's own credentials file.
/// </summary>
internal static class AgentScripts
{
    /// <summary>The module's folder on the agent (first PSModulePath entry, the user's), and its files whose hash differs.</summary>
    internal const string CheckModule = @"
param([string] $Name, [string] $Version, [hashtable] $Hashes)
$base = Join-Path (Join-Path ($env:PSModulePath -split [IO.Path]::PathSeparator | Select-Object -First 1) $Name) $Version
$stale = @(foreach ($relative in $Hashes.Keys) {
    $file = Join-Path $base $relative
    if (-not (Test-Path -LiteralPath $file -PathType Leaf) -or (Get-FileHash -LiteralPath $file -Algorithm SHA256).Hash -ne $Hashes[$relative]) { $relative }
})
[pscustomobject]@{ Base = $base; Stale = $stale; Fresh = -not (Test-Path -LiteralPath (Join-Path $base ""$Name.psd1"")) }
";

    /// <summary>
    /// Writes module files, which arrive Brotli-compressed (each expanded into a temp file in the same
    /// folder, then renamed), and checks every hash afterwards.
    /// </summary>
    internal const string WriteModuleFiles = @"
param([string] $Base, [hashtable] $Files, [hashtable] $Hashes)
$ErrorActionPreference = 'Stop'
foreach ($relative in $Files.Keys) {
    $target = Join-Path $Base $relative
    $null = New-Item -ItemType Directory -Force -Path (Split-Path -Parent $target)
    $temp = ""$target.$([guid]::NewGuid().ToString('N')).tmp""
    $packed = [IO.MemoryStream]::new([byte[]] $Files[$relative])
    $brotli = [IO.Compression.BrotliStream]::new($packed, [IO.Compression.CompressionMode]::Decompress)
    $out = [IO.File]::Create($temp)
    try { $brotli.CopyTo($out) } finally { $out.Dispose(); $brotli.Dispose() }
    Move-Item -LiteralPath $temp -Destination $target -Force
}
foreach ($relative in $Hashes.Keys) {
    $hash = (Get-FileHash -LiteralPath (Join-Path $Base $relative) -Algorithm SHA256).Hash
    if ($hash -ne $Hashes[$relative]) { throw ""The module file $relative on this agent has SHA-256 $hash after the copy, not $($Hashes[$relative]): the copy was damaged; run again."" }
}
";

    /// <summary>Imports the copied module and applies the plan with the agent's own cmdlets; returns their rows.</summary>
    internal const string Provision = @"
param([string] $Manifest, [string[]] $CaPem, [string[]] $Registry, [pscredential] $Credential, [string[]] $CredentialRegistry, [string] $Root, [bool] $WhatIf)
$ErrorActionPreference = 'Stop'
Import-Module -Name $Manifest -Force
foreach ($pem in $CaPem) { Install-DockerRegistryTrust -CertificatePem $pem -Registry $Registry -Root $Root -WhatIf:$WhatIf }
if ($Credential) { Set-MesosDockerConfig -Registry $CredentialRegistry -Credential $Credential -Root $Root -PassThru -WhatIf:$WhatIf }
";

    /// <summary>
    /// The start both daemon scripts share: the module loaded, and the agent's addresses: the one sshd
    /// reports for this session, and the agent's name when it was given as an address.
    /// </summary>
    private const string AgentAddresses = @"
$ErrorActionPreference = 'Stop'
Import-Module -Name $Manifest
$address = $null
$ip = @(if ($env:SSH_CONNECTION) { ($env:SSH_CONNECTION -split ' ')[2] })
if ([System.Net.IPAddress]::TryParse($Agent, [ref] $address)) { $ip += $address.ToString() }
$ip = @($ip | Where-Object { $_ } | Select-Object -Unique)
";

    /// <summary>
    /// Daemon TLS, first half, on the agent: the names the certificate must carry (the address this SSH
    /// session reached, from sshd's SSH_CONNECTION, and the agent's host name), then either the daemon's
    /// files are kept (same CA, those names, more than 30 days left, Test-DockerDaemonTls passes: daemon.json
    /// is re-applied with them) or a new key is made here, written 0600 beside its request, and only the
    /// request goes back. Under WhatIf nothing is made: the answer says why a key would be made.
    /// </summary>
    internal const string DaemonPrepare = @"
param([string] $Manifest, [string] $Root, [string] $CaPem, [string] $Agent, [int] $Port, [bool] $WhatIf)
" + AgentAddresses + @"
$dns = @([System.Net.Dns]::GetHostName()) + @(if (-not $address) { $Agent })
$dns = @($dns | Where-Object { $_ } | Select-Object -Unique)
$hosts = @('unix:///var/run/docker.sock') + @(foreach ($a in $ip) { if ($a.Contains(':')) { ""tcp://[${a}]:$Port"" } else { ""tcp://${a}:$Port"" } })
$tls = Join-Path $Root 'etc/docker/tls'
$ca = Import-DcosCertificate -CertificatePem $CaPem
$certPath = Join-Path $tls 'server-cert.pem'
$keyPath = Join-Path $tls 'server-key.pem'
$reason = $null
if (-not (Test-Path -LiteralPath $certPath) -or -not (Test-Path -LiteralPath $keyPath)) { $reason = 'the daemon has no server certificate yet' }
else {
    try { $current = Import-DcosCertificate -Path $certPath -KeyPath $keyPath -ErrorAction Stop } catch { $current = $null }
    $caFile = Join-Path $tls 'ca.pem'
    $caNow = if (Test-Path -LiteralPath $caFile) { @(Import-DcosCertificate -Path $caFile -ErrorAction SilentlyContinue)[0] }
    if (-not $current) { $reason = 'the server certificate or its key cannot be read' }
    elseif (-not $caNow -or $caNow.Thumbprint -ne $ca.Thumbprint) { $reason = 'the daemon trusts another CA' }
    elseif (@($ip | Where-Object { $_ -notin $current.IPAddresses }).Count -or @($dns | Where-Object { $_ -notin $current.DnsNames }).Count) { $reason = 'the server certificate does not name this agent' }
    elseif ($current.NotAfter -lt [datetime]::UtcNow.AddDays(30)) { $reason = 'the server certificate expires within 30 days' }
    elseif (-not (Test-DockerDaemonTls -Root $Root -ErrorAction SilentlyContinue)) { $reason = 'Test-DockerDaemonTls fails on this agent' }
}
if (-not $reason) {
    $rows = @(Set-DockerDaemonTls -Certificate $current -CaCertificate $ca -Hosts $hosts -Root $Root -PassThru -WhatIf:$WhatIf)
    return [pscustomobject]@{ Keep = $true; Reason = $null; RequestPem = $null; Rows = $rows }
}
if ($WhatIf) { return [pscustomobject]@{ Keep = $false; Reason = $reason; RequestPem = $null; Rows = @() } }
$null = [System.IO.Directory]::CreateDirectory($tls, [System.IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
$request = New-DcosCertificateRequest -CommonName $Agent -DnsName $dns -IPAddress $ip -KeyAlgorithm ECDSA -Usage Server
$request | Export-DcosCertificateRequest -Path (Join-Path $tls 'server.pending.csr') -Force
[pscustomobject]@{ Keep = $false; Reason = $reason; RequestPem = $request.RequestPem; Rows = @() }
";

    /// <summary>Daemon TLS when the operator's side did not sign the request: the key made for it and the request go.</summary>
    internal const string DaemonDiscard = @"
param([string] $Root)
$tls = Join-Path $Root 'etc/docker/tls'
Remove-Item -LiteralPath (Join-Path $tls 'server.pending.key'), (Join-Path $tls 'server.pending.csr') -Force -ErrorAction SilentlyContinue
";

    /// <summary>
    /// Daemon TLS, second half, on the agent: the signed certificate joins the key that never left the
    /// agent, and Set-DockerDaemonTls installs both with the CA and the hosts; the pending files go.
    /// </summary>
    internal const string DaemonApply = @"
param([string] $Manifest, [string] $Root, [string] $CaPem, [string] $CertificatePem, [string] $Agent, [int] $Port)
" + AgentAddresses + @"
$hosts = @('unix:///var/run/docker.sock') + @(foreach ($a in $ip) { if ($a.Contains(':')) { ""tcp://[${a}]:$Port"" } else { ""tcp://${a}:$Port"" } })
$tls = Join-Path $Root 'etc/docker/tls'
$pending = Join-Path $tls 'server.pending.crt'
[System.IO.File]::WriteAllText($pending, $CertificatePem)
try {
    $certificate = Import-DcosCertificate -Path $pending -KeyPath (Join-Path $tls 'server.pending.key')
    $ca = Import-DcosCertificate -CertificatePem $CaPem
    Set-DockerDaemonTls -Certificate $certificate -CaCertificate $ca -Hosts $hosts -Root $Root -PassThru
}
finally {
    Remove-Item -LiteralPath $pending, (Join-Path $tls 'server.pending.key'), (Join-Path $tls 'server.pending.csr') -Force -ErrorAction SilentlyContinue
}
";
}
