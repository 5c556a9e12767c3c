<#
.SYNOPSIS
    Runs every test tier of DcosTls and prints, as the very last line, "N passed, N failed".
.DESCRIPTION
    The README's test command (`dotnet tool restore && dotnet pwsh tests/run.ps1`). In order:
      1. the real peers the tests use (Debian packages): installed with apt-get when missing and
         running as root; otherwise the exact apt-get line is printed and nothing runs;
      2. restore and build of DcosTls.sln, and the Pester packages (tests/Tools/PesterPackages.csproj);
      3. the unit tier (tests/DcosTls.UnitTests: pure parsers and editors) and the xunit tier
         (tests/DcosTls.Tests: the hosted PowerShell engine, internals and real peers);
      4. the Pester tier in real pwsh, once per Pester version (tests/Pester/*.Tests.ps1).
    Counting is strict: a test that was found but did not execute (a crashed host, a skipped test, a
    Pester container that failed at discovery) is reported and fails the run, a filter that selects
    nothing fails the run, and an unfiltered run with fewer tests than tests/test-floor.txt fails.
    Every process the run starts carries DCOSTLS_TEST_RUN in its environment; whatever is still
    running with it at the end (a peer left by a crashed host) is stopped by PID.
.PARAMETER Tier
    Which tiers to run: Unit (pure parsers, seconds, no peers), Xunit (the hosted engine with real
    peers), Pester (real pwsh). Default: all three.
.PARAMETER Filter
    xunit --filter expression (for example FullyQualifiedName~Trust). Applies to the Unit and Xunit tiers.
.PARAMETER PesterTag
    Pester tags to run (Filter.Tag). Applies to the Pester tier only.
.PARAMETER PesterVersion
    Pester versions to run the Pester tier with. Default: 5.7.1 and 6.2.0.
.EXAMPLE
    dotnet pwsh tests/run.ps1 -Tier Pester -PesterVersion 5.7.1
#>
[CmdletBinding()]
param(
    [ValidateSet('Unit', 'Xunit', 'Pester')]
    [string[]] $Tier = @('Unit', 'Xunit', 'Pester'),
    [string] $Filter,
    [string[]] $PesterTag,
    [string[]] $PesterVersion = @('5.7.1', '6.2.0')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$repo = Split-Path -Parent $PSScriptRoot
Set-Location $repo
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$runId = [guid]::NewGuid().ToString('n')
$env:DCOSTLS_TEST_RUN = $runId
# Peers that clear their environment (sshd) are listed here by the tests that start them.
$env:DCOSTLS_TEST_PIDS = Join-Path ([System.IO.Path]::GetTempPath()) "dcostls-pids-$runId"

$passed = 0; $failed = 0; $notExecuted = 0; $found = 0
function Add-Count([string] $Name, [int] $Found, [int] $Passed, [int] $Failed, [int] $NotRun) {
    $script:found += $Found; $script:passed += $Passed; $script:failed += $Failed; $script:notExecuted += $NotRun
    Write-Host ("{0,-16} found {1,4}  passed {2,4}  failed {3,3}  not executed {4,3}" -f $Name, $Found, $Passed, $Failed, $NotRun)
}
function Stop-RunProcess {
    if (Test-Path $env:DCOSTLS_TEST_PIDS) {
        foreach ($line in Get-Content $env:DCOSTLS_TEST_PIDS) {
            $listed = 0
            if ([int]::TryParse($line, [ref] $listed) -and (Test-Path "/proc/$listed")) {
                Write-Host "stopping leftover process $listed ($(Get-Content "/proc/$listed/comm" -ErrorAction SilentlyContinue))"
                try { [System.Diagnostics.Process]::GetProcessById($listed).Kill($true) } catch { }
            }
        }
        Remove-Item $env:DCOSTLS_TEST_PIDS -ErrorAction Ignore
    }
    # Peers a crashed test host left behind: any process that inherited this run's marker.
    foreach ($dir in [System.IO.Directory]::GetDirectories('/proc')) {
        $name = [System.IO.Path]::GetFileName($dir)
        $processId = 0
        if (-not [int]::TryParse($name, [ref] $processId) -or $processId -eq $PID) { continue }
        try { $environ = [System.IO.File]::ReadAllText("$dir/environ") } catch { continue }
        if ($environ.Contains("DCOSTLS_TEST_RUN=$runId")) {
            Write-Host "stopping leftover process $processId ($(Get-Content "$dir/comm" -ErrorAction SilentlyContinue))"
            try { [System.Diagnostics.Process]::GetProcessById($processId).Kill($true) } catch { }
        }
    }
}
function Complete-Run([string] $Reason) {
    Stop-RunProcess
    if ($Reason) {
        Write-Host "run failed: $Reason"
        # A run that stops for a reason never ends on "0 failed"; tests that did not execute count as failed.
        $script:failed = [Math]::Max(1, $failed + $notExecuted)
    }
    Write-Host "tests found $found, not executed $notExecuted"
    Write-Host "$passed passed, $failed failed"
    exit ([int]($failed -ne 0 -or $Reason))
}

# 1. Peers -------------------------------------------------------------------------------------
$peers = [ordered]@{
    cfssl = 'golang-cfssl'; 'docker-registry' = 'docker-registry'; skopeo = 'skopeo'; nginx = 'nginx'
    htpasswd = 'apache2-utils'; dockerd = 'docker.io'; openssl = 'openssl'; curl = 'curl'; tar = 'tar'
    sshd = 'openssh-server'
    'prometheus-node-exporter' = 'prometheus-node-exporter'
    pebble = 'pebble'; named = 'bind9'; dig = 'dnsutils'; chattr = 'e2fsprogs'
}
$missing = @($peers.Keys | Where-Object { -not (Get-Command $_ -CommandType Application -ErrorAction Ignore) } |
    ForEach-Object { $peers[$_] })
$hasYaml = $null -ne (Get-Command python3 -ErrorAction Ignore) -and
    $(& python3 -c 'import yaml' 2>$null; $LASTEXITCODE -eq 0)
if (-not $hasYaml) { $missing += 'python3-yaml' }
if ($missing) {
    $line = "apt-get update && apt-get install -y --no-install-recommends $($missing -join ' ') ca-certificates"
    $isRoot = (& id -u) -eq '0'
    if ($isRoot -and (Get-Command apt-get -ErrorAction Ignore)) {
        Write-Host "installing test peers: $($missing -join ' ')"
        $env:DEBIAN_FRONTEND = 'noninteractive'
        & sh -c "$line >/dev/null 2>&1"
        if ($LASTEXITCODE -ne 0) { Complete-Run "could not install the test peers; run: $line" }
    }
    else {
        Write-Host "The tests need these Debian packages. Install them, then run this command again:"
        Write-Host "  sudo $line"
        $failed = 1
        Complete-Run 'test peers missing'
    }
}

# 2. Build -------------------------------------------------------------------------------------
& dotnet restore tests/Tools/PesterPackages.csproj --verbosity quiet
if ($LASTEXITCODE -ne 0) { $failed = 1; Complete-Run 'restore of the Pester packages failed' }
& dotnet build DcosTls.sln --verbosity quiet --nologo
if ($LASTEXITCODE -ne 0) { $failed = 1; Complete-Run 'build failed' }
# The module's own TLS trusts only what it is told: the tests run it without the machine's trust
# variables, so a pass never rests on a bundle this machine happens to point at.
foreach ($variable in 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'CURL_CA_BUNDLE') { Remove-Item "env:$variable" -ErrorAction Ignore }

# 3. The xunit tiers ----------------------------------------------------------------------------
function Invoke-XunitTier([string] $Name, [string] $Project) {
    $filterArgs = if ($Filter) { @('--filter', $Filter) } else { @() }
    # Found = what discovery lists; executed = what the results file holds. The difference is what a
    # crashed host never ran.
    $listing = & dotnet test $Project --no-build --list-tests @filterArgs 2>&1
    $listed = @($listing | Where-Object { $_ -match '^\s{4}\S' }).Count
    $results = Join-Path ([System.IO.Path]::GetTempPath()) "dcostls-$Name-$runId"
    & dotnet test $Project --no-build --logger 'trx;LogFileName=results.trx' --results-directory $results @filterArgs
    $status = $LASTEXITCODE
    $trx = Join-Path $results 'results.trx'
    $xPassed = 0; $xFailed = 0; $xExecuted = 0
    if (Test-Path $trx) {
        $counters = ([xml](Get-Content -Raw $trx)).TestRun.ResultSummary.Counters
        $xPassed = [int]$counters.passed
        $xFailed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
        $xExecuted = [int]$counters.executed
    }
    Remove-Item $results -Recurse -Force -ErrorAction Ignore
    if ($status -ne 0 -and $xFailed -eq 0) { $xFailed = 1 }   # the host failed without a result
    Add-Count $Name $listed $xPassed $xFailed ([Math]::Max(0, $listed - $xExecuted))
    if ($listed -eq 0) { $script:failed++; Write-Host "${Name}: no test matched" }
    Stop-RunProcess
}
# Pure parsers first: seconds, no peers.
# Peers the tiers start are stopped however the run ends: a failed tier, a thrown error, Ctrl+C.
try {
    if ('Unit' -in $Tier) { Invoke-XunitTier 'unit' 'tests/DcosTls.UnitTests/DcosTls.UnitTests.csproj' }
    if ('Xunit' -in $Tier) { Invoke-XunitTier 'xunit' 'tests/DcosTls.Tests/DcosTls.Tests.csproj' }

    # 4. Pester in real pwsh -------------------------------------------------------------------------
    if ('Pester' -in $Tier) {
        $packages = & dotnet nuget locals global-packages --list
        $packages = ($packages -replace '^global-packages:\s*', '').Trim()
        foreach ($version in $PesterVersion) {
            $pester = Join-Path $packages "pester/$version/tools/Pester.psd1"
            if (-not (Test-Path $pester)) { $failed++; Write-Host "Pester $version is not restored ($pester)"; continue }
            $summary = Join-Path ([System.IO.Path]::GetTempPath()) "dcostls-pester-$runId-$version.json"
            $tierArgs = @('-NoProfile', '-NonInteractive', '-File', "$repo/tests/Pester/Invoke-PesterTier.ps1",
                '-PesterManifest', $pester, '-SummaryPath', $summary)
            if ($PesterTag) { $tierArgs += @('-Tag', ($PesterTag -join ',')) }
            # A fresh pwsh of the same tool per version: each Pester loads into a clean process.
            & ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') @tierArgs
            if (Test-Path $summary) {
                $s = Get-Content -Raw $summary | ConvertFrom-Json
                Remove-Item $summary
                Add-Count "pester $version" $s.Found $s.Passed ($s.Failed + $s.FailedContainers) $s.NotRun
                if ($s.Found -eq 0) { $failed++; Write-Host "pester ${version}: no test matched" }
            }
            else {
                Add-Count "pester $version" 0 0 1 0
                Write-Host "pester ${version}: the pwsh running the tier ended without a summary"
            }
            Stop-RunProcess
        }
    }
}
finally {
    Stop-RunProcess
}

# 5. Counting rules ------------------------------------------------------------------------------
if ($notExecuted -gt 0) { Complete-Run "$notExecuted tests were found but did not execute" }
$floorFile = Join-Path $PSScriptRoot 'test-floor.txt'
$unfiltered = -not $Filter -and -not $PesterTag -and $Tier.Count -eq 3 -and $PesterVersion.Count -eq 2
if ($unfiltered -and (Test-Path $floorFile)) {
    $floor = [int]((Get-Content $floorFile | Where-Object { $_ -match '^\d+$' } | Select-Object -First 1))
    if ($found -lt $floor) { Complete-Run "only $found tests found; tests/test-floor.txt expects at least $floor" }
}
Complete-Run $null
