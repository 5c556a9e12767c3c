<#
    The renewal benchmark's body: a daily run on an agent that keeps $Count certificates of which $Due
    are due, in wall time, DcosTls (Update-DcosCertificate over the folder of renewal descriptions)
    against certbot renew over the same number of lineages with the same number due. Both renew the due
    ones from the same pebble (2.4.0, PEBBLE_VA_NOSLEEP=1) over http-01 with a standalone listener on
    pebble's HTTP port, and both timings are whole processes started the way a timer starts them.

    The certificates are made here, aged: pebble 2.4.0 issues only five-year certificates, so a
    certificate that is due cannot come from it today. Every certificate of the run is signed by one
    throw-away CA with a NotBefore 60 days back; the $Due due ones end in 10 days (due for certbot's
    30-day default and for DcosTls's two-thirds-of-the-lifetime default), the others in 300 days (due
    for neither). What each tool reads to renew them is what it writes itself: certbot's renewal .conf is
    the one certbot wrote for a real pebble order (a template lineage, renamed per lineage); DcosTls's
    renewal description is the one Export-DcosCertificate wrote for a real pebble order, with each aged
    certificate's own names, dates and thumbprint. Each run starts from a fresh copy of the same trees
    (the copy is not timed). Prints a small table.
    The descriptions name pebble's own directory, which has no renewal information: the first run asks
    it once per certificate not due and keeps that answer beside each description for a day
    (<file>.renewal-info.json), so the "none due" run after it contacts nothing, as certbot's does.
#>
param([int] $Count = 200, [int] $Due = 5, [int] $Runs = 3,
    [string] $Work = (Join-Path ([System.IO.Path]::GetTempPath()) "dcostls-renewal-bench-$PID"))
$ErrorActionPreference = 'Stop'
$repo = Resolve-Path (Join-Path $PSScriptRoot '../..')
$manifest = Join-Path $repo 'DcosTls.psd1'
Import-Module $manifest -Force
. (Join-Path $repo 'tests/Pester/AcmePeers.ps1')
if (-not (Get-Command certbot -CommandType Application -ErrorAction Ignore)) { throw 'certbot is not installed: apt-get install certbot' }
$hasRenewal = $null -ne (Get-Command Update-DcosCertificate -ErrorAction Ignore)

