<#
    Helpers for tests that run what a user runs in a pwsh of their own: a script under `pwsh -File`,
    a command under `pwsh -Command`, from a chosen working directory. Dot-source in BeforeAll.
#>

function Invoke-ChildPwsh {
    <#
    .SYNOPSIS
        Runs pwsh (the same pwsh as this one: an executable, or the dotnet tool's pwsh.dll) with the
        given arguments in WorkingDirectory; returns its stdout and stderr as plain text lines and
        sets $LASTEXITCODE.
    #>
    param(
        [Parameter(Mandatory)] [string[]] $ArgumentList,
        [string] $WorkingDirectory = (Get-Location).ProviderPath,
        [hashtable] $Environment = @{}
    )
    $exe = [Environment]::ProcessPath
    $prefix = @()
    if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $prefix = @(Join-Path $PSHOME 'pwsh.dll') }
    $saved = @{}
    # Plain text without colour escapes, so that tests match what a reader sees.
    $variables = @{ NO_COLOR = '1' }
    foreach ($name in $Environment.Keys) { $variables[$name] = $Environment[$name] }
    foreach ($name in $variables.Keys) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $variables[$name])
    }
    Push-Location -LiteralPath $WorkingDirectory
    # The child's process directory is where it starts; Push-Location alone changes only ours.
    $previous = [Environment]::CurrentDirectory
    [Environment]::CurrentDirectory = $WorkingDirectory
    try {
        & $exe @prefix -NoProfile -NonInteractive @ArgumentList 2>&1 | ForEach-Object { "$_" }
    }
    finally {
        [Environment]::CurrentDirectory = $previous
        Pop-Location
        foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    }
}

function Get-TreeSnapshot {
    <#
    .SYNOPSIS
        One line per entry under Path: relative path, then the link target, or the folder's mode,
        or the file's SHA-256 and mode. Two snapshots are equal when nothing changed.
    #>
    param([Parameter(Mandatory)] [string] $Path)
    $base = (Resolve-Path -LiteralPath $Path).ProviderPath
    Get-ChildItem -LiteralPath $base -Recurse -Force | Sort-Object FullName | ForEach-Object {
        $relative = [System.IO.Path]::GetRelativePath($base, $_.FullName)
        $mode = [Convert]::ToString([int] $_.UnixFileMode, 8)
        if ($_.LinkTarget) { "$relative -> $($_.LinkTarget)" }
        elseif ($_.PSIsContainer) { "$relative dir $mode" }
        else { "$relative $((Get-FileHash -LiteralPath $_.FullName -Algorithm SHA256).Hash) $mode" }
    }
}
