using DcosTls.Requests;

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
    /// Writes module files, which arrive Brotli-compressed: in $Files through the session, or staged
    /// by ModuleStream in one file of the module's folder, each at its $Index offset and length. Each is
    /// expanded into a temp file beside its target and checked against its SHA-256 before it is renamed
    /// into place, the manifest last, so that a copy that stops part way leaves no damaged file and,
    /// for a fresh agent, no importable module. A staged file that is not intact is not written: its
    /// name is returned (with the manifest's), for the session to send. The stage is removed in any
    /// case, with any a stopped run left over an hour ago. Afterwards every file's hash is checked.
    /// </summary>
    internal const string WriteModuleFiles = @"
param([string] $Base, [hashtable] $Hashes, [string] $Manifest, [hashtable] $Files, [string] $StageId, [hashtable] $Index)
$ErrorActionPreference = 'Stop'
$inside = [IO.Path]::GetFullPath($Base).TrimEnd('/') + '/'
Get-ChildItem -LiteralPath $Base -Force -Filter '" + ModuleStream.StagePrefix + @"*' -ErrorAction Ignore |
    Where-Object LastWriteTimeUtc -lt ([datetime]::UtcNow.AddHours(-1)) | Remove-Item -Force -ErrorAction Ignore
$staged = $null
if ($StageId) {
    $stage = Join-Path $Base ('" + ModuleStream.StagePrefix + @"' + [guid]::Parse($StageId).ToString('N'))
    try { $staged = [IO.File]::ReadAllBytes($stage) } catch { $staged = [byte[]]::new(0) }
    finally { Remove-Item -LiteralPath $stage -Force -ErrorAction Ignore }
}
$names = @(if ($StageId) { $Index.Keys } else { $Files.Keys }) | Sort-Object { $_ -eq $Manifest }
$ready = [ordered]@{}
$missing = [System.Collections.Generic.List[string]]::new()
try {
foreach ($relative in $names) {
    $target = [IO.Path]::GetFullPath((Join-Path $Base $relative))
    if (-not $target.StartsWith($inside, [StringComparison]::Ordinal) -or -not $Hashes.ContainsKey($relative)) {
        throw ""The module file $relative is not one of the module's files under $Base; nothing was written for it.""
    }
    $null = New-Item -ItemType Directory -Force -Path (Split-Path -Parent $target)
    $temp = ""$target.$([guid]::NewGuid().ToString('N')).tmp""
    $hash = $null
    try {
        if ($StageId) {
            $slice = @($Index[$relative])
            $offset, $length = [long] $slice[0], [long] $slice[1]
            if ($offset -lt 0 -or $length -lt 0 -or $offset + $length -gt $staged.LongLength) { throw 'the stream ended before this file' }
            $packed = [IO.MemoryStream]::new($staged, [int] $offset, [int] $length, $false)
        }
        else { $packed = [IO.MemoryStream]::new([byte[]] $Files[$relative]) }
        $brotli = [IO.Compression.BrotliStream]::new($packed, [IO.Compression.CompressionMode]::Decompress)
        $out = [IO.File]::Create($temp)
        try { $brotli.CopyTo($out) } finally { $out.Dispose(); $brotli.Dispose() }
        $hash = (Get-FileHash -LiteralPath $temp -Algorithm SHA256).Hash
    }
    catch {
        # A staged file that cannot be expanded is sent again through the session; there, it is an error.
        if (-not $StageId) { Remove-Item -LiteralPath $temp -Force -ErrorAction Ignore; throw }
    }
    if ($hash -ne $Hashes[$relative]) {
        Remove-Item -LiteralPath $temp -Force -ErrorAction Ignore
        if ($StageId) { $missing.Add($relative); continue }
        throw ""The module file $relative has SHA-256 $hash on this agent after the copy, not $($Hashes[$relative]): the copy was damaged; nothing was written for it; run again.""
    }
    $ready[$relative] = $temp
}
}
catch {
    foreach ($temp in $ready.Values) { Remove-Item -LiteralPath $temp -Force -ErrorAction Ignore }
    throw
}
if ($missing.Count -and $ready.Contains($Manifest)) {
    Remove-Item -LiteralPath $ready[$Manifest] -Force -ErrorAction Ignore
    $ready.Remove($Manifest)
    $missing.Add($Manifest)
}
# rename(2): a reader sees the old file or the new one, never none.
foreach ($relative in $ready.Keys) { [IO.File]::Move($ready[$relative], [IO.Path]::GetFullPath((Join-Path $Base $relative)), $true) }
if ($missing.Count) { return $missing.ToArray() }
foreach ($relative in $Hashes.Keys) {
    $hash = (Get-FileHash -LiteralPath (Join-Path $Base $relative) -Algorithm SHA256).Hash
    if ($hash -ne $Hashes[$relative]) { throw ""The module file $relative on this agent has SHA-256 $hash after the copy, not $($Hashes[$relative]): the copy was damaged; run again."" }
}
";

    /// <summary>
    /// Imports the copied module and applies the plan with the agent's own cmdlets; returns their rows:
    /// the trust for each CA in the stores asked (the OS trust update command runs inside
    /// Install-DockerRegistryTrust when an anchor changed on the real root), the credentials, and the
    /// fetcher's archive for the same credentials when a path is given.
    /// </summary>
    internal const string Provision = @"
