<#
    What an operator sees and exports, in real pwsh: every default view at 80 and 160 columns,
    Thumbprint as pwsh means it (SHA-1), and ConvertTo-Json / Export-Csv of every output type.
#>
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    # Every module type a format file has a view for, and every module type a cmdlet says it outputs.
    $viewTypes = @((Get-Module DcosTls).ExportedFormatFiles | ForEach-Object {
            ([xml](Get-Content -Raw $_)).Configuration.ViewDefinitions.View.ViewSelectedBy.TypeName
        } | Where-Object { $_ -notlike 'Deserialized.*' } | Sort-Object -Unique)
    $outputTypes = @(Get-Command -Module DcosTls | ForEach-Object { $_.OutputType.Name } |
            Where-Object { $_ -like 'DcosTls.*' } | Sort-Object -Unique)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    $rendering = $PSStyle.OutputRendering
    $PSStyle.OutputRendering = 'PlainText'

    $password = 'Views-Pa55word-4f1d'
    $credential = [pscredential]::new('deployer', (ConvertTo-SecureString $password -AsPlainText -Force))
    $shortRegistry = 'repo.internal:5000'
    # A registry name DC/OS really gives (a Marathon L4LB VIP): longer than any fixed column.
    $longRegistry = 'registry.marathon.l4lb.thisdcos.directory:5000'
    $root = Join-Path $TestDrive 'agent'

    $ca = New-TlsCertificateAuthority -CommonName 'Views Root CA' -KeyAlgorithm ECDSA
    $leaf = New-DcosCertificate -Issuer $ca -CommonName repo.internal -DnsName repo.internal, registry.example.internal -IPAddress 10.10.0.200 -KeyAlgorithm ECDSA
    $client = New-DcosCertificate -Issuer $ca -CommonName operator -Usage Client -KeyAlgorithm ECDSA
    $longCa = New-TlsCertificateAuthority -CommonName 'Views Second Root Certificate Authority For The Registry Fleet' -KeyAlgorithm ECDSA
    $leaf | Export-DcosCertificate -Path (Join-Path $TestDrive 'leaf.crt')
    $ca | Export-DcosCertificate -Path (Join-Path $TestDrive 'ca.crt') -NoKey
    # The private key's PEM body: no JSON or CSV may carry any line of it.
    $keyLines = @(Get-Content (Join-Path $TestDrive 'leaf.key') | Where-Object { $_ -and $_ -notlike '-----*' })
    $authString = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("deployer:$password"))

    $installed = @($ca | Install-DockerRegistryTrust -Registry $shortRegistry, $longRegistry -Root $root)
    $null = $longCa | Install-DockerRegistryTrust -Registry $shortRegistry -Root $root
    $removed = @($longCa | Uninstall-DockerRegistryTrust -Registry $shortRegistry -Root $root)
    $listed = @(Get-DockerRegistryTrust -Root $root)
    $credentials = @(New-DockerAuthConfig -Registry $shortRegistry, $longRegistry -Credential $credential)
    $app = New-MarathonRegistryApp

    # Sessions and pull secrets come from a cluster, which this tier has not got: make the module's
    # own objects through their internal constructors (a session pinned to $ca, holding a token).
    function New-ModuleObject([string] $TypeName, [object[]] $Arguments) {
        $type = [DcosTls.Certificates.DcosCertificate].Assembly.GetType($TypeName, $true)
        $constructor = $type.GetConstructors([Reflection.BindingFlags]'NonPublic, Instance') | Select-Object -First 1
        $parameters = $constructor.GetParameters()
        $values = [object[]]::new($parameters.Count)
        for ($i = 0; $i -lt $values.Count; $i++) {
            $values[$i] = [Management.Automation.LanguagePrimitives]::ConvertTo($Arguments[$i], $parameters[$i].ParameterType)
        }
        $constructor.Invoke($values)
    }
    # Result objects whose properties are set once, inside the module (internal init).
    function New-ModuleRecord([string] $TypeName, [hashtable] $Properties) {
        $type = [DcosTls.Certificates.DcosCertificate].Assembly.GetType($TypeName, $true)
        $record = [Activator]::CreateInstance($type, $true)
        foreach ($name in $Properties.Keys) {
            $property = $type.GetProperty($name)
            $property.SetValue($record, [Management.Automation.LanguagePrimitives]::ConvertTo($Properties[$name], $property.PropertyType))
        }
        $record
    }
    $token = 'eyJhbGciOiJSUzI1NiJ9.views-token-body.views-token-signature'
    $tls = New-ModuleObject 'DcosTls.Session.TlsPolicy' @($ca.Certificate, $false)
    $session = New-ModuleObject 'DcosTls.Session.DcosSession' @([uri]'https://master.mycluster.example.com/', 'dcos-operator', 'Password', $tls, $null)
    [securestring] $secureToken = ConvertTo-SecureString $token -AsPlainText -Force
    $session.GetType().GetMethod('SetToken', [Reflection.BindingFlags]'NonPublic, Instance').Invoke($session,
        [object[]]@($secureToken, [datetime]::UtcNow.AddHours(1)))

    $agentAttributes = [Collections.Generic.Dictionary[string, string]]::new()
    $agentAttributes['public_ip'] = 'true'

    # One sample per type: the objects, the header labels of its table (none for list and custom
    # views), the values that must show whole at 80 columns, and those that must show whole at 160.
    $samples = @{
        'DcosTls.Acme.AcmeAccount'                     = @{
            Objects = @([pscustomobject]@{ PSTypeName = 'Deserialized.DcosTls.Acme.AcmeAccount'; Status = 'valid'; Contact = 'ops@example.com'; Url = 'https://acme-v02.api.letsencrypt.org/acme/acct/1234567890'; AcmeDirectory = 'https://acme-v02.api.letsencrypt.org/directory'; KeyPath = '/root/.config/DcosTls/acme/acme-v02.api.letsencrypt.org/account.key' }); Headers = 'Status', 'Contact', 'Url'
            Whole80 = @('valid', 'ops@example.com'); Whole160 = @('https://acme-v02.api.letsencrypt.org/acme/acct/1234567890')
        }
        'DcosTls.Requests.DcosCertificateRequest'      = @{
            Objects = @(New-DcosCertificateRequest -CommonName repo.internal -DnsName repo.internal -KeyAlgorithm ECDSA); Headers = 'Key', 'HasPrivateKey', 'NameCount', 'CommonName'
            Whole80 = @('ECDSA 256', 'repo.internal'); Whole160 = @()
        }
        'DcosTls.Certificates.DcosCertificate'         = @{
            Objects = @($ca, $leaf, $longCa); Headers = 'Thumbprint', 'Kind', 'DaysLeft', 'CommonName'
            Whole80 = @($ca.Thumbprint, $leaf.Thumbprint, $longCa.Thumbprint, 'Views Root CA', 'repo.internal')
            Whole160 = @($longCa.CommonName)
        }
        'DcosTls.Trust.RegistryTrustResult'            = @{
            Objects = $installed; Headers = 'Action', 'SubjectHash', 'Name'
            Whole80 = @($installed.Path | Split-Path -Leaf) + $shortRegistry + $longRegistry
            Whole160 = @()
        }
        'DcosTls.Trust.InstalledRegistryTrust'         = @{
            Objects = $listed; Headers = 'Health', 'DaysLeft', 'Links', 'Name'
            Whole80 = @($listed.Path | Split-Path -Leaf) + @($listed.Links) + $shortRegistry + $longRegistry
            Whole160 = @()
        }
        'DcosTls.Trust.RegistryTrustTestResult'        = @{
            Objects = @(Test-DockerRegistryTrust -Registry 'nothing.internal:5000' -Root $root -Detailed); Headers = 'Trusted', 'Reason', 'Message'
            Whole80 = @('nothing.internal:5000', 'NoInstalledCertificates'); Whole160 = @()
        }
        'DcosTls.Lifecycle.AgentCertificate'           = @{
            Objects = @(Get-DcosTlsCertificate -Root $root); Headers = 'Role', 'Health', 'DaysLeft', 'NotAfter', 'Subject'
            Whole80 = @('CN=Views Root CA', $shortRegistry, $longRegistry); Whole160 = @()
        }
        'DcosTls.DockerDaemon.DockerTlsFile'           = @{
            Objects = @(Set-DockerDaemonTls -Certificate $leaf -CaCertificate $ca -Root $root -PassThru); Headers = 'Role', 'Action', 'Mode', 'Name'
            Whole80 = @('/etc/docker/tls', 'ca.pem', 'server-cert.pem', 'server-key.pem', '/etc/docker', 'daemon.json', 'ServerCertificate')
            Whole160 = @()
        }
        'DcosTls.Lifecycle.CertificateRenewal'         = @{
            Objects = @(Update-DockerDaemonCertificate -Root $root -Issuer $ca -Force -PassThru); Headers = 'Role', 'Renewed', 'DaysLeft', 'NotAfter', 'Subject'
            Whole80 = @('DaemonServer'); Whole160 = @()
        }
        'DcosTls.Lifecycle.DescribedRenewalResult'     = @{
            Objects = @(& { $leaf | Export-DcosCertificate -Path (Join-Path $TestDrive 'described/leaf.crt'); Update-DcosCertificate -Path (Join-Path $TestDrive 'described') -Issuer $ca -Force })
            Headers = 'Renewed', 'Rule', 'NotAfter', 'DaysLeft', 'Name', 'Path'
            Whole80 = @('Force', 'repo.internal'); Whole160 = @()
        }
        'DcosTls.DockerDaemon.DockerDaemonTlsCheck'    = @{
            Objects = @(Test-DockerDaemonTls -Root $root -Detailed); Headers = 'Check', 'Passed', 'Detail'
            Whole80 = @('KeyPermissions', 'ServerChain'); Whole160 = @()
        }
        'DcosTls.DockerDaemon.DockerClientSettings'    = @{
            Objects = @(Install-DockerClientCertificate -Path (Join-Path $TestDrive 'cli') -CaCertificate $ca -Certificate $client -DockerHost tcp://repo.internal:2376)
            Whole80 = @('tcp://repo.internal:2376', (Join-Path $TestDrive 'cli'), 'export DOCKER_TLS_VERIFY=1', 'key.pem 0600'); Whole160 = @()
        }
        'DcosTls.Credentials.DockerRegistryCredential' = @{
            Objects = $credentials; Headers = 'UserName', 'Source', 'Registry'
            Whole80 = @($shortRegistry); Whole160 = @($longRegistry)
        }
        'DcosTls.Credentials.DockerAuthArchive'        = @{
            Objects = @($credentials | New-DockerAuthArchive -Path (Join-Path $TestDrive 'docker.tar.gz'))
            Whole80 = @((Join-Path $TestDrive 'docker.tar.gz'), $shortRegistry); Whole160 = @($longRegistry)
        }
        'DcosTls.Credentials.MesosDockerConfigResult'  = @{
            Objects = @($credentials | Set-MesosDockerConfig -Root $root -PassThru)
            Whole80 = @('/var/lib/dcos/docker_credentials', $shortRegistry); Whole160 = @($longRegistry)
        }
        'DcosTls.Files.WrittenFile'                    = @{
            Objects = @($leaf | Export-DcosCertificate -Path (Join-Path $TestDrive 'written/leaf.crt') -PassThru); Headers = 'Role', 'Action', 'Mode', 'Path'
            Whole80 = @('Certificate', 'PrivateKey', '0600'); Whole160 = @((Join-Path $TestDrive 'written/leaf.crt'), (Join-Path $TestDrive 'written/leaf.key'))
        }
        'DcosTls.Credentials.DcosPullSecret'           = @{
            Objects = @(New-ModuleRecord 'DcosTls.Credentials.DcosPullSecret' @{ SecretPath = 'registry/pull-config'; Action = 'Created'; Registries = [DcosTls.Common.ValueList[string]].GetConstructors([Reflection.BindingFlags]'NonPublic, Instance')[0].Invoke(@([string[]]@($shortRegistry, $longRegistry), ', ')); Cluster = 'https://master.mycluster/'; MarathonApp = '{}' })
            Headers = 'Action', 'SecretPath', 'Registries'; Whole80 = @('registry/pull-config', $shortRegistry); Whole160 = @()
        }
        'DcosTls.Session.DcosSession'                  = @{
            Objects = @($session)
            Headers = 'UserId', 'ExpiresAt', 'Tls', 'ClusterUri'; Whole80 = @('https://master.mycluster.example.com/', 'dcos-operator', 'pinned'); Whole160 = @()
        }
        'DcosTls.Fleet.DcosAgent'                      = @{
            Objects = @(New-ModuleObject 'DcosTls.Fleet.DcosAgent' @('10.0.1.17', '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0-S12', $true, $agentAttributes, '1.10.0', 'slave(1)@10.0.1.17:5051'))
            Headers = 'IsPublic', 'Active', 'AgentId', 'Hostname'; Whole80 = @('10.0.1.17', '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0-S12'); Whole160 = @()
        }
        'DcosTls.Fleet.FleetAgentResult'               = @{
            Objects = @(
                New-ModuleObject 'DcosTls.Fleet.FleetAgentResult' @('10.0.1.17', $true, $true, 'Installed', ([psobject[]]@()), $null, $null)
                New-ModuleObject 'DcosTls.Fleet.FleetAgentResult' @('agent-2.dcos.example', $false, $false, 'NotChecked', ([psobject[]]@()), 'Connect', 'unreachable: Connection refused')
            )
            Headers = 'Succeeded', 'Changed', 'Module', 'Agent', 'Error'; Whole80 = @('10.0.1.17', 'agent-2.dcos.example', 'Installed', 'NotChecked'); Whole160 = @()
        }
        'DcosTls.Marathon.MarathonApp'                 = @{
            Objects = @(New-ModuleRecord 'DcosTls.Marathon.MarathonApp' @{ Id = '/tools/registry.marathon.l4lb.thisdcos.directory'; Instances = 2; TasksRunning = 2; TasksHealthy = 1; Version = '2024-01-01T00:00:00.000Z'; Cluster = 'https://master.mycluster/' })
            Headers = 'Instances', 'TasksRunning', 'Id'; Whole80 = @('/tools/registry.marathon.l4lb.thisdcos.directory'); Whole160 = @()
        }
        'DcosTls.Marathon.MarathonDeployment'          = @{
            Objects = @(New-ModuleRecord 'DcosTls.Marathon.MarathonDeployment' @{ AppId = '/tools/registry'; Action = 'Replaced'; Status = 'Succeeded'; DeploymentId = '5ed4c0c5-9ff8-4a6f-a0cd-f57f59a34b43'; Version = '2024-01-01T00:00:00.000Z' })
            Headers = 'Action', 'Status', 'AppId'; Whole80 = @('/tools/registry', 'Replaced', 'Succeeded'); Whole160 = @()
        }
        'DcosTls.Cluster.DcosSecretInfo'               = @{
            Objects = @(New-ModuleRecord 'DcosTls.Cluster.DcosSecretInfo' @{ Path = 'marathon-lb/service-account-secret'; Kind = 'Text'; Length = 1904; Action = 'Created'; Cluster = 'https://master.mycluster/' })
            Headers = 'Action', 'Kind', 'Length', 'Path'; Whole80 = @('marathon-lb/service-account-secret', 'Created'); Whole160 = @()
        }
        'DcosTls.Cluster.DcosServiceAccount'           = @{
            Objects = @(New-ModuleRecord 'DcosTls.Cluster.DcosServiceAccount' @{ Uid = 'marathon-lb-sa'; Description = 'marathon-lb'; SecretPath = 'marathon-lb/service-account-secret'; LoginEndpoint = 'https://master.mesos/acs/api/v1/auth/login'; PublicKeySha256 = ('AB' * 32); Cluster = 'https://master.mycluster/' })
            Headers = 'Uid', 'SecretPath', 'Description'; Whole80 = @('marathon-lb-sa', 'marathon-lb/service-account-secret'); Whole160 = @()
        }
        'DcosTls.Cluster.DcosPermission'               = @{
            Objects = @(New-ModuleRecord 'DcosTls.Cluster.DcosPermission' @{ Uid = 'marathon-lb-sa'; Resource = 'dcos:service:marathon:marathon:services:/'; Action = 'read'; Change = 'AlreadyGranted' })
            Headers = 'Uid', 'Action', 'Change', 'Resource'; Whole80 = @('marathon-lb-sa', 'dcos:service:marathon:marathon:services:/', 'AlreadyGranted'); Whole160 = @()
        }
        'DcosTls.Cluster.DcosPackageInstall'           = @{
            Objects = @(
                New-ModuleRecord 'DcosTls.Cluster.DcosPackageInstall' @{ PackageName = 'marathon-lb'; PackageVersion = '1.15.0'; AppId = '/shared/mlbint'; Action = 'Installed'; Status = 'Succeeded'; Options = '{"name":"shared/mlbint","haproxy-group":"internal","secret_name":"shared/mlbint/service-account-secret"}'; Cluster = 'https://master.mycluster/' }
                New-ModuleRecord 'DcosTls.Cluster.DcosPackageInstall' @{ PackageName = 'marathon-lb'; PackageVersion = '1.14.0'; AppId = '/platform/edge/marathon-lb-external'; Action = 'AlreadyInstalled'; Status = 'NotNeeded'; Options = '{}'; Cluster = 'https://master.mycluster/' }
            )
            Headers = 'Action', 'Status', 'PackageVersion', 'AppId'; Whole80 = @('AlreadyInstalled', 'NotNeeded', '/platform/edge/marathon-lb-external', '/shared/mlbint'); Whole160 = @()
        }
        'DcosTls.Marathon.MarathonRegistryApp'         = @{
            Objects = @($app)
            Whole80 = @($app.AppDefinition -split "`n") + @($app.MarathonLbOptions -split "`n"); Whole160 = @()
        }
    }

    # What Get-DcosCaCertificate outputs, made here as it makes it (no cluster in this tier): the
    # cluster's root bundle and its signing CA, which are often the same certificate, told apart by Role.
    function New-ClusterCaRow([string] $Role) {
        $row = [psobject]::AsPSObject((Import-DcosCertificate -Path (Join-Path $TestDrive 'ca.crt')))
        $row.PSObject.TypeNames.Insert(0, 'DcosTls.Certificates.DcosCertificate#ClusterCa')
        $row | Add-Member -NotePropertyName Role -NotePropertyValue $Role -PassThru
    }
    $clusterCa = @((New-ClusterCaRow RootBundle), (New-ClusterCaRow SigningCa))
    $samples['DcosTls.Certificates.DcosCertificate#ClusterCa'] = @{
        Objects = $clusterCa; Headers = 'Role', 'Thumbprint', 'DaysLeft', 'CommonName'
        Whole80 = @('RootBundle', 'SigningCa', $ca.Thumbprint, 'Views Root CA'); Whole160 = @()
    }

    # The cells of every table in a rendering, by column: the fragments a wrapped cell is shown in,
    # joined by one space. A value split inside a word comes back with a space in that word.
    function Get-TableCell([string] $Text) {
        $lines = $Text -split "`r?`n"
        $rows = for ($i = 1; $i -lt $lines.Count; $i++) {
            if ($lines[$i] -notmatch '^-+( +-+)*\s*$') { continue }
            $starts = @([regex]::Matches($lines[$i], '-+') | ForEach-Object Index)
            $names = @(for ($k = 0; $k -lt $starts.Count; $k++) {
                $end = if ($k + 1 -lt $starts.Count) { $starts[$k + 1] } else { $lines[$i - 1].Length }
                $lines[$i - 1].Substring($starts[$k], [math]::Max(0, [math]::Min($end, $lines[$i - 1].Length) - $starts[$k])).Trim()
            })
            $row = $null
            for ($j = $i + 1; $j -lt $lines.Count -and $lines[$j].Trim(); $j++) {
                $line = $lines[$j]
                $parts = @(for ($k = 0; $k -lt $starts.Count; $k++) {
                    $end = if ($k + 1 -lt $starts.Count) { $starts[$k + 1] } else { [math]::Max($line.Length, $starts[$k]) }
                    if ($starts[$k] -ge $line.Length) { '' } else { $line.Substring($starts[$k], [math]::Min($end, $line.Length) - $starts[$k]).Trim() }
                })
                # A new row starts where the first column has text; the lines under it continue its cells.
                if ($parts[0] -or -not $row) {
                    if ($row) { $row }
                    $row = [ordered]@{}; foreach ($name in $names) { $row[$name] = [Collections.Generic.List[string]]::new() }
                }
                for ($k = 0; $k -lt $starts.Count; $k++) { if ($parts[$k]) { $row[$names[$k]].Add($parts[$k]) } }
            }
            if ($row) { $row }
        }
        $rows | ForEach-Object {
            $cells = [ordered]@{}
            foreach ($name in $_.Keys) { $cells[$name] = $_[$name] -join ' ' }
            [pscustomobject]$cells
        }
    }

    function Get-TableHeader([string[]] $Lines) {
        # The line above each row of dashes is a header: a wrapped header leaves only a part of it there.
        for ($i = 1; $i -lt $Lines.Count; $i++) {
            if ($Lines[$i] -match '^-+( +-+)*\s*$') { ($Lines[$i - 1].Trim() -split '\s+') -join ' ' }
        }
    }
}

