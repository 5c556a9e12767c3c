<#
    The ACME test bed, all real servers on 127.0.0.1 and free ports: bind9 (named) authoritative for
    acme.test with a TSIG key that may update it and a wildcard A record to 127.0.0.1 (so pebble's
    validation of any test name lands here), and pebble with a TLS certificate from the tests' cfssl
    CA, its -dnsserver pointing at named. Dot-source in BeforeAll; stop with Stop-AcmeTestBed.
#>

function Get-AcmeFreePort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Register-AcmeTestProcess([System.Diagnostics.Process] $Process) {
    if ($env:DCOSTLS_TEST_PIDS) { Add-Content -LiteralPath $env:DCOSTLS_TEST_PIDS -Value $Process.Id }
}

function Wait-AcmeTcpPort([int] $Port, [int] $Seconds = 20) {
    $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        $client = [System.Net.Sockets.TcpClient]::new()
        try { $client.Connect('127.0.0.1', $Port); return } catch { Start-Sleep -Milliseconds 100 } finally { $client.Dispose() }
    }
    throw "Nothing listens on 127.0.0.1:$Port after $Seconds s."
}

function Start-AcmeTestBed {
    param([Parameter(Mandatory)] [string] $Path, [int] $NonceReject = 0,
        # pebble waits 0-15 s before it validates a challenge, as a real CA takes its time.
        [switch] $SlowValidation)
    $null = New-Item -ItemType Directory -Force -Path $Path
    $bed = @{ Path = $Path; Processes = @() }

    # bind9: one zone, a TSIG key allowed to update it.
    $bed.DnsPort = Get-AcmeFreePort
    $bed.TsigKeyName = 'acme-test-key'
    $bed.TsigSecret = [Convert]::ToBase64String([System.Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
    $bed.TsigKeyFile = Join-Path $Path 'tsig.key'
    Set-Content -LiteralPath $bed.TsigKeyFile -Value "key `"$($bed.TsigKeyName)`" {`n`talgorithm hmac-sha256;`n`tsecret `"$($bed.TsigSecret)`";`n};"
    $named = Join-Path $Path 'named'
    $null = New-Item -ItemType Directory -Force -Path $named
    Set-Content -LiteralPath (Join-Path $named 'acme.test.zone') -Value @'
$TTL 60
@   IN SOA ns.acme.test. admin.acme.test. 1 60 60 600 60
@   IN NS  ns.acme.test.
ns  IN A   127.0.0.1
*   IN A   127.0.0.1
'@
    Set-Content -LiteralPath (Join-Path $named 'named.conf') -Value @"
options {
    directory "$named";
    pid-file "$named/named.pid";
    listen-on port $($bed.DnsPort) { 127.0.0.1; };
    listen-on-v6 { none; };
    recursion no;
    dnssec-validation no;
    allow-query { any; };
};
controls { };
include "$($bed.TsigKeyFile)";
zone "acme.test" {
    type primary;
    file "$named/acme.test.zone";
    allow-update { key "$($bed.TsigKeyName)"; };
};
"@
    $bed.Processes += Start-Process -FilePath named -ArgumentList @('-g', '-c', (Join-Path $named 'named.conf')) -PassThru `
        -RedirectStandardOutput (Join-Path $named 'out.log') -RedirectStandardError (Join-Path $named 'err.log')
    Register-AcmeTestProcess $bed.Processes[-1]
    Wait-AcmeTcpPort $bed.DnsPort

    # pebble's TLS: the tests' cfssl CA (ECDSA, made in a few milliseconds) and a server certificate for
    # 127.0.0.1 and localhost signed by it with cfssl's "server" profile.
    $tls = Join-Path $Path 'tls'
    $null = New-Item -ItemType Directory -Force -Path $tls
    Set-Content -LiteralPath (Join-Path $tls 'ca-csr.json') -Value '{"CN":"DcosTls ACME test TLS CA","key":{"algo":"ecdsa","size":256},"ca":{"expiry":"48h"}}'
    Set-Content -LiteralPath (Join-Path $tls 'ca-config.json') -Value '{"signing":{"default":{"expiry":"48h"},"profiles":{"server":{"expiry":"48h","usages":["signing","digital signature","key encipherment","server auth"]}}}}'
    Set-Content -LiteralPath (Join-Path $tls 'server-csr.json') -Value '{"CN":"localhost","hosts":["127.0.0.1","localhost"],"key":{"algo":"ecdsa","size":256}}'
    Push-Location $tls
    try {
        & sh -c 'cfssl gencert -initca ca-csr.json 2>/dev/null | cfssljson -bare ca && cfssl gencert -ca ca.pem -ca-key ca-key.pem -config ca-config.json -profile server server-csr.json 2>/dev/null | cfssljson -bare server'
        if ($LASTEXITCODE -ne 0) { throw "cfssl could not make pebble's TLS certificate in $tls." }
    }
    finally { Pop-Location }
    $bed.TlsCa = Join-Path $tls 'ca.pem'

    $bed.AcmePort = Get-AcmeFreePort
    $bed.ManagementPort = Get-AcmeFreePort
    $bed.HttpPort = Get-AcmeFreePort
    $config = @{ pebble = @{
        listenAddress = "127.0.0.1:$($bed.AcmePort)"; managementListenAddress = "127.0.0.1:$($bed.ManagementPort)"
        certificate = (Join-Path $tls 'server.pem'); privateKey = (Join-Path $tls 'server-key.pem')
        httpPort = $bed.HttpPort; tlsPort = (Get-AcmeFreePort); ocspResponderURL = ''; externalAccountBindingRequired = $false
    } }
    $configPath = Join-Path $Path 'pebble.json'
    $config | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $configPath
    $saved = @{}
    $variables = @{ PEBBLE_VA_NOSLEEP = $(if ($SlowValidation) { '0' } else { '1' }); PEBBLE_AUTHZREUSE = '0'; PEBBLE_WFE_NONCEREJECT = "$NonceReject" }
    foreach ($name in $variables.Keys) { $saved[$name] = [Environment]::GetEnvironmentVariable($name); [Environment]::SetEnvironmentVariable($name, $variables[$name]) }
    try {
        $bed.Processes += Start-Process -FilePath pebble -ArgumentList @('-config', $configPath, '-dnsserver', "127.0.0.1:$($bed.DnsPort)") -PassThru `
            -RedirectStandardOutput (Join-Path $Path 'pebble.log') -RedirectStandardError (Join-Path $Path 'pebble.err')
    }
    finally { foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) } }
    Register-AcmeTestProcess $bed.Processes[-1]
    Wait-AcmeTcpPort $bed.AcmePort
    Wait-AcmeTcpPort $bed.ManagementPort
    $bed.Directory = "https://127.0.0.1:$($bed.AcmePort)/dir"
    $bed
}

# The renewal-information stand-in (AcmeRenewalInfo.py) in front of a test bed's pebble, which has
# no renewalInfo before 2.6.0: its Directory copies pebble's and adds renewalInfo, PlainDirectory
# does not; the test writes the windows it answers into Windows and reads the ids asked in Log.
function Start-AcmeRenewalInfoStandIn([hashtable] $Bed, [string] $Folder) {
    $ari = @{ Port = Get-AcmeFreePort; Windows = Join-Path $Folder 'windows.json'; Log = Join-Path $Folder 'renewal-info.log' }
    Set-Content -LiteralPath $ari.Windows -Value '{}'
    $tls = Join-Path $Bed.Path 'tls'
    $ari.Process = Start-Process -FilePath python3 -PassThru `
        -RedirectStandardOutput (Join-Path $Folder 'ari.out') -RedirectStandardError (Join-Path $Folder 'ari.err') `
        -ArgumentList @((Join-Path $PSScriptRoot 'AcmeRenewalInfo.py'), $ari.Port, (Join-Path $tls 'server.pem'), (Join-Path $tls 'server-key.pem'),
            $Bed.Directory, $Bed.TlsCa, $ari.Windows, $ari.Log)
    Register-AcmeTestProcess $ari.Process
    Wait-AcmeTcpPort $ari.Port
    $ari.Directory = "https://127.0.0.1:$($ari.Port)/dir"
    $ari.PlainDirectory = "https://127.0.0.1:$($ari.Port)/dir-plain"
    $ari
}

function Stop-AcmeRenewalInfoStandIn([hashtable] $StandIn) {
    if ($StandIn -and $StandIn.Process -and -not $StandIn.Process.HasExited) {
        Stop-Process -Id $StandIn.Process.Id -Force -ErrorAction Ignore
        $null = $StandIn.Process.WaitForExit(5000)
    }
}

function Get-AcmeTestRoot {
    <# pebble's issuing root and intermediate, from its management interface (they change at every start). #>
    param([Parameter(Mandatory)] [hashtable] $Bed)
    $base = "https://127.0.0.1:$($Bed.ManagementPort)"
    $root = Join-Path $Bed.Path 'pebble-root.pem'
    $intermediate = Join-Path $Bed.Path 'pebble-intermediate.pem'
    & curl -sS --cacert $Bed.TlsCa -o $root "$base/roots/0"
    & curl -sS --cacert $Bed.TlsCa -o $intermediate "$base/intermediates/0"
    @{ Root = $root; Intermediate = $intermediate }
}

function Stop-AcmeTestBed([hashtable] $Bed) {
    foreach ($process in $Bed.Processes) {
        if ($process -and -not $process.HasExited) { Stop-Process -Id $process.Id -Force -ErrorAction Ignore; $process.WaitForExit(5000) | Out-Null }
    }
}

# The TXT records of Name in the test bed's zone, asked of named with dig. A dig that gets no answer
# from named (not running, wrong port) throws, so "no record" is never an empty answer from nowhere.
function Get-AcmeZoneTxt($Bed, [string] $Name) {
    $answer = @(& dig +tcp +noall +comments +answer -p $Bed.DnsPort '@127.0.0.1' TXT $Name 2>&1 | ForEach-Object { "$_" })
    if (-not ($answer -match 'status: (NOERROR|NXDOMAIN)')) { throw "dig got no answer from named on 127.0.0.1:$($Bed.DnsPort) for $Name TXT: $($answer -join ' ')" }
    @($answer | Where-Object { $_ -match '\sIN\s+TXT\s' } | ForEach-Object { ($_ -split '\sTXT\s', 2)[1].Trim() })
}

# Publishes (or with -Delete removes) a TXT record in the test bed's zone with nsupdate and its TSIG key.
function Set-AcmeZoneTxt($Bed, [string] $Name, [string] $Value, [switch] $Delete) {
    $line = if ($Delete) { "update delete $Name TXT" } else { "update add $Name 60 TXT `"$Value`"" }
    $commands = "server 127.0.0.1 $($Bed.DnsPort)`nzone acme.test`n$line`nsend`n"
    $out = $commands | & nsupdate -k $Bed.TsigKeyFile 2>&1
    if ($LASTEXITCODE -ne 0) { throw "nsupdate failed: $out" }
}
