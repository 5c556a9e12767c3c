<#
    Two or more runs at once lose nothing: four pwsh processes change one staging root together,
    round after round, and the end state is exact. Each round starts all four at the same moment
    (a go file they wait for), so their read-modify-write steps overlap.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    $manifest = (Resolve-Path (Join-Path $PSScriptRoot '../../DcosTls.psd1')).Path
    $pwshDll = Join-Path $PSHOME 'pwsh.dll'
    $dotnet = [Environment]::ProcessPath
    $Workers = 4
    $Rounds = 10

    # Starts $Workers pwsh processes running $Body for each round ($Worker, $Round, $Root given),
    # releases each round at once and waits for every worker to finish it.
    function Invoke-Rounds([string] $Folder, [string] $Body) {
        $script = @"
param([int] `$Worker, [string] `$Folder, [int] `$Rounds)
`$ErrorActionPreference = 'Stop'
Import-Module '$manifest'
for (`$Round = 1; `$Round -le `$Rounds; `$Round++) {
    while (-not (Test-Path "`$Folder/go-`$Round")) { Start-Sleep -Milliseconds 5 }
    `$Root = Join-Path `$Folder "root-`$Round"
    `$start = [DateTime]::UtcNow.Ticks
    try { $Body; `$end = [DateTime]::UtcNow.Ticks; 'ok' | Set-Content "`$Folder/done-`$Round-`$Worker" }
    catch { `$end = [DateTime]::UtcNow.Ticks; "`$(`$_.FullyQualifiedErrorId): `$_" | Set-Content "`$Folder/done-`$Round-`$Worker" }
    "`$start `$end" | Set-Content "`$Folder/span-`$Round-`$Worker"
}
"@
        Set-Content -Path "$Folder/worker.ps1" -Value $script
        $processes = 1..$Workers | ForEach-Object {
            Start-Process -FilePath $dotnet -ArgumentList @($pwshDll, '-NoProfile', '-NonInteractive', '-File',
                "$Folder/worker.ps1", $_, $Folder, $Rounds) -PassThru -RedirectStandardError "$Folder/worker-$_.err"
        }
        try {
            for ($round = 1; $round -le $Rounds; $round++) {
                $null = New-Item -ItemType Directory -Path "$Folder/root-$round"
                $null = New-Item -ItemType File -Path "$Folder/go-$round"
                $deadline = [DateTime]::UtcNow.AddSeconds(120)
                while (@(Get-ChildItem "$Folder/done-$round-*").Count -lt $Workers) {
                    if ([DateTime]::UtcNow -gt $deadline) { throw "round $round did not finish: $(Get-Content "$Folder/worker-*.err" -Raw)" }
                    Start-Sleep -Milliseconds 20
                }
            }
        }
        finally {
            $processes | ForEach-Object { if (-not $_.WaitForExit(30000)) { $_.Kill($true) } }
        }
        # Every worker reports ok for every round, or the error it met.
        Get-ChildItem "$Folder/done-*" | ForEach-Object { "$($_.Name): $((Get-Content $_ -Raw).Trim())" } |
            Where-Object { $_ -notmatch ': ok$' }
    }

    # The rounds in which the runs of two workers or more overlapped (one started before the other
    # ended and ended after the other started): done one after another, no round would.
    function Get-OverlappedRound([string] $Folder) {
        foreach ($round in 1..$Rounds) {
            $spans = @(1..$Workers | ForEach-Object {
                    $ticks = (Get-Content "$Folder/span-$round-$_" -Raw).Trim() -split ' '
                    [pscustomobject]@{ Start = [long] $ticks[0]; End = [long] $ticks[1] } })
            $pairs = 0
            for ($i = 0; $i -lt $spans.Count; $i++) {
                for ($j = $i + 1; $j -lt $spans.Count; $j++) {
                    if ($spans[$i].Start -lt $spans[$j].End -and $spans[$j].Start -lt $spans[$i].End) { $pairs++ }
                }
            }
            if ($pairs) { $round }
        }
    }
}

Describe 'Parallel runs on one agent' -Tag Concurrency, Heavy {
    It 'installs 8 CAs with one subject name from 4 processes, 10 rounds: every CA gets its own hash link' {
        $folder = Join-Path $TestDrive 'trust'
        $null = New-Item -ItemType Directory $folder
        # Eight CAs that share a subject name (so one hash) but not a key; a leaf from each.
        foreach ($i in 0..7) {
            $ca = New-TlsCertificateAuthority -CommonName 'Shared Name CA' -KeyAlgorithm ECDSA
            $ca | Export-DcosCertificate -Path "$folder/ca-$i.crt"
            New-DcosCertificate -Issuer $ca -CommonName "leaf$i.internal" -KeyAlgorithm ECDSA | Export-DcosCertificate -Path "$folder/leaf-$i.crt"
        }
        $failures = Invoke-Rounds $folder @'
$w = $Worker - 1
foreach ($i in ($w * 2), ($w * 2 + 1)) {
    $null = Import-DcosCertificate -Path "$Folder/ca-$i.crt" | Install-DockerRegistryTrust -Registry repo.internal:5000 -Root $Root
}
'@
        $failures | Should -BeNullOrEmpty
        # The workers ran at the same time in at least half the rounds: the race was really run.
        @(Get-OverlappedRound $folder).Count | Should -BeGreaterOrEqual ($Rounds / 2) -Because 'the workers must run at the same time, not one after another'
        $hash = (& openssl x509 -noout -subject_hash -in "$folder/ca-0.crt").Trim()
        foreach ($round in 1..$Rounds) {
            $mesos = "$folder/root-$round/var/lib/dcos/pki/tls/certs"
            $links = @(Get-ChildItem $mesos | Where-Object LinkType -eq 'SymbolicLink' | Sort-Object Name)
            $links.Name | Should -Be @(0..7 | ForEach-Object { "$hash.$_" }) -Because "round $round must link every CA once"
            @(Get-ChildItem $mesos -Filter *.crt).Count | Should -Be 8 -Because "round $round"
            @(Get-ChildItem "$folder/root-$round/etc/docker/certs.d/repo.internal:5000" -Filter *.crt).Count | Should -Be 8 -Because "round $round"
            foreach ($i in 0..7) {
                $verdict = & openssl verify -no-CAfile -no-CAstore -CApath $mesos "$folder/leaf-$i.crt" 2>&1
                "$verdict" | Should -Match ': OK$' -Because "round $round, CA $i must be found through its hash link"
            }
        }
    }

    It 'merges 4 registries into one credentials file from 4 processes, 10 rounds: every login survives' {
        $folder = Join-Path $TestDrive 'credentials'
        $null = New-Item -ItemType Directory $folder
        $failures = Invoke-Rounds $folder @'
$password = ConvertTo-SecureString "pw-$Worker-example" -AsPlainText -Force
$login = [pscredential]::new("user$Worker", $password)
$null = New-DockerAuthConfig -Registry "registry$Worker.internal:5000" -Credential $login | Set-MesosDockerConfig -Root $Root
'@
        $failures | Should -BeNullOrEmpty
        @(Get-OverlappedRound $folder).Count | Should -BeGreaterOrEqual ($Rounds / 2) -Because 'the workers must run at the same time, not one after another'
        foreach ($round in 1..$Rounds) {
            $root = "$folder/root-$round"
            $logins = @(Import-DockerAuthConfig -Path "$root/var/lib/dcos/docker_credentials")
            ($logins.Registry | Sort-Object) | Should -Be @(1..4 | ForEach-Object { "registry$_.internal:5000" }) -Because "round $round must keep every login"
            @(Get-Content "$root/var/lib/dcos/mesos-slave-common" | Where-Object { $_ -like 'MESOS_DOCKER_CONFIG=*' }).Count | Should -Be 1
        }
    }
}
