<#
    A search for secrets in files that sees them written as plaintext, as base64 (standard and
    URL-safe, at any of the three byte alignments, so a secret inside a longer base64 blob is found
    too) and inside gzip archives (docker.tar.gz is unpacked and its entries searched). Dot-source in
    BeforeAll.

    A credentials file legitimately holds the registry logins ("user:password" in base64): in the
    files named by -CredentialFile (and the .docker/config.json of an archive) only the plaintext is
    looked for; everywhere else every form of every secret and auth string.
#>

function Get-SecretForm {
    <# The strings a secret can be found as: itself, then the middle of its base64 at each alignment. #>
    param([Parameter(Mandatory)] [string] $Secret)
    $bytes = [Text.Encoding]::UTF8.GetBytes($Secret)
    $Secret
    foreach ($shift in 0, 1, 2) {
        $shifted = [byte[]]::new($shift + $bytes.Length)
        [Array]::Copy($bytes, 0, $shifted, $shift, $bytes.Length)
        $text = [Convert]::ToBase64String($shifted)
        # Characters that depend only on the secret's bytes: after the group the shift bytes touch,
        # up to the last complete group (the partial tail depends on what follows).
        $start = if ($shift) { 4 } else { 0 }
        $end = 4 * [Math]::Floor($shifted.Length / 3)
        if ($end - $start -lt 8) { continue }
        $middle = $text.Substring($start, $end - $start)
        $middle
        $middle.Replace('+', '-').Replace('/', '_')
    }
}

function Find-SecretLeak {
    <#
    .SYNOPSIS
        Returns one line per file (or archive entry) that holds a secret in any form: "<file>: <which>".
        Nothing when every file is clean.
    #>
    param(
        [Parameter(Mandatory)] [AllowEmptyCollection()] [string[]] $Path,
        [Parameter(Mandatory)] [string[]] $Secret,
        # "user:password" strings: found in plaintext or base64 outside the credentials files.
        [string[]] $AuthString = @(),
        [string[]] $CredentialFile = @()
    )
    $everyForm = @(foreach ($s in @($Secret) + @($AuthString)) { foreach ($form in Get-SecretForm $s) { [pscustomobject]@{ Form = $form; Of = $s } } })
    $plainOnly = @(foreach ($s in $Secret) { [pscustomobject]@{ Form = $s; Of = $s } })
    $credentials = @($CredentialFile | ForEach-Object { [IO.Path]::GetFullPath($_) })
    foreach ($file in $Path) {
        $full = [IO.Path]::GetFullPath($file)
        $bytes = [IO.File]::ReadAllBytes($full)
        if ($bytes.Length -ge 2 -and $bytes[0] -eq 0x1f -and $bytes[1] -eq 0x8b) {
            # A gzip file: its tar entries are searched, each under "<archive>:<entry>".
            $unpacked = Join-Path ([IO.Path]::GetTempPath()) ("secret-search-" + [guid]::NewGuid().ToString('n'))
            $null = New-Item -ItemType Directory -Path $unpacked
            try {
                & tar -xzf $full -C $unpacked 2>&1 | Out-Null
                if ($LASTEXITCODE -ne 0) { "${full}: a gzip file tar cannot unpack"; continue }
                foreach ($entry in Get-ChildItem -LiteralPath $unpacked -Recurse -File -Force) {
                    $name = [IO.Path]::GetRelativePath($unpacked, $entry.FullName)
                    $needles = if ($name -eq '.docker/config.json') { $plainOnly } else { $everyForm }
                    $text = [Text.Encoding]::Latin1.GetString([IO.File]::ReadAllBytes($entry.FullName))
                    foreach ($n in $needles) {
                        if ($text.Contains($n.Form, [StringComparison]::Ordinal)) { "${full}:${name}: holds '$($n.Form)' (a form of a secret)" ; break }
                    }
                }
            }
            finally { Remove-Item -LiteralPath $unpacked -Recurse -Force -ErrorAction Ignore }
            continue
        }
        $needles = if ($full -in $credentials) { $plainOnly } else { $everyForm }
        $text = [Text.Encoding]::Latin1.GetString($bytes)
        foreach ($n in $needles) {
            if ($text.Contains($n.Form, [StringComparison]::Ordinal)) { "${full}: holds '$($n.Form)' (a form of a secret)"; break }
        }
    }
}
