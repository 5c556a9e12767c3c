<#
.SYNOPSIS
    Runs every test tier of DcosTls and prints, as the very last line, "N passed, N failed".
.DESCRIPTION
    The README's test command (`dotnet tool restore && dotnet pwsh tests/run.ps1`). In order:
      1. the real peers the tests use (Debian packages), only when the Xunit or Pester tier is
         selected: installed with apt-get when missing and running as root; otherwise the exact
         apt-get line is printed and nothing runs. The Unit tier needs the .NET SDK only. For the
         Pester tier, as root, the Debian root the systemd agents boot (tests/nspawn-image.sh, built
         once per machine and cached);
      2. restore and build of DcosTls.sln (of the unit tests' project alone for -Tier Unit), and the
         Pester packages (tests/Tools/PesterPackages.csproj) when the Pester tier is selected;
      3. the unit tier (tests/DcosTls.UnitTests: pure parsers and editors), alone and first;
      4. then, as separate processes, at most as many at once as the machine has cores (at least
         two), longest first: the Pester tier in real pwsh (tests/Pester/*.Tests.ps1) with Pester
         6.2.0 as two processes (the Fleet* and *Nspawn* files, which mostly wait on their SSH and
         systemd agents, and all the others), the xunit tier (tests/DcosTls.Tests: the hosted
         PowerShell engine, internals and real peers), and the compatibility pass with Pester
         5.7.1. Each process's output is shown whole, tier by tier, when all have ended.
    The compatibility pass runs the files of tests/Pester/compatibility-files.txt without their
    Describe blocks tagged Heavy: together they use every Pester command and parameter the whole
    tier uses (BeforeDiscovery, -ForEach on It and Describe, the Before/After blocks, TestDrive, Mock
    -ParameterFilter, Set-ItResult, -Skip, tags, every Should operator in use, ...), and through
    Provisioning.Tests.ps1 the shipped tests/Provisioning/Agent.Tests.ps1 in a nested Invoke-Pester
    with New-PesterContainer -Data, which users run with whatever Pester they have. Pester's own
    behaviour is what a second version can prove differently; the module's behaviour is proved by
    the whole tier with 6.2.0. The pass checks the coverage first (tests/Pester/PesterFeatures.ps1,
    a parse of every file) and fails, naming the feature, when a test uses something the listed
    files do not.
    Counting is strict: a test that was found but did not execute (a crashed host, a skipped test, a
    Pester container that failed at discovery) is reported and fails the run, and a filter that
    selects nothing fails the run. tests/test-floor.txt holds a floor per tier (unit, xunit,
    pester 6.2.0, pester 5.7.1 compat): a tier run without a filter that finds fewer tests than its
    floor fails the run, so one tier cannot shrink while another grows; a run of every tier with the
    default versions also fails when a tier of the floor file did not run at all.
    Identity: a tier run without a filter also compares the names of the tests that executed with
    its list in tests/test-names (<tier name, spaces as ->.txt: unit.txt, xunit.txt,
    pester-6.2.0.txt, pester-5.7.1-compat.txt; sorted, one name per executed test, so a name that
    runs twice is there twice). xunit names are the display names (fully qualified method and theory
    arguments), Pester names "<file>: <expanded path>". A listed name that did not run (a test that
    disappeared or was renamed) is printed and fails the run; a new name is printed and accepted; a
    tier of the floor file without a list fails the run. -UpdateNames rewrites the lists from
    discovery, without running a test (tests/test-names/README.md).
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
.PARAMETER UpdateNames
    Rewrites tests/test-names/<tier>.txt for each selected tier from discovery (dotnet test
    --list-tests; Pester's Run.SkipRun with the <template> names expanded from the -ForEach data as a
    run expands them) and runs no test. Not with -Filter or -PesterTag. A minute or two for every tier,
    besides the build.
.PARAMETER CompatibilityVersion
    The Pester versions among -PesterVersion that run the compatibility pass (the listed files,
    without their Heavy blocks) instead of the whole tier. Default: 5.7.1. 'none' runs the whole tier with every
    version. With -PesterTag every version runs exactly the tags asked for.
.EXAMPLE
    dotnet pwsh tests/run.ps1 -Tier Unit
.EXAMPLE
    dotnet pwsh tests/run.ps1 -Tier Pester -PesterVersion 5.7.1 -PesterTag MainJob
.EXAMPLE
    dotnet pwsh tests/run.ps1 -Tier Pester -PesterVersion 5.7.1 -CompatibilityVersion none
.EXAMPLE
    dotnet pwsh -c 'tests/run.ps1 -Tier Unit,Xunit,Pester -UpdateNames'
#>
[CmdletBinding()]
param(
    [ValidateSet('Unit', 'Xunit', 'Pester')]
    [string[]] $Tier = @('Unit', 'Xunit', 'Pester'),
    [string] $Filter,
    [string[]] $PesterTag,
    [string[]] $PesterVersion = @('6.2.0', '5.7.1'),
    [string[]] $CompatibilityVersion = @('5.7.1'),
    [switch] $UpdateNames
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

if ($UpdateNames -and ($Filter -or $PesterTag)) {
    throw '-UpdateNames writes the lists of whole tiers: run it without -Filter and -PesterTag.'
}
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
# Identity: the names of the tests a tier executed, against tests/test-names/<tier>.txt.
$namesFolder = Join-Path $PSScriptRoot 'test-names'
$missingNames = [System.Collections.Generic.List[string]]::new()
function Get-NamesPath([string] $Name) { Join-Path $namesFolder (($Name -replace '\s+', '-') + '.txt') }
function Write-Names([string] $Name, [string[]] $Names, [timespan] $Took) {
    $path = Get-NamesPath $Name
    $old = if (Test-Path $path) { @(Get-Content $path) } else { @() }
    $null = New-Item -ItemType Directory -Force $namesFolder
    $sorted = [string[]]@($Names)
    [Array]::Sort($sorted, [StringComparer]::Ordinal)
    [System.IO.File]::WriteAllLines($path, $sorted, [System.Text.UTF8Encoding]::new($false))
    $gone = @(Compare-NameList $old $sorted).Count
    $new = @(Compare-NameList $sorted $old).Count
    Write-Host ("{0,-20} {1,4} names written to tests/test-names/{2} ({3} new, {4} gone)  {5,5:0} s" -f $Name, $sorted.Count, (Split-Path -Leaf $path), $new, $gone, $Took.TotalSeconds)
}
# The names of $Expected that $Actual lacks, one per missing occurrence (a name that should run
# twice and ran once is missing once).
function Compare-NameList([string[]] $Expected, [string[]] $Actual) {
    $counts = [System.Collections.Generic.Dictionary[string, int]]::new([StringComparer]::Ordinal)
    foreach ($n in $Actual) { $counts[$n] = 1 + $(if ($counts.ContainsKey($n)) { $counts[$n] } else { 0 }) }
    foreach ($n in $Expected) {
        if ($counts.ContainsKey($n) -and $counts[$n] -gt 0) { $counts[$n]-- } else { $n }
    }
}
function Test-Names([string] $Name, [string[]] $Names) {
    $path = Get-NamesPath $Name
    if (-not (Test-Path $path)) {
        Write-Host "${Name}: no list of test names (tests/test-names/$(Split-Path -Leaf $path)); -UpdateNames writes it"
        return
    }
    $listed = @(Get-Content $path | Where-Object { $_ })
    $gone = @(Compare-NameList $listed $Names)
    $new = @(Compare-NameList $Names $listed)
    # A tier whose host crashed lists hundreds: the first 40 of each kind say enough.
    foreach ($n in $new | Select-Object -First 40) { Write-Host "${Name}: new test: $n" }
    if ($new.Count -gt 40) { Write-Host "${Name}: ... and $($new.Count - 40) more new tests" }
    foreach ($n in $gone | Select-Object -First 40) { Write-Host "${Name}: listed test did not run: $n" }
    if ($gone.Count -gt 40) { Write-Host "${Name}: ... and $($gone.Count - 40) more listed tests that did not run" }
    if ($gone) { $script:missingNames.Add("$Name`: $($gone.Count) listed tests did not run") }
    Write-Host ("{0,-20} names: {1} listed, {2} ran, {3} new, {4} listed but not run" -f $Name, $listed.Count, @($Names).Count, $new.Count, $gone.Count)
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

# The Debian root the systemd (nspawn) agents of the Pester tier boot: built once per machine (about
# 140 s; mmdebstrap) and cached under /var/cache by its package list, so later runs find it at once.
# A machine where it cannot be built still runs the tier: the nspawn tests then fail, saying why.
if ('Pester' -in $Tier -and (& id -u) -eq '0' -and (Get-Command apt-get -ErrorAction Ignore)) {
    $imageWatch = [System.Diagnostics.Stopwatch]::StartNew()
    & (Join-Path $PSScriptRoot 'nspawn-image.sh') > $null
    if ($LASTEXITCODE -ne 0) { Write-Host 'the nspawn image was not built; the nspawn tests will try again' }
    Write-Host ("nspawn image ready after {0:0} s" -f $imageWatch.Elapsed.TotalSeconds)
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

# 3. The test processes ------------------------------------------------------------------------
# Each tier runs as one or more processes of its own. Started in the order given, at most $slots at
# once: the Pester files that drive agents (SSH sessions, booted systemd containers, drains) mostly
# wait on them, so the other tiers run beside them instead of after them. Each process prints into a
# log of its own, shown whole, tier by tier, when every process has ended; a run of one process
# prints as it goes. Peers left behind are stopped once, at the end, since a stop between tiers
# would stop the peers of a tier still running.
# DCOSTLS_TEST_SLOTS sets another number (a machine shared with other work, a measurement).
$slots = [Math]::Max(2, [Environment]::ProcessorCount)
if ($env:DCOSTLS_TEST_SLOTS -match '^[1-9][0-9]?$') { $slots = [int]$env:DCOSTLS_TEST_SLOTS }
function New-TestJob([string] $Name, [string] $Program, [string[]] $Arguments) {
    [pscustomobject]@{
        Name = $Name; Program = $Program; Arguments = $Arguments
        Log = Join-Path ([System.IO.Path]::GetTempPath()) "dcostls-$runId-$($Name -replace '\W', '-').log"
        Process = $null; Writer = $null; Out = $null; Err = $null; Status = $null
        Started = [datetime]::MinValue; Ended = [datetime]::MinValue
    }
}
function Start-TestJob($Job, [bool] $Live) {
    $start = [System.Diagnostics.ProcessStartInfo]::new($Job.Program)
    foreach ($arg in $Job.Arguments) { $start.ArgumentList.Add($arg) }
    $start.RedirectStandardOutput = -not $Live
    $start.RedirectStandardError = -not $Live
    $Job.Started = [datetime]::UtcNow
    $Job.Process = [System.Diagnostics.Process]::Start($start)
    if (-not $Live) {
        $Job.Writer = [System.IO.StreamWriter]::new($Job.Log)
        $Job.Out = $Job.Process.StandardOutput.BaseStream.CopyToAsync($Job.Writer.BaseStream)
        $Job.Err = $Job.Process.StandardError.BaseStream.CopyToAsync($Job.Writer.BaseStream)
    }
}
function Wait-TestJob($Job) {
    $Job.Process.WaitForExit()
    if ($Job.Writer) {
        # A peer that inherited the output (one a crashed test left running) can hold the pipes open:
        # the log is then cut short, not waited for.
        if (-not [System.Threading.Tasks.Task]::WaitAll(@($Job.Out, $Job.Err), [TimeSpan]::FromSeconds(30))) {
            Write-Host "$($Job.Name): its output was still open 30 s after it ended (a process it started holds it); the log is cut there"
        }
        $Job.Writer.Dispose()
    }
    $Job.Status = $Job.Process.ExitCode
    $Job.Ended = [datetime]::UtcNow
}
function Invoke-TestJob([object[]] $Jobs) {
    if ($Jobs.Count -eq 1) { Start-TestJob $Jobs[0] $true; Wait-TestJob $Jobs[0]; return }
    Write-Host "$($Jobs.Count) test processes, at most $slots at once: $(@($Jobs | ForEach-Object Name) -join ', ')"
    $waiting = [System.Collections.Generic.Queue[object]]::new($Jobs)
    $running = [System.Collections.Generic.List[object]]::new()
    while ($waiting.Count -or $running.Count) {
        while ($waiting.Count -and $running.Count -lt $slots) {
            $next = $waiting.Dequeue()
            Start-TestJob $next $false
            $running.Add($next)
        }
        $ended = @($running | Where-Object { $_.Process.HasExited })
        if (-not $ended) { Start-Sleep -Milliseconds 250; continue }
        foreach ($job in $ended) {
            Wait-TestJob $job
            [void]$running.Remove($job)
            Write-Host ("{0} ended after {1:0} s" -f $job.Name, ($job.Ended - $job.Started).TotalSeconds)
        }
    }
}
function Show-TestJobLog($Job) {
    if (Test-Path $Job.Log) { Get-Content $Job.Log | Write-Host; Remove-Item $Job.Log }
}
function Get-TierTime([object[]] $Jobs) {
    $first = ($Jobs | Measure-Object -Property Started -Minimum).Minimum
    $last = ($Jobs | Measure-Object -Property Ended -Maximum).Maximum
    $last - $first
}

# The xunit tiers: found = what discovery lists; executed = what the results file holds. The
# difference is what a crashed host never ran.
function New-XunitTier([string] $Name, [string] $Project) {
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $filterArgs = if ($Filter) { @('--filter', $Filter) } else { @() }
    $listing = & dotnet test $Project --no-build --list-tests @filterArgs 2>&1
    # The display names, as the results file names the executed tests.
    $listedNames = @($listing | Where-Object { $_ -match '^\s{4}\S' } | ForEach-Object { $_.Substring(4) })
    if ($UpdateNames) {
        if ($LASTEXITCODE -ne 0 -or $listedNames.Count -eq 0) { $script:failed++; Write-Host "${Name}: discovery failed"; $listing | Write-Host; return }
        Write-Names $Name $listedNames $watch.Elapsed
        return
    }
    $results = Join-Path ([System.IO.Path]::GetTempPath()) "dcostls-$Name-$runId"
    $dotnet = (Get-Command dotnet -CommandType Application | Select-Object -First 1).Source
    [pscustomobject]@{
        Kind = 'xunit'; Name = $Name; Listed = $listedNames; Results = $results
        Jobs = @(New-TestJob $Name $dotnet (@('test', $Project, '--no-build', '--logger', 'trx;LogFileName=results.trx', '--results-directory', $results) + $filterArgs))
    }
}
function Complete-XunitTier($Run) {
    $trx = Join-Path $Run.Results 'results.trx'
    $xPassed = 0; $xFailed = 0; $xExecuted = 0; $ranNames = @()
    if (Test-Path $trx) {
        $trxXml = [xml](Get-Content -Raw $trx)
        $counters = $trxXml.TestRun.ResultSummary.Counters
        $ranNames = @($trxXml.TestRun.Results.UnitTestResult | Where-Object outcome -ne 'NotExecuted' | ForEach-Object testName)
        $xPassed = [int]$counters.passed
        $xFailed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
        $xExecuted = [int]$counters.executed
    }
    Remove-Item $Run.Results -Recurse -Force -ErrorAction Ignore
    if ($Run.Jobs[0].Status -ne 0 -and $xFailed -eq 0) { $xFailed = 1 }   # the host failed without a result
    $listed = $Run.Listed.Count
    Add-Count $Run.Name $listed $xPassed $xFailed ([Math]::Max(0, $listed - $xExecuted)) ([bool]$Filter) (Get-TierTime $Run.Jobs)
    if ($listed -eq 0) { $script:failed++; Write-Host "$($Run.Name): no test matched" }
    if (-not $Filter) { Test-Names $Run.Name $ranNames }
}

# The Pester tiers, in real pwsh: a fresh pwsh of the same tool per process, so each Pester loads
# into a clean one. The whole tier with 6.2.0 runs as two processes: the files that drive agents
# (Fleet*, *Nspawn*) and all the others; their summaries add up to the tier's. The files share
# nothing but free ports and this run's marker.
function New-PesterTier([string] $Version, [string] $Packages) {
    # Without -PesterTag, a compatibility version runs the tier without the Heavy blocks.
    $compatibility = -not $PesterTag -and $Version -in $CompatibilityVersion
    $name = if ($compatibility) { "pester $Version compat" } else { "pester $Version" }
    $pester = Join-Path $Packages "pester/$Version/tools/Pester.psd1"
    if (-not (Test-Path $pester)) { $script:failed++; Write-Host "Pester $Version is not restored ($pester)"; return }
    $tierArgs = @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', "$repo/tests/Pester/Invoke-PesterTier.ps1",
        '-PesterManifest', $pester)
    if ($PesterTag) { $tierArgs += @('-Tag', ($PesterTag -join ',')) }
    if ($compatibility) { $tierArgs += '-Compatibility' }
    if ($UpdateNames) { $tierArgs += '-Discover' }
    # Each process's files, comma-separated; '' is every file.
    [string[]] $shards = @('')
    if (-not ($compatibility -or $PesterTag -or $UpdateNames)) {
        $files = @(Get-ChildItem (Join-Path $repo 'tests/Pester') -Filter *.Tests.ps1 | ForEach-Object Name | Sort-Object)
        $agents = @($files | Where-Object { $_ -like 'Fleet*' -or $_ -like '*Nspawn*' })
        $others = @($files | Where-Object { $_ -notin $agents })
        $shards = @(($others -join ','), ($agents -join ',')) | Where-Object { $_ }
    }
    $jobs = @(for ($i = 0; $i -lt $shards.Count; $i++) {
            $summary = Join-Path ([System.IO.Path]::GetTempPath()) "dcostls-pester-$runId-$Version-$i.json"
            $fileArgs = if ($shards[$i]) { @('-File', $shards[$i]) } else { @() }
            $jobName = if ($shards.Count -gt 1) { "$name ($(($shards[$i] -split ',')[0]) ...)" } else { $name }
            $job = New-TestJob $jobName ([Environment]::ProcessPath) ($tierArgs + @('-SummaryPath', $summary) + $fileArgs)
            $job | Add-Member Summary $summary
            $job
        })
    [pscustomobject]@{ Kind = 'pester'; Name = $name; Jobs = $jobs }
}
function Complete-PesterTier($Run) {
    $s = $null
    foreach ($job in $Run.Jobs) {
        if (-not (Test-Path $job.Summary)) { $s = $null; Write-Host "$($job.Name): the pwsh running it ended without a summary"; break }
        $part = Get-Content -Raw $job.Summary | ConvertFrom-Json
        Remove-Item $job.Summary
        if ($null -eq $s) { $s = $part; $s.Names = @($part.Names); continue }
        foreach ($count in 'Found', 'Passed', 'Failed', 'FailedContainers', 'NotRun') { $s.$count += $part.$count }
        $s.Names = @($s.Names) + @($part.Names)
    }
    $took = Get-TierTime $Run.Jobs
    if (-not $s) { Add-Count $Run.Name 0 0 1 0 ([bool]$PesterTag) $took; return }
    if ($UpdateNames) {
        if ($s.Found -eq 0 -or $s.FailedContainers) { $script:failed++; Write-Host "$($Run.Name): discovery failed" }
        else { Write-Names $Run.Name @($s.Names) $took }
        return
    }
    Add-Count $Run.Name $s.Found $s.Passed ($s.Failed + $s.FailedContainers) $s.NotRun ([bool]$PesterTag) $took
    if (-not $PesterTag) { Test-Names $Run.Name @($s.Names) }
    if ($s.Found -eq 0) { $script:failed++; Write-Host "$($Run.Name): no test matched" }
}

# 4. Run -----------------------------------------------------------------------------------------
# Peers the tiers start are stopped however the run ends: a failed tier, a thrown error, Ctrl+C.
try {
    $runs = [System.Collections.Generic.List[object]]::new()
    foreach ($tierName in 'Unit', 'Xunit') {
        if ($tierName -notin $Tier) { continue }
        $project = if ($tierName -eq 'Unit') { 'tests/DcosTls.UnitTests/DcosTls.UnitTests.csproj' } else { 'tests/DcosTls.Tests/DcosTls.Tests.csproj' }
        $run = New-XunitTier $tierName.ToLowerInvariant() $project
        if ($run) { $runs.Add($run) }
    }
    if ('Pester' -in $Tier) {
        $packages = & dotnet nuget locals global-packages --list
        $packages = ($packages -replace '^global-packages:\s*', '').Trim()
        foreach ($version in $PesterVersion) {
            $run = New-PesterTier $version $packages
            if ($run) { $runs.Add($run) }
        }
    }
    # Pure parsers first, on their own: seconds, no peers, and the first word on a broken change.
    $first = @($runs | Where-Object Name -eq 'unit')
    $rest = @($runs | Where-Object Name -ne 'unit')
    # The longest first, so that the short ones fill in beside it: the Pester shards, then xunit,
    # then the compatibility pass.
    $order = @($rest | Where-Object { $_.Kind -eq 'pester' -and $_.Name -notlike '*compat*' }) +
        @($rest | Where-Object Kind -eq 'xunit') + @($rest | Where-Object { $_.Kind -eq 'pester' -and $_.Name -like '*compat*' })
    foreach ($batch in $first, $order) {
        if (-not $batch) { continue }
        $jobs = @($batch | ForEach-Object { $_.Jobs })
        Invoke-TestJob $jobs
        # Shown and counted in the tiers' own order: unit, xunit, then Pester by version.
        foreach ($run in @($runs | Where-Object { $batch -contains $_ })) {
            foreach ($job in $run.Jobs) { Show-TestJobLog $job }
            if ($run.Kind -eq 'xunit') { Complete-XunitTier $run } else { Complete-PesterTier $run }
        }
    }
}
finally {
    Stop-RunProcess
}

# 5. Counting rules ------------------------------------------------------------------------------
if ($UpdateNames) { Complete-Run $(if ($failed) { 'discovery failed' }) }
if ($missingNames) { Complete-Run "tests listed in tests/test-names did not run ($($missingNames -join '; ')); a test renamed or removed on purpose: -UpdateNames" }
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
# Every tier of the floor file has its list of names: a deleted list does not switch the check off.
$unlisted = @($foundUnfiltered.Keys | Where-Object { $floors.Contains($_) -and -not (Test-Path (Get-NamesPath $_)) })
if ($unlisted) { Complete-Run "no list of test names for: $($unlisted -join ', ') (tests/run.ps1 -UpdateNames writes it)" }
Complete-Run $null