AfterAll {
    $PSStyle.OutputRendering = $rendering
}

Describe 'Default views at 80 and 160 columns' -Tag Views {
    It 'has a sample for <_>, which has a view' -ForEach $viewTypes {
        $samples.Keys | Should -Contain $_
    }

    It '<_> at 80 columns: headers on one line, nothing cut, identifying values whole' -ForEach $viewTypes {
        $sample = $samples[$_]
        $text = $sample.Objects | Out-String -Width 80
        $lines = $text -split "`r?`n"
        foreach ($line in $lines) { $line.TrimEnd().Length | Should -BeLessOrEqual 80 -Because "'$line' is wider than 80" }
        $text | Should -Not -Match '…' -Because 'no value is cut at 80 columns'
        if ($sample.Headers) {
            Get-TableHeader $lines | Sort-Object -Unique | Should -Be ($sample.Headers -join ' ') -Because 'every column fits, its header on one line'
        }
        foreach ($value in $sample.Whole80) {
            $lines | Where-Object { $_.Contains($value) } | Should -Not -BeNullOrEmpty -Because "'$value' shows whole at 80 columns"
        }
    }

    It '<_> at 160 columns: the same columns, long values whole' -ForEach $viewTypes {
        $sample = $samples[$_]
        $text = $sample.Objects | Out-String -Width 160
        $lines = $text -split "`r?`n"
        $text | Should -Not -Match '…'
        if ($sample.Headers) { Get-TableHeader $lines | Sort-Object -Unique | Should -Be ($sample.Headers -join ' ') }
        foreach ($value in $sample.Whole80 + $sample.Whole160) {
            $lines | Where-Object { $_.Contains($value) } | Should -Not -BeNullOrEmpty -Because "'$value' shows whole at 160 columns"
        }
    }

    It 'tells a CA from a leaf in the certificate table' {
        $lines = ($ca, $leaf | Out-String -Width 80) -split "`n"
        $lines | Where-Object { $_.Contains($ca.Thumbprint) } | Should -Match ' CA +\d+ Views Root CA'
        $lines | Where-Object { $_.Contains($leaf.Thumbprint) } | Should -Match ' Leaf +\d+ repo.internal'
    }

    It 'tells the two Mesos rows of an install apart' {
        $mesos = @($installed | Where-Object Target -EQ 'Mesos' | Where-Object Action -EQ 'Created')
        $mesos.Count | Should -Be 2
        $names = @($mesos.Path | Split-Path -Leaf)
        $names[0] | Should -Not -Be $names[1]
        $text = $mesos | Out-String -Width 80
        foreach ($name in $names) { $text | Should -Match ([regex]::Escape($name)) }
    }

    It 'shows the backup of a replaced daemon.json in the list view, not as a table column' {
        $again = @(Set-DockerDaemonTls -Certificate $leaf -CaCertificate $ca -Root $root -Hosts 'unix:///var/run/docker.sock', 'tcp://10.10.0.200:2376' -PassThru)
        $config = $again | Where-Object Role -EQ 'DaemonConfig'
        $config.Backup | Should -Not -BeNullOrEmpty
        ($again | Out-String -Width 80) | Should -Not -Match 'Backup'
        ($config | Format-List | Out-String -Width 80) | Should -Match 'Backup +: '
    }
}

