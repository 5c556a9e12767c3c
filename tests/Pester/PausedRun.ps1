<#
    A change run in a child pwsh with the module's test-only pause on (DCOSTLS_TEST_PAUSE_DIR): before
    each step that changes a directory entry the child writes <n>.paused (saying what it is about to
    do) and waits until that file is gone. While it waits nothing of the change is in flight, so the
    folder as it is then is what a SIGKILL at step n leaves. Save-PausedState copies the folder aside
    at every pause, so one child gives every state a kill can leave; Stop-AtPause kills a child for
    real at one step, which the tests also check, so the copies are known to stand for kills.
    Dot-source it inside a Pester block ($TestDrive is where the pause folders go).
#>

# Starts the script in a pwsh of its own (the same one that runs the tests) with the pause on.
function Start-PausedChild([string] $Script, [object[]] $Arguments) {
    $pauses = Join-Path $TestDrive "pauses-$([guid]::NewGuid().ToString('n'))"
    $null = New-Item -ItemType Directory $pauses
    $exe = [Environment]::ProcessPath
    $start = [Diagnostics.ProcessStartInfo]::new($exe)
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
    foreach ($a in @('-NoProfile', '-NonInteractive', '-File', $Script) + @($Arguments)) { $start.ArgumentList.Add([string] $a) }
    $start.Environment['DCOSTLS_TEST_PAUSE_DIR'] = $pauses
    $start.RedirectStandardError = $true
    $start.RedirectStandardOutput = $true
    $child = [Diagnostics.Process]::Start($start)
    [pscustomobject]@{
        Process = $child
        Pauses  = $pauses
        Errors  = $child.StandardError.ReadToEndAsync()
        Output  = $child.StandardOutput.ReadToEndAsync()
    }
}

# Waits until the child pauses before step N and returns what that step is about to do; $null when
# the child finished first (and throws when it failed).
function Wait-Pause([object] $Child, [int] $N, [int] $TimeoutSeconds = 120) {
    $marker = Join-Path $Child.Pauses "$N.paused"
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while (-not (Test-Path -LiteralPath $marker)) {
        if ($Child.Process.HasExited) {
            $Child.Process.WaitForExit()
            if ($Child.Process.ExitCode -ne 0) { throw "the change failed before step ${N}: $($Child.Errors.Result)" }
            return $null
        }
        if ([DateTime]::UtcNow -gt $deadline) { throw "no step $N within $TimeoutSeconds s" }
        Start-Sleep -Milliseconds 10
    }
    "$((Get-Content -Raw -LiteralPath $marker -ErrorAction Ignore))".Trim()
}

function Stop-PausedChild([object] $Child) {
    if (-not $Child.Process.HasExited) { $Child.Process.Kill(); $Child.Process.WaitForExit() }
}

# Lets the child run to its end, copying $Folder (links, modes and all) to "<SnapshotPrefix><n>" at
# every pause n. One row per step: Step, At (what the step was about to do), Root (the copy).
function Save-PausedState([object] $Child, [string] $Folder, [string] $SnapshotPrefix) {
    try {
        for ($n = 1; ; $n++) {
            $at = Wait-Pause $Child $n
            if ($null -eq $at) { break }
            & cp -a $Folder "$SnapshotPrefix$n"
            if ($LASTEXITCODE -ne 0) { throw "copying $Folder at step $n failed" }
            [pscustomobject]@{ Step = $n; At = $at; Root = "$SnapshotPrefix$n" }
            Remove-Item -LiteralPath (Join-Path $Child.Pauses "$n.paused")
        }
    }
    finally { Stop-PausedChild $Child }
}

# Lets steps 1..N-1 go and kills the child with SIGKILL at step N (no handler, no finally, no
# rollback runs). Returns what step N was about to do, or $null when the change finished first.
function Stop-AtPause([object] $Child, [int] $N) {
    try {
        for ($n = 1; ; $n++) {
            $at = Wait-Pause $Child $n
            if ($null -eq $at) { return $null }
            if ($n -eq $N) {
                $Child.Process.Kill()
                $Child.Process.WaitForExit()
                return $at
            }
            Remove-Item -LiteralPath (Join-Path $Child.Pauses "$n.paused")
        }
    }
    finally { Stop-PausedChild $Child }
}
