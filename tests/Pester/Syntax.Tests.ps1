<#
    The command lines the help prints must bind. New-DcosCertificate -Acme once refused
    -DnsName ("Parameter set cannot be resolved") though its help says everything else is as with
    -AcmeDirectory, and the cluster form -CertificateRequest <request> stopped at "missing mandatory
    parameters: CommonName"; a CSR path, as certbot, step and Posh-ACME take, did not bind at all.
    The last Describe invokes every SYNTAX form of every cmdlet with made-up values, so the next form
    the binder cannot resolve is found here and not by an operator.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force

    # The binder's own refusals: the command line never reached the cmdlet. A steppable pipeline
    # hands them back wrapped (MethodInvocationException), so the whole chain is looked at.
    function Test-BindingError([System.Management.Automation.ErrorRecord] $Record) {
        if ($Record.FullyQualifiedErrorId -match '^(AmbiguousParameterSet|MissingMandatoryParameter|NamedParameterNotFound|PositionalParameterNotFound|ParameterArgument\w+Error|CannotConvertArgument\w*|MissingArgument)\b') { return $true }
        for ($e = $Record.Exception; $e; $e = $e.InnerException) {
            if ($e -is [System.Management.Automation.ParameterBindingException]) { return $true }
        }
        $false
    }

    # Runs a command and returns what it output and every error it raised, terminating or not: the
    # errors are collected (2>&1), not shown, so a post-binding refusal does not end the test.
    function Invoke-Collecting([scriptblock] $Collected) {
        $ErrorActionPreference = 'Continue'
        $errors = [System.Collections.Generic.List[System.Management.Automation.ErrorRecord]]::new()
        $output = [System.Collections.Generic.List[object]]::new()
        try {
            foreach ($item in & $Collected 2>&1) {
                if ($item -is [System.Management.Automation.ErrorRecord]) { $errors.Add($item) } else { $output.Add($item) }
            }
        }
        catch {
            $errors.Add($_)
        }
        [pscustomobject]@{ Output = $output; Errors = $errors }
    }

    # SHA-256 of a certificate's SubjectPublicKeyInfo, as DcosCertificateRequest.PublicKeySha256.
    function Get-KeyHash($Certificate) {
        [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData($Certificate.Certificate.PublicKey.ExportSubjectPublicKeyInfo()))
    }
}

Describe 'New-DcosCertificate -Acme takes what -AcmeDirectory takes' -Tag Syntax, AcmeNamedSyntax {
    BeforeAll {
        $secret = ConvertTo-SecureString 'c2VjcmV0LXRzaWcta2V5LWZvci10ZXN0cw==' -AsPlainText -Force
        $command = Get-Command New-DcosCertificate
        function Get-SetParameters([string] $Set) {
            @($command.ParameterSets | Where-Object Name -EQ $Set | ForEach-Object { $_.Parameters.Name } | Sort-Object)
        }
    }

    It 'the -Acme forms have the parameters of the -AcmeDirectory forms, -Acme in place of -AcmeDirectory' {
        foreach ($pair in @(@('Acme', 'AcmeNamed'), @('RequestAcme', 'RequestAcmeNamed'))) {
            $directory = @(Get-SetParameters $pair[0] | ForEach-Object { if ($_ -eq 'AcmeDirectory') { 'Acme' } else { $_ } } | Sort-Object)
            Get-SetParameters $pair[1] | Should -Be $directory -Because "the $($pair[1]) form is the $($pair[0]) form with a CA by name"
        }
    }

    It 'binds -DnsName, -IPAddress, -KeyAlgorithm, -KeySize and -SkipIfValid with -Acme, and -WhatIf emits nothing and asks no server' {
        $account = Join-Path $TestDrive 'acme-account'
        # .invalid never resolves (RFC 6761): a DNS server name looked up under -WhatIf would be an error here.
        $run = Invoke-Collecting {
            New-DcosCertificate -Acme LetsEncryptStaging -CommonName repo.example.com -DnsName www.example.com -DnsServer ns1.example.invalid `
                -TsigKeyName update-key -TsigSecret $secret -KeyAlgorithm RSA -KeySize 3072 -SkipIfValid (Join-Path $TestDrive 'repo.crt') `
                -AccountPath $account -WhatIf
        }
        $run.Errors | ForEach-Object { "$($_.FullyQualifiedErrorId): $_" } | Should -BeNullOrEmpty
        $run.Output | Should -BeNullOrEmpty
        $account | Should -Not -Exist -Because 'no account is made under -WhatIf'
        $run = Invoke-Collecting { New-DcosCertificate -Acme LetsEncrypt -CommonName repo.example.com -IPAddress 192.0.2.1 -HttpPort 8080 -AccountPath $account -WhatIf }
        $run.Errors | ForEach-Object { "$($_.FullyQualifiedErrorId): $_" } | Should -BeNullOrEmpty
        $run.Output | Should -BeNullOrEmpty
    }
}