Describe 'Every label a view shows is a property' -Tag ViewLabels {
    It 'names, in every view of every DcosTls format file, a property a user can filter and select on' {
        # The labels of a view: table headers (or, unlabelled, the column's property), list items and
        # the group line. Each must be a .NET property of the type, a member DcosTls.Types.ps1xml gives
        # it, or (for a type name a cmdlet adds, X#Y) a property of what that cmdlet outputs.
        $missing = foreach ($file in (Get-Module DcosTls).ExportedFormatFiles) {
            foreach ($view in ([xml](Get-Content -Raw $file)).Configuration.ViewDefinitions.View) {
                $labels = @(
                    if ($view.TableControl) {
                        $headers = @($view.TableControl.TableHeaders.TableColumnHeader)
                        $items = @($view.TableControl.TableRowEntries.TableRowEntry.TableColumnItems.TableColumnItem)
                        for ($i = 0; $i -lt $headers.Count; $i++) {
                            if ($headers[$i].Label) { $headers[$i].Label } elseif ($items[$i].PropertyName) { $items[$i].PropertyName } else { '(unlabelled script column)' }
                        }
                    }
                    foreach ($item in @($view.ListControl.ListEntries.ListEntry.ListItems.ListItem)) {
                        if (-not $item) { continue }
                        if ($item.Label) { $item.Label } else { $item.PropertyName }
                    }
                    if ($view.GroupBy) { if ($view.GroupBy.Label) { $view.GroupBy.Label } else { $view.GroupBy.PropertyName } }
                )
                foreach ($typeName in @($view.ViewSelectedBy.TypeName | Where-Object { $_ -notlike 'Deserialized.*' })) {
                    $base = $typeName -replace '#.*$'
                    $type = [DcosTls.Certificates.DcosCertificate].Assembly.GetType($base, $true)
                    $properties = @($type.GetProperties().Name)
                    foreach ($name in @($base, $typeName | Sort-Object -Unique)) {
                        $typeData = Get-TypeData -TypeName $name
                        if ($typeData) { $properties += @($typeData.Members.Keys) }
                    }
                    $sample = $samples[$typeName]
                    if ($typeName -ne $base -and $sample) {
                        $properties += @($sample.Objects | Where-Object { $_.PSObject.TypeNames -contains $typeName } | ForEach-Object { $_.PSObject.Properties.Name })
                    }
                    foreach ($label in $labels) {
                        if ($properties -cnotcontains $label) { '{0} {1} view of {2}: {3}' -f (Split-Path -Leaf $file), $view.Name, $typeName, $label }
                    }
                }
            }
        }
        $missing | Should -BeNullOrEmpty -Because 'a column or line a user sees is something Where-Object, Select-Object and Format-* can name'
    }

    It 'filters certificates by Kind, shows Key in Format-List, and names trust rows by Name' {
        @($ca, $leaf | Where-Object Kind -EQ CA) | Should -HaveCount 1
        ($leaf | Format-List CommonName, Key | Out-String -Width 80) | Should -Match 'Key +: ECDSA 256'
        $row = $listed | Select-Object -First 1
        $row.Name | Should -Be (Split-Path -Leaf $row.Path)
        ($installed | Format-Table Target, Action, Name | Out-String -Width 200) | Should -Match ([regex]::Escape((Split-Path -Leaf $installed[0].Path)))
    }
}

