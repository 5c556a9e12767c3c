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

    /// <summary>Writes module files (temp file in the same folder, then rename) and checks every hash afterwards.</summary>
    internal const string WriteModuleFiles = @"
param([string] $Base, [hashtable] $Files, [hashtable] $Hashes)
$ErrorActionPreference = 'Stop'
foreach ($relative in $Files.Keys) {
    $target = Join-Path $Base $relative
    $null = New-Item -ItemType Directory -Force -Path (Split-Path -Parent $target)
    $temp = ""$target.$([guid]::NewGuid().ToString('N')).tmp""
    [IO.File]::WriteAllBytes($temp, [byte[]] $Files[$relative])
    Move-Item -LiteralPath $temp -Destination $target -Force
}
foreach ($relative in $Hashes.Keys) {
    $hash = (Get-FileHash -LiteralPath (Join-Path $Base $relative) -Algorithm SHA256).Hash
    if ($hash -ne $Hashes[$relative]) { throw ""The module file $relative on this agent has SHA-256 $hash after the copy, not $($Hashes[$relative]): the copy was damaged; run again."" }
}
";

    /// <summary>Imports the copied module and applies the plan with the agent's own cmdlets; returns their rows.</summary>
    internal const string Provision = @"
param([string] $Manifest, [string[]] $CaPem, [string[]] $Registry, [pscredential] $Credential, [string[]] $CredentialRegistry, [string] $Root)
$ErrorActionPreference = 'Stop'
Import-Module -Name $Manifest -Force
foreach ($pem in $CaPem) { Install-DockerRegistryTrust -CertificatePem $pem -Registry $Registry -Root $Root }
if ($Credential) { Set-MesosDockerConfig -Registry $CredentialRegistry -Credential $Credential -Root $Root -PassThru }
";
}