Describe 'New-DcosCertificate -CertificateRequest by parameter, and as a path' -Tag Syntax, RequestParameter {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'SshAgents.ps1')
        $started = [System.Collections.Generic.List[int]]::new()
        # Start-Process joins its arguments into one string; these keep each argument whole.
        function Start-Native([string] $File, [string[]] $Arguments) {
            $start = [System.Diagnostics.ProcessStartInfo]::new($File)
            foreach ($argument in $Arguments) { $start.ArgumentList.Add($argument) }
            $start.UseShellExecute = $false
            $process = [System.Diagnostics.Process]::Start($start)
            $started.Add($process.Id)
            $process
        }

        # The DC/OS CA: a real cfssl serve behind the master stand-in's /ca/api/v2, as in FleetScenario.Tests.ps1.
        . (Join-Path $PSScriptRoot 'ClusterCaPeer.ps1')
        $clusterCaPeer = Start-TestClusterCa -Folder (Join-Path $TestDrive 'cfssl') -CommonName 'Syntax Cluster CA'
        $cfssl = $clusterCaPeer.Process
        $started.Add($cfssl.Id)
        $cfsslPort = $clusterCaPeer.Port
        $cfsslDir = $clusterCaPeer.Folder
        $clusterCa = Import-DcosCertificate -Path (Join-Path $cfsslDir 'ca.pem')
        $token = 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.' +
            [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes((@{ uid = 'operator'; exp = [DateTimeOffset]::UtcNow.AddHours(1).ToUnixTimeSeconds() } | ConvertTo-Json -Compress))).TrimEnd('=').Replace('+', '-').Replace('/', '_') +
            '.c2lnbmF0dXJlLW9mLXRoZS1zeW50YXgtc3RhbmQtaW4'
        $agentList = Join-Path $TestDrive 'agents.json'
        Set-Content $agentList '[]'
        $portFile = Join-Path $TestDrive 'master.port'
        $tokenFile = Join-Path $TestDrive 'master.token'
        Set-Content -LiteralPath $tokenFile -Value $token
        $master = Start-Native python3 @((Join-Path $PSScriptRoot 'MesosMaster.py'), $portFile, $agentList, $tokenFile, "http://127.0.0.1:$cfsslPort")
        $deadline = [datetime]::UtcNow.AddSeconds(20)
        while (-not (Test-Path $portFile)) { if ([datetime]::UtcNow -gt $deadline -or $master.HasExited) { throw 'the master stand-in did not start' }; Start-Sleep -Milliseconds 100 }
        $password = ConvertTo-SecureString 'operator-pw' -AsPlainText -Force
        $session = Connect-DcosCluster -Uri "http://127.0.0.1:$(Get-Content $portFile)" -Credential ([pscredential]::new('operator', $password)) -AllowUnencryptedAuthentication -WarningAction SilentlyContinue

        $request = New-DcosCertificateRequest -CommonName appliance.internal -DnsName appliance.internal -KeyAlgorithm ECDSA
        $folder = Join-Path $TestDrive 'requests'
        $null = New-Item -ItemType Directory -Path $folder
        $request | Export-DcosCertificateRequest -Path (Join-Path $folder 'appliance.csr') -NoKey
        Set-Content -LiteralPath (Join-Path $folder 'garbage.csr') -Value 'not a certificate request'
        $localCa = New-TlsCertificateAuthority -CommonName 'Syntax Local CA' -KeyAlgorithm ECDSA
    }
    AfterAll {
        foreach ($id in $started) { Stop-Process -Id $id -Force -ErrorAction Ignore }
    }

    It 'signs a request object given by -CertificateRequest through the DC/OS CA (the cluster form the help prints)' {
        $issued = New-DcosCertificate -CertificateRequest $request -Session $session -Profile server -ErrorAction Stop
        $issued.CommonName | Should -Be 'appliance.internal'
        (Get-KeyHash $issued) | Should -Be $request.PublicKeySha256
        $issued.Issuer | Should -Be $clusterCa.Subject
    }

    It 'signs a request file given by path, relative to the pwsh location, as a string or a FileInfo' {
        Push-Location $folder
        try {
            $byPath = New-DcosCertificate -CertificateRequest ./appliance.csr -Session $session -ErrorAction Stop
            $byFile = New-DcosCertificate -CertificateRequest (Get-Item ./appliance.csr) -Issuer $localCa -ErrorAction Stop
        }
        finally { Pop-Location }
        (Get-KeyHash $byPath) | Should -Be $request.PublicKeySha256
        $byPath.Issuer | Should -Be $clusterCa.Subject
        $byPath.HasPrivateKey | Should -BeFalse -Because 'the file holds no key'
        (Get-KeyHash $byFile) | Should -Be $request.PublicKeySha256
        $byFile.Issuer | Should -Be $localCa.Subject
    }

    It 'gives a file it cannot read the error id Import-DcosCertificateRequest gives (<File>)' -ForEach @(
        @{ File = 'missing.csr' }, @{ File = 'garbage.csr' }
    ) {
        Push-Location $folder
        try {
            $null = Import-DcosCertificateRequest -Path "./$File" -ErrorAction SilentlyContinue -ErrorVariable imported
            $run = Invoke-Collecting { New-DcosCertificate -CertificateRequest "./$File" -Session $session }
        }
        finally { Pop-Location }
        $run.Output | Should -BeNullOrEmpty
        $run.Errors.Count | Should -Be 1
        $id = $imported[0].FullyQualifiedErrorId.Split(',')[0]
        $run.Errors[0].FullyQualifiedErrorId | Should -Be "$id,DcosTls.Cmdlets.NewDcosCertificateCommand"
        $run.Errors[0].Exception.Message | Should -BeLike "*$(Join-Path $folder $File)*"
    }

    It 'still takes piped requests by value and piped rows and names by property name' {
        $piped = $request | New-DcosCertificate -Session $session -ErrorAction Stop
        (Get-KeyHash $piped) | Should -Be $request.PublicKeySha256
        $piped.Issuer | Should -Be $clusterCa.Subject
        ($request | New-DcosCertificate -Issuer $localCa -ErrorAction Stop).Issuer | Should -Be $localCa.Subject
        $row = [pscustomobject]@{ CommonName = 'row.internal'; DnsName = 'row.internal', 'alias.internal' } | New-DcosCertificate -Issuer $localCa -KeyAlgorithm ECDSA -ErrorAction Stop
        $row.CommonName | Should -Be 'row.internal'
        @($row.DnsNames) | Should -Be @('row.internal', 'alias.internal')
        ('plain.internal' | New-DcosCertificate -Issuer $localCa -KeyAlgorithm ECDSA -ErrorAction Stop).CommonName | Should -Be 'plain.internal'
        ('cluster.internal' | New-DcosCertificate -Session $session -KeyAlgorithm ECDSA -ErrorAction Stop).Issuer | Should -Be $clusterCa.Subject
    }
}