Describe 'Tables that tell rows apart and fit 80 columns' -Tag ViewRoles {
    It 'shows the Role of each Get-DcosCaCertificate row: the root bundle and the signing CA are two lines that differ' {
        $views = @((Get-Module DcosTls).ExportedFormatFiles | ForEach-Object { ([xml](Get-Content -Raw $_)).Configuration.ViewDefinitions.View } |
                Where-Object { $_.ViewSelectedBy.TypeName -contains 'DcosTls.Certificates.DcosCertificate#ClusterCa' -and $_.TableControl })
        $views | Should -HaveCount 1 -Because 'Get-DcosCaCertificate rows have their own table'
        @($views[0].TableControl.TableHeaders.TableColumnHeader.Label) | Should -Contain 'Role'
        $text = $clusterCa | Out-String -Width 80
        $rows = @($text -split "`r?`n" | Where-Object { $_.Contains($ca.Thumbprint) })
        $rows | Should -HaveCount 2
        $rows[0] | Should -Not -Be $rows[1]
        $rows[0] | Should -Match '^RootBundle '
        $rows[1] | Should -Match '^SigningCa '
        foreach ($line in $text -split "`r?`n") { $line.TrimEnd().Length | Should -BeLessOrEqual 80 }
    }

    It 'shows each Get-DcosAgent agent on one line of a table at 80 columns' {
        $agents = @(
            New-ModuleObject 'DcosTls.Fleet.DcosAgent' @('10.0.1.17', '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0-S12', $true, $agentAttributes, '1.10.0', 'slave(1)@10.0.1.17:5051')
            New-ModuleObject 'DcosTls.Fleet.DcosAgent' @('10.0.1.18', '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0-S3', $false, [Collections.Generic.Dictionary[string, string]]::new(), '1.10.0', 'slave(1)@10.0.1.18:5051')
        )
        $text = $agents | Out-String -Width 80
        $text | Should -Not -Match 'Hostname +:' -Because 'a table, not a list'
        foreach ($line in $text -split "`r?`n") { $line.TrimEnd().Length | Should -BeLessOrEqual 80 }
        $cells = @(Get-TableCell $text)
        $cells | Should -HaveCount 2
        $cells.AgentId | Should -Be $agents.AgentId
        $cells.Hostname | Should -Be $agents.Hostname
    }
}

