<#
    A DNS-01 order that is stopped takes its TXT record away: Ctrl+C (StopProcessing, here through
    PowerShell.Stop in another runspace) deletes it within a bound, and a record left by a process killed
    with SIGKILL is removed by the next order. pebble validates after 0-15 s here, as a real CA takes its
    time, so the record is in the zone long enough to stop the order while it is.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    . (Join-Path $PSScriptRoot 'AcmePeers.ps1')
    $bed = Start-AcmeTestBed -Path (Join-Path $TestDrive 'bed') -SlowValidation
    $account = Join-Path $TestDrive 'account'
    $order = @{
        AcmeDirectory = $bed.Directory; CaCertificatePath = $bed.TlsCa; AccountPath = $account; AcceptTermsOfService = $true
        DnsServer = "127.0.0.1:$($bed.DnsPort)"; TsigKeyFile = $bed.TsigKeyFile
    }
    function Get-ChallengeTxt([string] $Name) {
        # Throws when named does not answer, so an empty answer means the record is gone.
        @(Get-AcmeZoneTxt $bed "_acme-challenge.$Name")
    }
    # Waits until the order's TXT record is in the zone; false when the order ended first.
    function Wait-ChallengeTxt([string] $Name, [scriptblock] $Running) {
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while ([DateTime]::UtcNow -lt $deadline -and (& $Running)) {
            if (Get-ChallengeTxt $Name) { return $true }
            Start-Sleep -Milliseconds 50
        }
        $false
    }
}

AfterAll {
    if ($bed) { Stop-AcmeTestBed $bed }
}

Describe 'Stopping a DNS-01 order' -Tag Acme, AcmeStop, Heavy {
    It 'Ctrl+C deletes the published TXT record within seconds' {
        $module = Join-Path $PSScriptRoot '../../DcosTls.psd1'
        $seen = $false
        # pebble may validate at once (its wait is random): then the order ends before it can be stopped; try again.
        for ($round = 1; $round -le 4 -and -not $seen; $round++) {
            $ps = [powershell]::Create()
            $null = $ps.AddScript({ param($module, $order) Import-Module $module; New-DcosCertificate @order -CommonName stop.acme.test }).
                AddArgument($module).AddArgument($order)
            $running = $ps.BeginInvoke()
            $seen = Wait-ChallengeTxt 'stop.acme.test' { -not $running.IsCompleted }
            if ($seen) {
                $clock = [System.Diagnostics.Stopwatch]::StartNew()
                $ps.Stop()
                $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
                $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            }
            else { $null = $ps.EndInvoke($running) }
            $ps.Dispose()
        }
        $seen | Should -BeTrue -Because 'the order was stopped while its record was in the zone'
        Get-ChallengeTxt 'stop.acme.test' | Should -BeNullOrEmpty
        @(Get-ChildItem (Join-Path $account 'dns-01') -ErrorAction Ignore) | Should -BeNullOrEmpty
    }

    It 'Ctrl+C during an HTTP-01 order removes the -WebRoot challenge file' {
        $webRoot = Join-Path $TestDrive 'www'
        $null = New-Item -ItemType Directory $webRoot
        $module = Join-Path $PSScriptRoot '../../DcosTls.psd1'
        $http = @{ AcmeDirectory = $bed.Directory; CaCertificatePath = $bed.TlsCa; AccountPath = $account; WebRoot = $webRoot }
        $seen = $false
        for ($round = 1; $round -le 4 -and -not $seen; $round++) {
            $ps = [powershell]::Create()
            $null = $ps.AddScript({ param($module, $http) Import-Module $module; New-DcosCertificate @http -CommonName web.acme.test }).
                AddArgument($module).AddArgument($http)
            $running = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while (-not $seen -and -not $running.IsCompleted -and [DateTime]::UtcNow -lt $deadline) {
                $seen = @(Get-ChildItem (Join-Path $webRoot '.well-known/acme-challenge') -File -ErrorAction Ignore).Count -gt 0
                if (-not $seen) { Start-Sleep -Milliseconds 20 }
            }
            if ($seen) { $ps.Stop() } else { $null = $ps.EndInvoke($running) }
            $ps.Dispose()
        }
        $seen | Should -BeTrue -Because 'the order was stopped while its challenge file was published'
        @(Get-ChildItem -Recurse -Force $webRoot) | Should -BeNullOrEmpty
    }

    It 'a record left by a killed order is removed by the next order' {
        $script = Join-Path $TestDrive 'order.ps1'
        $module = Join-Path $PSScriptRoot '../../DcosTls.psd1'
        Set-Content -LiteralPath $script -Value @"
Import-Module '$module'
New-DcosCertificate -AcmeDirectory '$($order.AcmeDirectory)' -CaCertificatePath '$($order.CaCertificatePath)' -AccountPath '$account' -AcceptTermsOfService -DnsServer '$($order.DnsServer)' -TsigKeyFile '$($order.TsigKeyFile)' -CommonName killed.acme.test
"@
        $seen = $false
        for ($round = 1; $round -le 4 -and -not $seen; $round++) {
            $child = Start-Process -FilePath ([Environment]::ProcessPath) -PassThru -RedirectStandardOutput (Join-Path $TestDrive "child-$round.out") `
                -ArgumentList @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', $script)
            Register-AcmeTestProcess $child
            $seen = Wait-ChallengeTxt 'killed.acme.test' { -not $child.HasExited }
            if (-not $child.HasExited) { $child.Kill(); $child.WaitForExit(5000) | Out-Null }
        }
        $seen | Should -BeTrue -Because 'the order was killed while its record was in the zone'
        $left = Get-ChallengeTxt 'killed.acme.test'
        $left | Should -Not -BeNullOrEmpty -Because 'SIGKILL leaves no chance to delete it'

        $cert = New-DcosCertificate @order -CommonName killed.acme.test -Verbose 4>&1 | Tee-Object -Variable lines | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        $cert.CommonName | Should -Be 'killed.acme.test'
        @($lines | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and "$_" -match 'left by an order that did not finish' }) | Should -Not -BeNullOrEmpty
        Get-ChallengeTxt 'killed.acme.test' | Should -BeNullOrEmpty
        @(Get-ChildItem (Join-Path $account 'dns-01') -ErrorAction Ignore) | Should -BeNullOrEmpty
    }
}
