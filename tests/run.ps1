<#
.SYNOPSIS
    Runs every test tier of DcosTls and prints, as the very last line, "N passed, N failed".
.DESCRIPTION
    The README's test command (`dotnet tool restore && dotnet pwsh tests/run.ps1`). In order:
      1. the real peers the tests use (Debian packages), only when the Xunit or Pester tier is
         selected: installed with apt-get when missing and running as root; otherwise the exact
         apt-get line is printed and nothing runs. The Unit tier needs the .NET SDK only;
      2. restore and build of DcosTls.sln (of the unit tests' project alone for -Tier Unit), and the
         Pester packages (tests/Tools/PesterPackages.csproj) when the Pester tier is selected;
      3. the unit tier (tests/DcosTls.UnitTests: pure parsers and editors) and the xunit tier
         (tests/DcosTls.Tests: the hosted PowerShell engine, internals and real peers);
      4. the Pester tier in real pwsh (tests/Pester/*.Tests.ps1): the whole tier with Pester 6.2.0,
         then a compatibility pass with Pester 5.7.1.
    The compatibility pass runs every Pester file except the Describe blocks tagged Heavy
    (Filter.ExcludeTag): the long peer-driven proofs of module behaviour (kill -9 at every step,
    the ten-agent fleet, SIGKILLed renewals, four racing processes, ...), which the 6.2.0 pass runs in
    full and which prove nothing more about Pester when run a second time. What it keeps is every
    Pester feature the suite uses: BeforeDiscovery, data-driven -ForEach on It and on Describe,
    BeforeAll/AfterAll/BeforeEach/AfterEach, TestDrive, Mock with -ParameterFilter, Set-ItResult,
    -Skip, tags, every Should operator in use (-Throw -ErrorId/-PassThru, -HaveCount, -BeOfType,
    -MatchExactly, ...), and New-PesterContainer -Data with a nested Invoke-Pester (the shipped
    tests/Provisioning/Agent.Tests.ps1, which users run with whatever Pester they have).
    Counting is strict: a test that was found but did not execute (a crashed host, a skipped test, a
    Pester container that failed at discovery) is reported and fails the run, and a filter that
    selects nothing fails the run. tests/test-floor.txt holds a floor per tier (unit, xunit,
    pester 6.2.0, pester 5.7.1 compat): a tier run without a filter that finds fewer tests than its
    floor fails the run, so one tier cannot shrink while another grows; a run of every tier with the
    default versions also fails when a tier of the floor file did not run at all.
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
    Pester versions to run the Pester tier with, in order. Default: 6.2.0 (whole tier), then 5.7.1
    (compatibility pass).
.PARAMETER CompatibilityVersion
    The Pester versions among -PesterVersion that run the compatibility pass (without the tests
    tagged Heavy) instead of the whole tier. Default: 5.7.1. 'none' runs the whole tier with every
    version. With -PesterTag every version runs exactly the tags asked for.
.EXAMPLE
    dotnet pwsh tests/run.ps1 -Tier Unit
.EXAMPLE
    dotnet pwsh tests/run.ps1 -Tier Pester -PesterVersion 5.7.1 -PesterTag MainJob
.EXAMPLE
    dotnet pwsh tests/run.ps1 -Tier Pester -PesterVersion 5.7.1 -CompatibilityVersion none
#>
[CmdletBinding()]
param(
    [ValidateSet('Unit', 'Xunit', 'Pester')]
    [string[]] $Tier = @('Unit', 'Xunit', 'Pester'),
    [string] $Filter,
    [string[]] $PesterTag,
    [string[]] $PesterVersion = @('6.2.0', '5.7.1'),
    [string[]] $CompatibilityVersion = @('5.7.1')
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
# What each tier found, by its name in tests/test-floor.txt, when it ran without a filter.
$foundUnfiltered = [ordered]@{}
$tierLines = [System.Collections.Generic.List[string]]::new()
function Add-Count([string] $Name, [int] $Found, [int] $Passed, [int] $Failed, [int] $NotRun, [bool] $Filtered, [timespan] $Took) {
    $script:found += $Found; $script:passed += $Passed; $script:failed += $Failed; $script:notExecuted += $NotRun
    if (-not $Filtered) { $script:foundUnfiltered[$Name] = $Found }
    $line = "{0,-20} found {1,4}  passed {2,4}  failed {3,3}  not executed {4,3}  {5,5:0} s{6}" -f $Name, $Found, $Passed, $Failed, $NotRun, $Took.TotalSeconds, $(if ($Filtered) { '  (filtered)' } else { '' })
    $script:tierLines.Add($line)
    Write-Host $line
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
    foreach ($line in $tierLines) { Write-Host $line }
    Write-Host "tests found $found, not executed $notExecuted"
    Write-Host "$passed passed, $failed failed"
    exit ([int]($failed -ne 0 -or $Reason))
}

# 1. Peers (the xunit and Pester tiers; the unit tier needs the .NET SDK only) --------------------
$needsPeers = 'Xunit' -in $Tier -or 'Pester' -in $Tier
$peers = [ordered]@{
    cfssl = 'golang-cfssl'; 'docker-registry' = 'docker-registry'; skopeo = 'skopeo'; nginx = 'nginx'
    htpasswd = 'apache2-utils'; dockerd = 'docker.io'; openssl = 'openssl'; curl = 'curl'; tar = 'tar'
    sshd = 'openssh-server'; haproxy = 'haproxy'
    'prometheus-node-exporter' = 'prometheus-node-exporter'
    pebble = 'pebble'; named = 'bind9'; dig = 'dnsutils'; chattr = 'e2fsprogs'
}
$missing = @()
if ($needsPeers) {
    $missing = @($peers.Keys | Where-Object { -not (Get-Command $_ -CommandType Application -ErrorAction Ignore) } |
        ForEach-Object { $peers[$_] })
    $hasYaml = $null -ne (Get-Command python3 -ErrorAction Ignore) -and
        $(& python3 -c 'import yaml' 2>$null; $LASTEXITCODE -eq 0)
    if (-not $hasYaml) { $missing += 'python3-yaml' }
}
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
$buildWatch = [System.Diagnostics.Stopwatch]::StartNew()
if ('Pester' -in $Tier) {
    & dotnet restore tests/Tools/PesterPackages.csproj --verbosity quiet
    if ($LASTEXITCODE -ne 0) { $failed = 1; Complete-Run 'restore of the Pester packages failed' }
}
# The unit tier alone builds only what it needs (its project and the module it references).
$buildTarget = if ($needsPeers) { 'DcosTls.sln' } else { 'tests/DcosTls.UnitTests/DcosTls.UnitTests.csproj' }
& dotnet build $buildTarget --verbosity quiet --nologo
if ($LASTEXITCODE -ne 0) { $failed = 1; Complete-Run 'build failed' }
Write-Host ("build of {0} took {1:0} s" -f $buildTarget, $buildWatch.Elapsed.TotalSeconds)
# The module's own TLS trusts only what it is told: the tests run it without the machine's trust
# variables, so a pass never rests on a bundle this machine happens to point at.
foreach ($variable in 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'CURL_CA_BUNDLE') { Remove-Item "env:$variable" -ErrorAction Ignore }

# 3. The xunit tiers ----------------------------------------------------------------------------
function Invoke-XunitTier([string] $Name, [string] $Project) {
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
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
    Add-Count $Name $listed $xPassed $xFailed ([Math]::Max(0, $listed - $xExecuted)) ([bool]$Filter) $watch.Elapsed
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
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            # Without -PesterTag, a compatibility version runs the tier without the Heavy blocks.
            $compatibility = -not $PesterTag -and $version -in $CompatibilityVersion
            $name = if ($compatibility) { "pester $version compat" } else { "pester $version" }
            $pester = Join-Path $packages "pester/$version/tools/Pester.psd1"
            if (-not (Test-Path $pester)) { $failed++; Write-Host "Pester $version is not restored ($pester)"; continue }
            $summary = Join-Path ([System.IO.Path]::GetTempPath()) "dcostls-pester-$runId-$version.json"
            $tierArgs = @('-NoProfile', '-NonInteractive', '-File', "$repo/tests/Pester/Invoke-PesterTier.ps1",
                '-PesterManifest', $pester, '-SummaryPath', $summary)
            if ($PesterTag) { $tierArgs += @('-Tag', ($PesterTag -join ',')) }
            if ($compatibility) { $tierArgs += @('-ExcludeTag', 'Heavy') }
            # A fresh pwsh of the same tool per version: each Pester loads into a clean process.
            & ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') @tierArgs
            if (Test-Path $summary) {
                $s = Get-Content -Raw $summary | ConvertFrom-Json
                Remove-Item $summary
                Add-Count $name $s.Found $s.Passed ($s.Failed + $s.FailedContainers) $s.NotRun ([bool]$PesterTag) $watch.Elapsed
                if ($s.Found -eq 0) { $failed++; Write-Host "${name}: no test matched" }
            }
            else {
                Add-Count $name 0 0 1 0 ([bool]$PesterTag) $watch.Elapsed
                Write-Host "${name}: the pwsh running the tier ended without a summary"
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
# Floors, one per tier ("<tier name> <count>" lines; # starts a comment). A tier that ran without a
# filter must find at least its floor; a run of every tier with the default versions must also have
# run every tier the file names.
$floorFile = Join-Path $PSScriptRoot 'test-floor.txt'
$floors = [ordered]@{}
foreach ($line in Get-Content $floorFile) {
    $text = ($line -replace '#.*$', '').Trim()
    if (-not $text) { continue }
    if ($text -notmatch '^(?<tier>\S.*?)\s+(?<floor>\d+)$') { Complete-Run "tests/test-floor.txt: not '<tier> <count>': $line" }
    $floors[$Matches.tier] = [int]$Matches.floor
}
$everyTier = -not $Filter -and -not $PesterTag -and @($Tier).Count -eq 3 -and
    -not $PSBoundParameters.ContainsKey('PesterVersion') -and -not $PSBoundParameters.ContainsKey('CompatibilityVersion')
$short = @(foreach ($tierName in $floors.Keys) {
        if ($foundUnfiltered.Contains($tierName)) {
            if ($foundUnfiltered[$tierName] -lt $floors[$tierName]) { "$tierName found $($foundUnfiltered[$tierName]), floor $($floors[$tierName])" }
        }
        elseif ($everyTier) { "$tierName did not run, floor $($floors[$tierName])" }
    })
if ($short) { Complete-Run "below tests/test-floor.txt: $($short -join '; ')" }
Complete-Run $null