Describe 'No word split at 80 columns' -Tag ViewWrap {
    It 'Test-DockerRegistryTrust -Detailed: each Message whole, words unbroken' {
        $results = @(Test-DockerRegistryTrust -Registry $longRegistry -Root $root -Detailed -TimeoutSec 2
            Test-DockerRegistryTrust -Registry 'nothing.marathon.l4lb.thisdcos.directory:5000' -Root $root -Detailed)
        $text = $results | Out-String -Width 80
        foreach ($line in $text -split "`r?`n") { $line.TrimEnd().Length | Should -BeLessOrEqual 80 -Because "'$line' is wider than 80" }
        @(Get-TableCell $text).Message | Should -Be $results.Message
    }

    It 'Set-DockerDaemonTls -PassThru: each file''s agent path whole, the drop-in''s too' {
        $dropInLeaf = New-DcosCertificate -Issuer $ca -CommonName repo.internal -IPAddress 10.10.0.200 -KeyAlgorithm ECDSA
        $files = @(Set-DockerDaemonTls -Certificate $dropInLeaf -CaCertificate $ca -Root (Join-Path $TestDrive 'wrap-agent') -Hosts 'unix:///var/run/docker.sock', 'tcp://10.10.0.200:2376' -PassThru)
        $files.AgentPath | Should -Contain '/etc/systemd/system/docker.service.d/dcostls-hosts.conf'
        $text = $files | Out-String -Width 80
        $lines = $text -split "`r?`n"
        foreach ($line in $lines) { $line.TrimEnd().Length | Should -BeLessOrEqual 80 -Because "'$line' is wider than 80" }
        $cells = @(Get-TableCell $text)
        foreach ($file in $files) {
            # Whole on one line, or as Get-ChildItem shows it: its folder on the group line, its name a cell.
            $whole = [bool]($lines | Where-Object { $_.Contains($file.AgentPath) })
            $grouped = [bool]($lines | Where-Object { $_.TrimEnd().EndsWith(': ' + [IO.Path]::GetDirectoryName($file.AgentPath)) }) -and
                ($cells | Where-Object { $_.PSObject.Properties['Name'] -and $_.Name -eq [IO.Path]::GetFileName($file.AgentPath) })
            ($whole -or $grouped) | Should -BeTrue -Because "'$($file.AgentPath)' shows whole at 80 columns in:`n$text"
        }
        @($cells | ForEach-Object Role) | Should -Be $files.Role
    }

    It 'Export-DcosCertificateRequest -PassThru: each Role whole' {
        $request = New-DcosCertificateRequest -CommonName repo.internal -DnsName repo.internal -KeyAlgorithm ECDSA
        $written = @($request | Export-DcosCertificateRequest -Path (Join-Path $TestDrive 'wrap/repo.csr') -PassThru)
        $written.Role | Should -Contain 'CertificateRequest'
        $text = $written | Out-String -Width 80
        foreach ($line in $text -split "`r?`n") { $line.TrimEnd().Length | Should -BeLessOrEqual 80 -Because "'$line' is wider than 80" }
        @(Get-TableCell $text).Role | Should -Be $written.Role
    }
}