$bed = Start-AcmeTestBed -Path (Join-Path $Work 'bed')
$savedBundle = $env:REQUESTS_CA_BUNDLE
try {
    # 1. The aged certificates, one folder each: cert.pem (leaf), chain.pem (the CA), key.pem.
    $now = [DateTimeOffset]::UtcNow
    $curve = [System.Security.Cryptography.ECCurve+NamedCurves]::nistP256
    $sha256 = [System.Security.Cryptography.HashAlgorithmName]::SHA256
    $caKey = [System.Security.Cryptography.ECDsa]::Create($curve)
    $caRequest = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=Renewal Benchmark Aged CA', $caKey, $sha256)
    $caRequest.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($true, $false, 0, $true))
    $caRequest.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509KeyUsageExtension]::new('KeyCertSign, CrlSign', $true))
    $ca = $caRequest.CreateSelfSigned($now.AddDays(-90), $now.AddDays(400))
    $caPem = $ca.ExportCertificatePem() + "`n"
    $names = for ($i = 1; $i -le $Count; $i++) { 'r{0:000}.bench.acme.test' -f $i }
    # Spread over the list, so neither tool meets the due ones first.
    $dueNames = @(for ($d = 0; $d -lt $Due; $d++) { $names[[int][Math]::Floor(($d + 0.5) * $Count / $Due)] })
    $aged = Join-Path $Work 'aged'
    $serial = 1
    foreach ($name in $names) {
        $key = [System.Security.Cryptography.ECDsa]::Create($curve)
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new("CN=$name", $key, $sha256)
        $san = [System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new()
        $san.AddDnsName($name)
        $request.CertificateExtensions.Add($san.Build())
        $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($false, $false, 0, $true))
        $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509KeyUsageExtension]::new('DigitalSignature', $true))
        $eku = [System.Security.Cryptography.OidCollection]::new(); $null = $eku.Add([System.Security.Cryptography.Oid]::new('1.3.6.1.5.5.7.3.1'))
        $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension]::new($eku, $false))
        $notAfter = if ($name -in $dueNames) { $now.AddDays(10) } else { $now.AddDays(300) }
        $leaf = $request.Create($ca, $now.AddDays(-60), $notAfter, [BitConverter]::GetBytes([long]$serial++))
        $folder = Join-Path $aged $name
        $null = New-Item -ItemType Directory -Force $folder
        [IO.File]::WriteAllText((Join-Path $folder 'cert.pem'), $leaf.ExportCertificatePem() + "`n")
        [IO.File]::WriteAllText((Join-Path $folder 'chain.pem'), $caPem)
        [IO.File]::WriteAllText((Join-Path $folder 'key.pem'), $key.ExportPkcs8PrivateKeyPem() + "`n")
    }

    # 2. certbot: an account on pebble, a real lineage for its renewal .conf, then the aged lineages.
    $env:REQUESTS_CA_BUNDLE = $bed.TlsCa
    # One configuration folder for every run (a renewal .conf holds absolute paths into it), restored
    # before each run from the copy kept in certbot-pristine.
    $certbotConfig = Join-Path $Work 'certbot'
    $certbotDirs = @('--config-dir', $certbotConfig, '--work-dir', (Join-Path $Work 'certbot-work'), '--logs-dir', (Join-Path $Work 'certbot-logs'))
    & certbot register --non-interactive --server $bed.Directory @certbotDirs --agree-tos --register-unsafely-without-email *> (Join-Path $Work 'certbot-register.log')
    if ($LASTEXITCODE) { throw "certbot register failed: see $Work/certbot-register.log" }
    & certbot certonly --non-interactive --server $bed.Directory @certbotDirs --standalone --http-01-port $bed.HttpPort --http-01-address 127.0.0.1 `
        --key-type ecdsa --cert-name template -d template.bench.acme.test *> (Join-Path $Work 'certbot-template.log')
    if ($LASTEXITCODE) { throw "certbot certonly failed: see $Work/certbot-template.log" }
    $templateConf = Get-Content -Raw -LiteralPath (Join-Path $certbotConfig 'renewal/template.conf')
    foreach ($sub in 'renewal', 'live', 'archive') { Remove-Item -Recurse -Force (Join-Path $certbotConfig "$sub/template*") }
    foreach ($name in $names) {
        $archive = Join-Path $certbotConfig "archive/$name"
        $live = Join-Path $certbotConfig "live/$name"
        $null = New-Item -ItemType Directory -Force $archive, $live
        $from = Join-Path $aged $name
        Copy-Item (Join-Path $from 'cert.pem') (Join-Path $archive 'cert1.pem')
        Copy-Item (Join-Path $from 'chain.pem') (Join-Path $archive 'chain1.pem')
        [IO.File]::WriteAllText((Join-Path $archive 'fullchain1.pem'), (Get-Content -Raw (Join-Path $from 'cert.pem')) + (Get-Content -Raw (Join-Path $from 'chain.pem')))
        Copy-Item (Join-Path $from 'key.pem') (Join-Path $archive 'privkey1.pem')
        & chmod 600 (Join-Path $archive 'privkey1.pem')
        foreach ($kind in 'cert', 'chain', 'fullchain', 'privkey') {
            $null = New-Item -ItemType SymbolicLink -Path (Join-Path $live "$kind.pem") -Target "../../archive/$name/${kind}1.pem"
        }
        # The lineage's own paths (archive_dir, live/<name>/...): the rest of the .conf is certbot's.
        Set-Content -LiteralPath (Join-Path $certbotConfig "renewal/$name.conf") -Value ($templateConf -replace '(?m)/template(?=/|\s*$)', "/$name") -NoNewline
    }
    & cp -a $certbotConfig (Join-Path $Work 'certbot-pristine')

    # 3. DcosTls: an account on pebble and a real order, exported with its renewal description; then
    # the aged certificates, each as Export-DcosCertificate writes a Pem pair (<name>.crt with the
    # chain, <name>.key 0600) with that description's issuer and files, and the aged certificate's own
    # values. (Import-DcosCertificate reads no origin together with a key, so the description of a
    # certificate made outside DcosTls is written here, in the exported one's words.)
    $dcostlsTemplate = Join-Path $Work 'dcostls-template'
    if ($hasRenewal) {
        $account = Join-Path $Work 'account'
        $null = New-DcosAcmeAccount -AcmeDirectory $bed.Directory -CaCertificatePath $bed.TlsCa -AccountPath $account -AcceptTermsOfService
        $origin = Join-Path $Work 'dcostls-origin'
        New-DcosCertificate -AcmeDirectory $bed.Directory -CaCertificatePath $bed.TlsCa -AccountPath $account -CommonName template.bench.acme.test `
            -HttpPort $bed.HttpPort -HttpListenAddress 127.0.0.1 -KeyAlgorithm ECDSA |
            Export-DcosCertificate -Path (Join-Path $origin 'template.crt')
        $exported = Get-Content -Raw -LiteralPath (Join-Path $origin 'template.crt.renewal.json') | ConvertFrom-Json
        if ($exported.issuer.kind -ne 'Acme') { throw "Export-DcosCertificate described the ACME certificate as $($exported.issuer.kind)" }
        foreach ($name in $names) {
            $from = Join-Path $aged $name
            $folder = Join-Path $dcostlsTemplate $name
            $null = New-Item -ItemType Directory -Force $folder
            [IO.File]::WriteAllText((Join-Path $folder "$name.crt"), (Get-Content -Raw (Join-Path $from 'cert.pem')) + (Get-Content -Raw (Join-Path $from 'chain.pem')))
            Copy-Item (Join-Path $from 'key.pem') (Join-Path $folder "$name.key")
            & chmod 600 (Join-Path $folder "$name.key")
            $leaf = [System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem((Get-Content -Raw (Join-Path $from 'cert.pem')))
            $description = [ordered]@{
                version = $exported.version; format = 'Pem'; passwordProtected = $false; issuer = $exported.issuer
                certificate = [ordered]@{
                    commonName = $name; subject = "CN=$name"; dnsNames = @($name); ipAddresses = @()
                    keyAlgorithm = 'ECDSA'; keySize = 256; extendedKeyUsages = @('serverAuth')
                    notBefore = $leaf.NotBefore.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ')
                    notAfter = $leaf.NotAfter.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ')
                    thumbprint = $leaf.Thumbprint
                }
                files = @($exported.files | ForEach-Object { [ordered]@{ role = $_.role; name = $_.name -replace '^template', $name } })
            }
            Set-Content -LiteralPath (Join-Path $folder "$name.crt.renewal.json") -Value ($description | ConvertTo-Json -Depth 6)
        }
    }

    # 4. The runs: each tool in its own process, from a fresh copy of its tree.
    # The renewal's own time inside the process is printed too, to tell it from pwsh's start and the import.
    $pwshCommand = "Import-Module '$manifest'; `$w = [Diagnostics.Stopwatch]::StartNew(); `$r = @(Update-DcosCertificate -Path '{0}'); " +
        "'inside=' + `$w.Elapsed.TotalSeconds.ToString([cultureinfo]::InvariantCulture); 'renewed=' + ((`$r.Name | Sort-Object) -join ',')"
    $rows = foreach ($run in 1..$Runs) {
        $tree = $certbotConfig
        Remove-Item -Recurse -Force $tree
        & cp -a (Join-Path $Work 'certbot-pristine') $tree
        $watch = [Diagnostics.Stopwatch]::StartNew()
        & certbot renew --non-interactive --no-random-sleep-on-renew --config-dir $tree --work-dir (Join-Path $Work 'certbot-work') --logs-dir (Join-Path $Work 'certbot-logs') *> (Join-Path $Work "certbot-renew-$run.log")
        $elapsed = $watch.Elapsed.TotalSeconds
        if ($LASTEXITCODE) { throw "certbot renew failed: see $Work/certbot-renew-$run.log" }
        $renewed = @($names | Where-Object { (Get-Item (Join-Path $tree "live/$_/cert.pem")).LinkTarget -notmatch 'cert1\.pem$' })
        if ((($renewed | Sort-Object) -join ',') -ne (($dueNames | Sort-Object) -join ',')) { throw "certbot renewed $($renewed -join ', '), not the $Due due ones" }
        [pscustomobject]@{ Run = $run; Tool = 'certbot renew'; Seconds = $elapsed; Renewed = $renewed.Count; Inside = $null }
        # The same tree again: now nothing is due (the renewed ones are pebble's five-year certificates).
        $watch = [Diagnostics.Stopwatch]::StartNew()
        & certbot renew --non-interactive --no-random-sleep-on-renew --config-dir $tree --work-dir (Join-Path $Work 'certbot-work') --logs-dir (Join-Path $Work 'certbot-logs') *> (Join-Path $Work "certbot-again-$run.log")
        $elapsed = $watch.Elapsed.TotalSeconds
        if ($LASTEXITCODE) { throw "certbot renew failed: see $Work/certbot-again-$run.log" }
        [pscustomobject]@{ Run = $run; Tool = 'certbot renew, none due'; Seconds = $elapsed; Renewed = 0; Inside = $null }

        if ($hasRenewal) {
            $tree = Join-Path $Work "dcostls-$run"
            & cp -a $dcostlsTemplate $tree
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $out = @(& dotnet pwsh -NoProfile -NonInteractive -Command ($pwshCommand -f $tree) 2>&1 | ForEach-Object { "$_" })
            $elapsed = $watch.Elapsed.TotalSeconds
            if ($LASTEXITCODE -or -not ($out -ceq "renewed=$(($dueNames | Sort-Object) -join ',')")) { throw "Update-DcosCertificate did not renew the $Due due ones: $out" }
            $inside = [double]::Parse((($out -match '^inside=') -replace '^inside=', ''), [cultureinfo]::InvariantCulture)
            [pscustomobject]@{ Run = $run; Tool = 'Update-DcosCertificate'; Seconds = $elapsed; Renewed = $Due; Inside = $inside }
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $out = @(& dotnet pwsh -NoProfile -NonInteractive -Command ($pwshCommand -f $tree) 2>&1 | ForEach-Object { "$_" })
            $elapsed = $watch.Elapsed.TotalSeconds
            if ($LASTEXITCODE -or -not ($out -ceq 'renewed=')) { throw "Update-DcosCertificate renewed again: $out" }
            $inside = [double]::Parse((($out -match '^inside=') -replace '^inside=', ''), [cultureinfo]::InvariantCulture)
            [pscustomobject]@{ Run = $run; Tool = 'Update-DcosCertificate, none due'; Seconds = $elapsed; Renewed = 0; Inside = $inside }
        }
    }

    function Median([double[]] $v) { $s = @($v | Sort-Object); if ($s.Count % 2) { $s[[int][math]::Floor($s.Count / 2)] } else { ($s[$s.Count / 2 - 1] + $s[$s.Count / 2]) / 2 } }
    $starts = for ($i = 0; $i -lt 3; $i++) { (Measure-Command { & certbot --version *> $null }).TotalSeconds }
    $pwshStarts = for ($i = 0; $i -lt 3; $i++) { (Measure-Command { & dotnet pwsh -NoProfile -NonInteractive -Command "Import-Module '$manifest'" *> $null }).TotalSeconds }
    ''
    '{0} certificates, {1} due, renewed from pebble 2.4.0 over http-01 (standalone), {2} runs, this machine (nproc {3}, load {4})' -f $Count, $Due, $Runs, [Environment]::ProcessorCount, ((Get-Content /proc/loadavg) -split ' ')[0]
    '{0,-34} {1,10} {2,10} {3,10} {4,8}' -f 'tool (whole process)', 'median s', 'min s', 'max s', 'renewed'
    foreach ($group in $rows | Group-Object Tool) {
        $s = @($group.Group.Seconds)
        '{0,-34} {1,10:F2} {2,10:F2} {3,10:F2} {4,8}' -f $group.Name, (Median $s), ($s | Measure-Object -Minimum).Minimum, ($s | Measure-Object -Maximum).Maximum, $group.Group[0].Renewed
    }
    '{0,-34} {1,10:F2}' -f 'for scale: certbot --version', (Median $starts)
    '{0,-34} {1,10:F2}' -f 'for scale: pwsh + Import-Module', (Median $pwshStarts)
    if ($hasRenewal) {
        foreach ($tool in 'Update-DcosCertificate', 'Update-DcosCertificate, none due') {
            '{0,-34} {1,10:F2}   ({2}: the cmdlet alone, inside its process)' -f 'of which the cmdlet', (Median @($rows | Where-Object Tool -EQ $tool | ForEach-Object Inside)), $tool
        }
    }
    else { 'Update-DcosCertificate is not in this module: its side was not run.' }
    'runs: ' + (($rows | ForEach-Object { '{0} #{1} {2:F2}s' -f $_.Tool, $_.Run, $_.Seconds }) -join '; ')
}
finally {
    $env:REQUESTS_CA_BUNDLE = $savedBundle
    Stop-AcmeTestBed $bed
    Remove-Item -Recurse -Force $Work -ErrorAction Ignore
}
