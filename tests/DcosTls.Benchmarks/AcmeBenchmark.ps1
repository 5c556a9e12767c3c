<#
    The acme benchmark's body: 20 DNS-01 certificates from pebble with bind9 updates, DcosTls
    (New-DcosCertificate in this pwsh, module loaded once) against certbot with its rfc2136 plugin
    (one certbot process per certificate, as an operator or cron runs it). Both accounts exist before
    timing starts; each certificate gets its own name. Prints one line per tool and the median ratio.
#>
param([int] $Count = 20, [string] $Work = (Join-Path ([System.IO.Path]::GetTempPath()) "dcostls-acme-bench-$PID"))
$ErrorActionPreference = 'Stop'
$repo = Resolve-Path (Join-Path $PSScriptRoot '../..')
Import-Module (Join-Path $repo 'DcosTls.psd1') -Force
. (Join-Path $repo 'tests/Pester/AcmePeers.ps1')
$bed = Start-AcmeTestBed -Path $Work
try {
    $account = Join-Path $Work 'account'
    $common = @{ AcmeDirectory = $bed.Directory; CaCertificatePath = $bed.TlsCa; AccountPath = $account; AcceptTermsOfService = $true
        DnsServer = "127.0.0.1:$($bed.DnsPort)"; TsigKeyFile = $bed.TsigKeyFile }
    $null = New-DcosAcmeAccount -AcmeDirectory $bed.Directory -CaCertificatePath $bed.TlsCa -AccountPath $account -AcceptTermsOfService

    $certbotDir = Join-Path $Work 'certbot'
    $null = New-Item -ItemType Directory -Force $certbotDir
    $credentials = Join-Path $Work 'rfc2136.ini'
    Set-Content -LiteralPath $credentials -Value @"
dns_rfc2136_server = 127.0.0.1
dns_rfc2136_port = $($bed.DnsPort)
dns_rfc2136_name = $($bed.TsigKeyName)
dns_rfc2136_secret = $($bed.TsigSecret)
dns_rfc2136_algorithm = HMAC-SHA256
"@
    & chmod 600 $credentials
    $certbotArgs = @('--non-interactive', '--server', $bed.Directory, '--config-dir', $certbotDir, '--work-dir', $certbotDir, '--logs-dir', $certbotDir)
    $savedBundle = $env:REQUESTS_CA_BUNDLE
    $env:REQUESTS_CA_BUNDLE = $bed.TlsCa
    try {
        & certbot register @certbotArgs --agree-tos --register-unsafely-without-email *> (Join-Path $Work 'certbot-register.log')
        if ($LASTEXITCODE) { throw "certbot register failed: see $Work/certbot-register.log" }
        $ours = @(); $theirs = @()
        for ($i = 1; $i -le $Count; $i++) {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $null = New-DcosCertificate @common -CommonName "d$i.bench.acme.test"
            $ours += $watch.Elapsed.TotalMilliseconds

            $watch = [Diagnostics.Stopwatch]::StartNew()
            & certbot certonly @certbotArgs --dns-rfc2136 --dns-rfc2136-credentials $credentials --dns-rfc2136-propagation-seconds 0 `
                --key-type ecdsa -d "c$i.bench.acme.test" *> (Join-Path $Work "certbot-$i.log")
            if ($LASTEXITCODE) { throw "certbot certonly failed: see $Work/certbot-$i.log" }
            $theirs += $watch.Elapsed.TotalMilliseconds
        }
    }
    finally { $env:REQUESTS_CA_BUNDLE = $savedBundle }
    function Median([double[]] $v) { $s = $v | Sort-Object; if ($s.Count % 2) { $s[[int][math]::Floor($s.Count / 2)] } else { ($s[$s.Count / 2 - 1] + $s[$s.Count / 2]) / 2 } }
    # For scale: a certbot process that does nothing (its Python start-up and plugin discovery).
    $starts = for ($i = 0; $i -lt 5; $i++) { (Measure-Command { & certbot --version *> $null }).TotalMilliseconds }
    $ratios = for ($i = 0; $i -lt $Count; $i++) { $theirs[$i] / $ours[$i] }
    '{0} DNS-01 certificates each, pebble + bind9 on 127.0.0.1 (PEBBLE_VA_NOSLEEP=1)' -f $Count
    '  DcosTls New-DcosCertificate (module loaded once)  median {0,8:F0} ms per certificate' -f (Median $ours)
    '  certbot certonly --dns-rfc2136 (process each)      median {0,8:F0} ms per certificate' -f (Median $theirs)
    '  median of per-certificate ratios certbot/DcosTls   {0,8:F2}x' -f (Median $ratios)
    '  for scale: certbot --version alone                median {0,8:F0} ms (the process start certbot pays per certificate)' -f (Median $starts)
    '  (DcosTls runs in an open pwsh; the rest of certbot''s time is its own polling of the order)'
}
finally {
    Stop-AcmeTestBed $bed
    Remove-Item -Recurse -Force $Work -ErrorAction Ignore
}