Describe 'Thumbprint means SHA-1, as everywhere in pwsh' -Tag Views {
    It 'is the X509Certificate2 thumbprint of the certificate' {
        $leaf.Thumbprint | Should -BeExactly $leaf.Certificate.Thumbprint
        $ca.Thumbprint | Should -BeExactly $ca.Certificate.Thumbprint
    }

    It 'matches the CA in the leaf''s chain' {
        $leaf.Chain[0].Thumbprint -eq $ca.Thumbprint | Should -BeTrue
    }

    It 'matches Get-PfxCertificate of the exported file' {
        (Get-PfxCertificate -FilePath (Join-Path $TestDrive 'ca.crt')).Thumbprint | Should -BeExactly $ca.Thumbprint
        (Import-DcosCertificate -Path (Join-Path $TestDrive 'ca.crt')).Thumbprint | Should -BeExactly $ca.Thumbprint
    }

    It 'gives SHA-256 its own name' {
        $expected = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($ca.Certificate.RawData))
        $ca.Sha256Fingerprint | Should -BeExactly $expected
    }

    It 'is SHA-1 of the pinned CA on a session, and its SHA-256 has its own name' {
        $session.CaThumbprint | Should -BeExactly $ca.Thumbprint
        $session.CaSha256Fingerprint | Should -BeExactly $ca.Sha256Fingerprint
    }

    It 'is the same on trust rows as on the certificate' {
        $row = $installed | Select-Object -First 1
        $row.Thumbprint | Should -BeExactly $ca.Thumbprint
        $row.Sha256Fingerprint | Should -BeExactly $ca.Sha256Fingerprint
        ($listed | Where-Object CommonName -EQ 'Views Root CA' | Select-Object -First 1).Thumbprint | Should -BeExactly $ca.Thumbprint
    }
}