param([string] $Manifest, [string[]] $CaPem, [string[]] $Registry, [string[]] $Target, $LegacyBundlePath, [pscredential] $Credential, [string[]] $CredentialRegistry, $ArchivePath, [string] $Root, [bool] $WhatIf)
$ErrorActionPreference = 'Stop'
Import-Module -Name $Manifest -Force
# Only when given: an empty -LegacyBundlePath would name a bundle.
$legacy = @{}
if ($LegacyBundlePath) { $legacy['LegacyBundlePath'] = [string] $LegacyBundlePath }
foreach ($pem in $CaPem) { Install-DockerRegistryTrust -CertificatePem $pem -Registry $Registry -Target $Target -Root $Root -WhatIf:$WhatIf @legacy }
if ($Credential) { Set-MesosDockerConfig -Registry $CredentialRegistry -Credential $Credential -Root $Root -PassThru -WhatIf:$WhatIf }
if ($Credential -and $ArchivePath) { New-DockerAuthArchive -Path $ArchivePath -Registry $CredentialRegistry -Credential $Credential -Root $Root -WhatIf:$WhatIf }
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

    /// <summary>
    /// The folder of an operator's client files on the agent, under the root: ~ is the login user's home
    /// there (the docker CLI's ~/.docker by default). The rows the client files give back, one per file,
    /// as ClientFile rows: they restart nothing (the docker CLI reads them at each call).
    /// </summary>
    private const string ClientFolder = @"
$ErrorActionPreference = 'Stop'
Import-Module -Name $Manifest
$agentPath = if ($Folder -eq '~' -or $Folder.StartsWith('~/')) { $HOME.TrimEnd('/') + $Folder.Substring(1) } else { $Folder }
$dir = Join-Path $Root $agentPath.TrimStart('/')
function ConvertTo-ClientRow($settings) {
    foreach ($f in @($settings.Files)) { [pscustomobject]@{ PSTypeName = 'DcosTls.Fleet.ClientFile'; Role = $f.Role; Path = $f.Path; AgentPath = ($agentPath.TrimEnd('/') + '/' + (Split-Path -Leaf $f.Path)); Action = [string] $f.Action; Mode = $f.Mode } }
}
";

    /// <summary>
    /// An operator's client certificate, first half, on the agent: the files in the folder are kept when
    /// they hold (a certificate for that name with its key, ca.pem of the same CA, more than 30 days
    /// left: Install-DockerClientCertificate is re-applied with them), else a new key is made here,
    /// written 0600 beside its request in the 0700 folder, and only the request goes back.
    /// </summary>
    internal const string ClientPrepare = @"