Describe 'Every SYNTAX form of every cmdlet binds' -Tag Syntax, EverySyntax {
    BeforeDiscovery {
        Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
        $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
        $forms = [System.Collections.Generic.List[hashtable]]::new()
        foreach ($command in Get-Command -Module DcosTls -CommandType Cmdlet | Sort-Object Name) {
            # A parameter whose help says it is given "instead of -X" (one parameter) can stand in
            # for -X in every form that has -X: New-DcosCertificate -Acme instead of -AcmeDirectory.
            $standIns = @{}
            foreach ($p in (Get-Help $command.Name -Full).parameters.parameter) {
                $text = ($p.description | ForEach-Object Text) -join ' '
                if ($text -match 'instead of -(\w+)\b(?!\s+and\s+-)') { $standIns[$p.name] = $Matches[1] }
            }
            foreach ($set in $command.ParameterSets) {
                $names = @($set.Parameters | Where-Object Name -NotIn $common | ForEach-Object Name)
                $mandatory = @($set.Parameters | Where-Object { $_.IsMandatory -and $_.Name -notin $common } | ForEach-Object Name)
                $forms.Add(@{ Command = $command.Name; Form = $set.Name; Shape = 'mandatory only'; Names = $mandatory })
                $forms.Add(@{ Command = $command.Name; Form = $set.Name; Shape = 'every parameter'; Names = $names })
                foreach ($standIn in $standIns.Keys) {
                    $for = $standIns[$standIn]
                    if ($for -in $names -and $standIn -notin $names) {
                        $swapped = @($names | ForEach-Object { if ($_ -eq $for) { $standIn } else { $_ } })
                        $forms.Add(@{ Command = $command.Name; Form = $set.Name; Shape = "every parameter, -$standIn instead of -$for"; Names = $swapped })
                    }
                }
            }
        }
    }

    BeforeAll {
        $password = ConvertTo-SecureString 'not-a-real-password' -AsPlainText -Force
        $credential = [pscredential]::new('syntax', $password)
        $ca = New-TlsCertificateAuthority -CommonName 'Syntax CA' -KeyAlgorithm ECDSA
        $leaf = New-DcosCertificate -Issuer $ca -CommonName syntax.internal -KeyAlgorithm ECDSA
        $request = New-DcosCertificateRequest -CommonName syntax.internal -KeyAlgorithm ECDSA
        $login = New-DockerAuthConfig -Registry 127.0.0.1:1 -Credential $credential
        # An inventory row (Export-DcosTlsMetric takes them): the CA installed as trust on a staging root.
        $rowRoot = Join-Path $TestDrive 'rows'
        $ca | Install-DockerRegistryTrust -Registry 127.0.0.1:1 -Root $rowRoot -Confirm:$false
        $row = @(Get-DcosTlsCertificate -Root $rowRoot)[0]

        . (Join-Path $PSScriptRoot 'PlausibleValue.ps1')
    }

    It '<Command> <Form> (<Shape>) resolves its parameter set' -ForEach $forms {
        $metadata = (Get-Command $Command).Parameters
        $arguments = @{}
        foreach ($name in $Names) {
            # A session needs a cluster; without one the cluster forms stop after binding (NoDcosSession).
            if ($metadata[$name].ParameterType.Name -eq 'DcosSession') { continue }
            $arguments[$name] = New-PlausibleValue $metadata[$name]
        }
        # Binding happens in Begin. Begin($false) says no pipeline input is coming, so a missing
        # mandatory parameter is refused there, as on a command line. A cmdlet with -WhatIf then runs
        # under it; one without is not run (Connect-DcosCluster would retry a refused port for seconds,
        # Test-* would probe): only its binding is under test.
        $whatIf = $metadata.ContainsKey('WhatIf')
        if ($whatIf) { $arguments['WhatIf'] = $true }
        $run = Invoke-Collecting {
            $pipeline = { & $Command @arguments }.GetSteppablePipeline()
            try {
                $pipeline.Begin($false)
                if ($whatIf) { $pipeline.End() }
            }
            finally { $pipeline.Dispose() }
        }
        $binding = @($run.Errors | Where-Object { Test-BindingError $_ } | ForEach-Object { "$($_.FullyQualifiedErrorId): $($_.Exception.Message)" })
        $binding | Should -BeNullOrEmpty -Because "$Command $(($arguments.Keys | Sort-Object | ForEach-Object { "-$_" }) -join ' ') is a command line its help prints"
    }
}