Describe 'ConvertTo-Json and Export-Csv of every output type' -Tag Views {
    It 'has a sample for <_>, which a cmdlet outputs' -ForEach $outputTypes {
        $samples.Keys | Should -Contain $_
    }

    It '<_> converts to compact JSON with no warning and no secret' -ForEach $outputTypes {
        foreach ($object in $samples[$_].Objects) {
            $warnings = $null
            $json = $object | ConvertTo-Json -WarningVariable warnings -WarningAction SilentlyContinue
            $warnings | Should -BeNullOrEmpty -Because 'nothing is nested past the default depth'
            $json.Length | Should -BeLessThan 6000
            $json | Should -Not -Match 'X509Certificate2|RawData|System\.[A-Z]'
            $json | Should -Not -Match ([regex]::Escape($password))
            $json | Should -Not -Match ([regex]::Escape($authString))
            $json | Should -Not -Match ([regex]::Escape($token))
            foreach ($line in $keyLines) { $json.Contains($line) | Should -BeFalse -Because 'the private key never leaves through JSON' }
            { $json | ConvertFrom-Json } | Should -Not -Throw
        }
    }

    It '<_> exports to CSV with plain values' -ForEach $outputTypes {
        $csv = Join-Path $TestDrive "$_.csv"
        $samples[$_].Objects | Export-Csv -Path $csv
        $text = Get-Content -Raw $csv
        $text | Should -Not -MatchExactly 'System\.[A-Z][A-Za-z.]*(\[\])?' -Because 'lists are joined, not written as a type name'
        $text | Should -Not -Match ([regex]::Escape($password))
        $text | Should -Not -Match ([regex]::Escape($authString))
        $text | Should -Not -Match ([regex]::Escape($token))
        foreach ($line in $keyLines) { $text.Contains($line) | Should -BeFalse }
        @(Import-Csv $csv).Count | Should -Be @($samples[$_].Objects).Count
    }

    It 'joins a certificate''s names in CSV and keeps them a list in the pipeline' {
        $row = $leaf | ConvertTo-Csv | ConvertFrom-Csv
        $row.DnsNames | Should -Be 'repo.internal, registry.example.internal'
        $leaf.DnsNames.Count | Should -Be 2
        $leaf.DnsNames | Should -Contain 'registry.example.internal'
        ($leaf | ConvertTo-Json | ConvertFrom-Json).DnsNames | Should -Be @('repo.internal', 'registry.example.internal')
    }
}