param([string] $Manifest, [string] $Root, [string] $Folder, [string] $CaPem, [string] $Name, [bool] $WhatIf)
" + ClientFolder + @"
$ca = Import-DcosCertificate -CertificatePem $CaPem
$certPath = Join-Path $dir 'cert.pem'
$keyPath = Join-Path $dir 'key.pem'
$reason = $null
if (-not (Test-Path -LiteralPath $certPath) -or -not (Test-Path -LiteralPath $keyPath)) { $reason = 'the agent has no client certificate there yet' }
else {
    try { $current = Import-DcosCertificate -Path $certPath -KeyPath $keyPath -ErrorAction Stop } catch { $current = $null }
    $caFile = Join-Path $dir 'ca.pem'
    $caNow = if (Test-Path -LiteralPath $caFile) { @(Import-DcosCertificate -Path $caFile -ErrorAction SilentlyContinue)[0] }
    if (-not $current) { $reason = 'the client certificate or its key cannot be read' }
    elseif (-not $caNow -or $caNow.Thumbprint -ne $ca.Thumbprint) { $reason = 'the client files trust another CA' }
    elseif ($current.CommonName -ne $Name) { $reason = ""the client certificate there is for '$($current.CommonName)'"" }
    elseif ($current.NotAfter -lt [datetime]::UtcNow.AddDays(30)) { $reason = 'the client certificate expires within 30 days' }
}
if (-not $reason) {
    $rows = @(ConvertTo-ClientRow (Install-DockerClientCertificate -Path $dir -CaCertificate $ca -Certificate $current -WhatIf:$WhatIf))
    return [pscustomobject]@{ Keep = $true; Reason = $null; Folder = $agentPath; RequestPem = $null; Rows = $rows }
}
if ($WhatIf) { return [pscustomobject]@{ Keep = $false; Reason = $reason; Folder = $agentPath; RequestPem = $null; Rows = @() } }
$null = [System.IO.Directory]::CreateDirectory($dir, [System.IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
# A folder that was there already (a docker CLI's ~/.docker made 0755) is made private before a key lands in it.
[System.IO.File]::SetUnixFileMode($dir, [System.IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
$request = New-DcosCertificateRequest -CommonName $Name -KeyAlgorithm ECDSA -Usage Client
$request | Export-DcosCertificateRequest -Path (Join-Path $dir 'client.pending.csr') -Force
[pscustomobject]@{ Keep = $false; Reason = $reason; Folder = $agentPath; RequestPem = $request.RequestPem; Rows = @() }
";

    /// <summary>An operator's client certificate when this side did not sign the request: the key made for it and the request go.</summary>
    internal const string ClientDiscard = @"
param([string] $Manifest, [string] $Root, [string] $Folder)
" + ClientFolder + @"
Remove-Item -LiteralPath (Join-Path $dir 'client.pending.key'), (Join-Path $dir 'client.pending.csr') -Force -ErrorAction SilentlyContinue
";

    /// <summary>
    /// An operator's client certificate, second half: the signed certificate joins the key that never
    /// left the agent, and Install-DockerClientCertificate installs both with ca.pem (the daemons' CA);
    /// the pending files go.
    /// </summary>
    internal const string ClientApply = @"
param([string] $Manifest, [string] $Root, [string] $Folder, [string] $CaPem, [string] $CertificatePem)
" + ClientFolder + @"
$pending = Join-Path $dir 'client.pending.crt'
[System.IO.File]::WriteAllText($pending, $CertificatePem)
try {
    $certificate = Import-DcosCertificate -Path $pending -KeyPath (Join-Path $dir 'client.pending.key')
    $ca = Import-DcosCertificate -CertificatePem $CaPem
    ConvertTo-ClientRow (Install-DockerClientCertificate -Path $dir -CaCertificate $ca -Certificate $certificate)
}
finally {
    Remove-Item -LiteralPath $pending, (Join-Path $dir 'client.pending.key'), (Join-Path $dir 'client.pending.csr') -Force -ErrorAction SilentlyContinue
}
";

    /// <summary>
    /// Read-only, before a restart: the units a previous rollout left to restart (the pending list under
    /// the root), and which Mesos agent unit this agent has (the public one on public agents): the loaded
    /// one, the active one first. Needs systemd, not the module.
    /// </summary>
    internal const string RestartInspect = @"
param([string] $Root)
if (-not (Get-Command systemctl -CommandType Application -ErrorAction Ignore)) { throw 'This agent has no systemctl: -Restart needs a systemd agent.' }
$marker = Join-Path $Root 'var/lib/dcostls/restart-pending'
$pending = @(if (Test-Path -LiteralPath $marker) { Get-Content -LiteralPath $marker | Where-Object { $_ } })
$found = @(foreach ($unit in 'dcos-mesos-slave', 'dcos-mesos-slave-public') {
    $props = @{}
    foreach ($line in & systemctl show -p LoadState -p ActiveState ""$unit.service"") { $k, $v = $line -split '=', 2; $props[$k] = $v }
    if ($props['LoadState'] -eq 'loaded') { [pscustomobject]@{ Unit = $unit; Active = $props['ActiveState'] -eq 'active' } }
})
$mesos = @($found | Sort-Object { -not $_.Active } | Select-Object -First 1 -ExpandProperty Unit)
[pscustomobject]@{ Pending = $pending; MesosUnit = $(if ($mesos) { $mesos[0] } else { $null }) }
";

    /// <summary>The units still to restart on this agent, kept under the root until the rollout there ends (a rerun reads them).</summary>
    internal const string RestartMark = @"
param([string] $Root, [string[]] $Units)
$ErrorActionPreference = 'Stop'
$marker = Join-Path $Root 'var/lib/dcostls/restart-pending'
if ($Units) { $null = New-Item -ItemType Directory -Force -Path (Split-Path -Parent $marker); Set-Content -LiteralPath $marker -Value $Units }
else { Remove-Item -LiteralPath $marker -Force -ErrorAction SilentlyContinue }
";

    /// <summary>systemctl daemon-reload, or systemctl restart of one unit; a failure throws with systemd's words.</summary>
    internal const string Systemctl = @"
param([string] $Unit)
$arguments = @(if ($Unit) { 'restart'; ""$Unit.service"" } else { 'daemon-reload' })
$out = (& systemctl @arguments 2>&1 | Out-String).Trim()
if ($LASTEXITCODE -ne 0) {
    $result = if ($Unit) { (& systemctl show -p Result --value ""$Unit.service"" | Out-String).Trim() }
    $look = if ($Unit) { ""Check 'systemctl status $Unit' and 'journalctl -u $Unit' on the agent."" } else { 'Check the unit files on the agent.' }
    throw ""systemctl $($arguments -join ' ') failed (exit $LASTEXITCODE$(if ($result) { "", result $result"" })): $out $look""
}
";

    /// <summary>
    /// After the restarts, on the agent: every restarted unit active (waited for up to 15 s), the
    /// credentials file MESOS_DOCKER_CONFIG names readable JSON, Test-DockerDaemonTls when daemon TLS
    /// was asked, and Test-DockerRegistryTrust for each registry the plan trusts, through the stores it
    /// wrote (a TLS handshake with the registry that verifies against those CAs only, then GET /v2/).
    /// Returns the problems, one line each (none when the agent is fit), and what was checked.
    /// </summary>
    internal const string RestartCheck = @"
param([string] $Manifest, [string] $Root, [string[]] $Units, [string] $MesosUnit, [bool] $DaemonTls, [string[]] $Registry, [string[]] $Target)
$problems = [System.Collections.Generic.List[string]]::new()
$checked = [System.Collections.Generic.List[string]]::new()
foreach ($unit in $Units) {
    $deadline = [datetime]::UtcNow.AddSeconds(15)
    do {
        $state = (& systemctl is-active ""$unit.service"" | Out-String).Trim()
        if ($state -eq 'active') { break }
        Start-Sleep -Milliseconds 250
    } while ([datetime]::UtcNow -lt $deadline -and $state -in 'activating', 'reloading')
    if ($state -ne 'active') { $problems.Add(""$unit is $state after its restart (systemctl status $unit)"") }
    $checked.Add(""$unit active"")
}
if ($MesosUnit -and $MesosUnit -in $Units) {
    $env = Join-Path $Root 'var/lib/dcos/mesos-slave-common'
    $line = @(if (Test-Path -LiteralPath $env) { Get-Content -LiteralPath $env | Where-Object { $_ -match '^\s*MESOS_DOCKER_CONFIG=' } })
    if ($line) {
        $value = ($line[-1] -split '=', 2)[1].Trim().Trim('""')
        if ($value -match '^file://(.+)$') {
            $file = Join-Path $Root $Matches[1]
            try { $null = Get-Content -Raw -LiteralPath $file -ErrorAction Stop | ConvertFrom-Json -ErrorAction Stop }
            catch { $problems.Add(""the credentials file $($Matches[1]) that MESOS_DOCKER_CONFIG names is not readable JSON"") }
            $checked.Add(""credentials file $($Matches[1]) readable"")
        }
    }
}
if ($DaemonTls -or $Registry) { Import-Module -Name $Manifest }
if ($DaemonTls) {
    if (-not (Test-DockerDaemonTls -Root $Root -ErrorAction SilentlyContinue)) { $problems.Add('Test-DockerDaemonTls fails on this agent') }
    $checked.Add('Test-DockerDaemonTls')
}
foreach ($name in $Registry) {
    foreach ($result in @(Test-DockerRegistryTrust -Registry $name -Target $Target -Root $Root -Detailed)) {
        if (-not $result.Trusted) { $problems.Add(""Test-DockerRegistryTrust: $name is not trusted through the $($result.Target) store ($($result.Reason)): $($result.Message)"") }
    }
    $checked.Add(""Test-DockerRegistryTrust $name ($($Target -join ', '))"")
}
[pscustomobject]@{ Problems = @($problems); Checked = @($checked) }
";
}