Describe 'New-MarathonRegistryApp writes its JSON where asked' -Tag Views {
    BeforeAll {
        $work = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'marathon')
        Push-Location $work
    }
    AfterAll {
        Pop-Location
    }

    It 'writes nothing and outputs nothing under -WhatIf' {
        $rows = New-MarathonRegistryApp -Path registry.json -MarathonLbOptionsPath mlbint.json -WhatIf
        $rows | Should -BeNullOrEmpty
        Get-ChildItem $work | Should -BeNullOrEmpty
    }

    It 'writes both documents relative to the current location and says where' {
        $written = New-MarathonRegistryApp -Path registry.json -MarathonLbOptionsPath mlbint.json
        $written.Path | Should -Be (Join-Path $work 'registry.json')
        $written.MarathonLbOptionsPath | Should -Be (Join-Path $work 'mlbint.json')
        (Get-Content registry.json -Raw | ConvertFrom-Json).id | Should -Be '/shared/registry'
        (Get-Content mlbint.json -Raw | ConvertFrom-Json).'marathon-lb'.name | Should -Be 'shared/mlbint'
        $shown = $written | Out-String -Width 80
        $shown | Should -Match ([regex]::Escape("written to $(Join-Path $work 'registry.json')"))
        $shown | Should -Match ([regex]::Escape("written to $(Join-Path $work 'mlbint.json')"))
    }

    It 'leaves a file with the same JSON as it is' {
        $before = (Get-Item registry.json).LastWriteTimeUtc
        Start-Sleep -Milliseconds 20
        $null = New-MarathonRegistryApp -Path registry.json
        (Get-Item registry.json).LastWriteTimeUtc | Should -Be $before
    }

    It 'refuses a file with other content unless -Force, writing neither file' {
        $err2 = $null
        $rows = New-MarathonRegistryApp -ServicePort 10051 -Path registry.json -MarathonLbOptionsPath other-mlbint.json -ErrorVariable err2 -ErrorAction SilentlyContinue
        $rows | Should -BeNullOrEmpty
        'other-mlbint.json' | Should -Not -Exist
        $err2[0].FullyQualifiedErrorId | Should -BeLike 'MarathonAppFileExists,*'
        $err2[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $err2[0].Exception.Message | Should -Match 'registry\.json.*-Force'
        (Get-Content registry.json -Raw | ConvertFrom-Json).container.docker.portMappings[0].servicePort | Should -Be 10050
        (New-MarathonRegistryApp -ServicePort 10051 -Path registry.json -Force).Path | Should -Be (Join-Path $work 'registry.json')
        (Get-Content registry.json -Raw | ConvertFrom-Json).container.docker.portMappings[0].servicePort | Should -Be 10051
    }
}
