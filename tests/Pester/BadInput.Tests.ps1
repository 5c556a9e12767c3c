<#
    Bad input across the cmdlets, as one table: each case is a command an operator could type (or an
    agent file the command reads), the error id it must stop with, the category, the bad value the
    message must name, and the staging root it must leave exactly as it was. Cases that need a
    cluster are in the xunit tier.
#>
BeforeDiscovery {
    $cases = [System.Collections.Generic.List[hashtable]]::new()
    # <Root> in $Named or $Target stands for the case's staging root: the message and the error's
    # TargetObject must name the staged file that is really at fault, not its agent path.
    function Add-Case([string] $Name, [string] $Command, [string] $Id, [string] $Category, [string] $Named, [string] $Setup = '', [string] $Target = '') {
        $cases.Add(@{ Name = $Name; Command = $Command; Id = $Id; Category = $Category; Named = $Named; Setup = $Setup; Target = $Target })
    }
    function Quote([string] $Value) { "'" + $Value.Replace("'", "''") + "'" }

    # Registry names no image reference can carry. Each is refused by every cmdlet that takes one.
    $badRegistries = @(
        'bad host', 'repo:99999', 'repo:0', 'repo:-1', 'repo:port', 'repo:5000:6000', '-repo.internal', 'repo-.internal',
        'repo..internal', 'repo_internal!', "repo`tinternal", 'repo/../x', '../etc', 'repo:', '.repo', 'repo.internal.'
    )
    foreach ($registry in $badRegistries) {
        $shown = $registry.Replace("`t", ' ')
        $named = ($registry -split '[\s:/]')[0]
        if (-not $named) { $named = $registry.Trim('.') }
        Add-Case "Install-DockerRegistryTrust -Registry $shown" "`$ca | Install-DockerRegistryTrust -Registry $(Quote $registry) -Root `$Root -Confirm:`$false" 'InvalidRegistryName' 'InvalidArgument' $named
        Add-Case "Get-DockerRegistryTrust -Registry $shown" "Get-DockerRegistryTrust -Registry $(Quote $registry) -Root `$Root" 'InvalidRegistryName' 'InvalidArgument' $named
        Add-Case "New-DockerAuthConfig -Registry $shown" "New-DockerAuthConfig -Registry $(Quote $registry) -Credential `$cred" 'InvalidRegistry' 'InvalidArgument' $named
        Add-Case "Set-MesosDockerConfig -Registry $shown" "Set-MesosDockerConfig -Registry $(Quote $registry) -Credential `$cred -Root `$Root -Confirm:`$false" 'InvalidRegistry' 'InvalidArgument' $named
    }

    # IP addresses for certificate SANs: dotted-decimal IPv4 or IPv6 without a zone.
    foreach ($ip in '010.001.002.003', '10.0.0.09', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.-4', '0x7f.0.0.1', '127.1',
        'fe80::1%eth0', '::ffff:1.2.3.4.5', '1:2:3:4:5:6:7:8:9', 'localhost', '10.0.0.1/24', ' 10.0.0.1x') {
        Add-Case "New-DcosCertificate -IPAddress '$ip'" "New-DcosCertificate -Issuer `$ca -CommonName x -IPAddress $(Quote $ip) -KeyAlgorithm ECDSA" 'InvalidCertificateRequest,IPAddress' 'InvalidArgument' $ip.Trim()
    }
    # DNS names by RFC 1123 lengths and characters.
    foreach ($dns in ('a' * 64 + '.internal'), ((('a' * 63) + '.') * 4 + 'internal'), 'a..b', '-lead.internal',
        'trail-.internal', 'x.*.internal', 'ex!.internal') {
        Add-Case "New-DcosCertificate -DnsName '$($dns.Substring(0, [Math]::Min(30, $dns.Length)))'" "New-DcosCertificate -Issuer `$ca -CommonName x -DnsName $(Quote $dns) -KeyAlgorithm ECDSA" 'InvalidCertificateRequest,DnsName' 'InvalidArgument' $dns.Substring(0, [Math]::Min(60, $dns.Length))
    }
    foreach ($size in 1024, 1000, 2049, 16384) {
        Add-Case "New-DcosCertificate -KeySize $size" "New-DcosCertificate -Issuer `$ca -CommonName x -KeyAlgorithm RSA -KeySize $size" 'InvalidCertificateRequest,KeySize' 'InvalidArgument' "$size"
    }

    # dockerd listeners.
    # ('tcp://' and 'tcp://host' without a port are dockerd's own defaults, so they are not here.)
    foreach ($h in 'ftp://x:1', 'tcp://10.0.0.5:99999', 'tcp://10.0.0.5:port', 'tcp://10.0.0.5:0',
        'unix://', 'unix://relative.sock', 'http://10.0.0.5:2376', '10.0.0.5:2376:1', 'fd://x y', 'ssh://host') {
        Add-Case "Set-DockerDaemonTls -Hosts '$h'" "Set-DockerDaemonTls -CaCertificate `$ca -Certificate `$server -Hosts $(Quote $h) -Root `$Root -Confirm:`$false" 'InvalidDockerHost' 'InvalidArgument' $h
    }
    foreach ($dir in 'relative/tls', '/etc/docker/../tls', '/etc/./docker', '', "/etc/do`ncker") {
        Add-Case "Set-DockerDaemonTls -TlsDirectory '$($dir.Replace("`n", '\n'))'" "Set-DockerDaemonTls -CaCertificate `$ca -Certificate `$server -TlsDirectory $(Quote $dir) -Root `$Root -Confirm:`$false" 'InvalidAgentPath' 'InvalidArgument' '-TlsDirectory'
    }
    foreach ($name in 'a/b', '..', '.hidden', 'has space', '../escape', 'x;y') {
        Add-Case "Set-DockerDaemonTls -DropInName '$name'" "Set-DockerDaemonTls -CaCertificate `$ca -Certificate `$server -DropInName $(Quote $name) -Root `$Root -Confirm:`$false" 'InvalidFileName' 'InvalidArgument' $name
    }

    # The agent's credentials path goes into MESOS_DOCKER_CONFIG=file://<path>.
    foreach ($path in 'relative', 'var/lib/dcos/x') {
        Add-Case "Set-MesosDockerConfig -Path '$path'" "`$login | Set-MesosDockerConfig -Path $(Quote $path) -Root `$Root -Confirm:`$false" 'CredentialsPathNotAbsolute' 'InvalidArgument' $path
    }
    foreach ($path in '/var/lib/x y', '/var/lib/x"y', "/var/lib/x'y", '/var/lib/$HOME', '/var/lib/x#y', '/var/lib/x%y', '/var/lib/../x', '/var/lib/dcos/', '/var/lib/x\y') {
        Add-Case "Set-MesosDockerConfig -Path '$path'" "`$login | Set-MesosDockerConfig -Path $(Quote $path) -Root `$Root -Confirm:`$false" 'InvalidCredentialsPath' 'InvalidArgument' $path
    }

    # daemon.json as found on the agent: refused, never rewritten.
    $daemon = '$null = New-Item -ItemType Directory -Force "$Root/etc/docker"; Set-Content -NoNewline -LiteralPath "$Root/etc/docker/daemon.json" -Value '
    foreach ($content in @(
            @('not JSON', "'{ log-driver: journald }'", 'DaemonJsonInvalid'),
            @('an array', "'[1,2]'", 'DaemonJsonInvalid'),
            @('a string', "'""text""'", 'DaemonJsonInvalid'),
            @('a trailing comma', "'{ ""a"": 1, }'", 'DaemonJsonInvalid'),
            @('a comment', "'{ /* c */ ""a"": 1 }'", 'DaemonJsonInvalid'),
            @('two "debug" keys', "'{ ""debug"": true, ""debug"": false }'", 'DaemonJsonDuplicateKey'),
            @('two nested keys', "'{ ""log-opts"": { ""max-size"": ""1m"", ""max-size"": ""2m"" } }'", 'DaemonJsonDuplicateKey'),
            @('two "hosts" keys', "'{ ""hosts"": [], ""hosts"": [""fd://""] }'", 'DaemonJsonDuplicateKey'))) {
        Add-Case "Set-DockerDaemonTls with daemon.json holding $($content[0])" "Set-DockerDaemonTls -CaCertificate `$ca -Certificate `$server -Root `$Root -Confirm:`$false" $content[2] 'InvalidData' '<Root>/etc/docker/daemon.json' ($daemon + $content[1]) '<Root>/etc/docker/daemon.json'
    }

    # The agent's credentials file as found: refused, never rewritten.
    $credentials = '$null = New-Item -ItemType Directory -Force "$Root/var/lib/dcos"; Set-Content -NoNewline -LiteralPath "$Root/var/lib/dcos/docker_credentials" -Value '
    $auth = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('old:old-password'))
    $auth2 = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('older:older-password'))
    foreach ($content in @(
            @('not JSON', "'{auths'", 'DockerConfigNotJson'),
            @('an array', "'[]'", 'DockerConfigNotObject'),
            @('auths as a list', "'{""auths"":[]}'", 'DockerConfigAuthsNotObject'),
            @('only spaces', "'   '", 'DockerConfigEmpty'),
            @('two "auths" keys', "'{""auths"":{},""auths"":{}}'", 'DockerConfigDuplicateKey'),
            @('one registry key twice', "'{""auths"":{""old.internal:5000"":{""auth"":""$auth""},""old.internal:5000"":{""auth"":""$auth2""}}}'", 'DockerConfigDuplicateKey'),
            @('two spellings of one registry', "'{""auths"":{""old.internal:5000"":{""auth"":""$auth""},""https://old.internal:5000/v2/"":{""auth"":""$auth2""}}}'", 'DuplicateRegistryKey'),
            @('an auth that is not base64', "'{""auths"":{""old.internal:5000"":{""auth"":""%%%""}}}'", 'InvalidAuth'))) {
        Add-Case "Set-MesosDockerConfig with docker_credentials holding $($content[0])" "`$login | Set-MesosDockerConfig -Root `$Root -Confirm:`$false" $content[2] 'InvalidData' '<Root>/var/lib/dcos/docker_credentials' ($credentials + $content[1])
    }

    # Files and folders under the root that are links to outside it: refused, not read.
    $outside = '$outside = Join-Path $TestDrive "outside-$([guid]::NewGuid().ToString(''n''))"; $null = New-Item -ItemType Directory $outside; Set-Content "$outside/file" ''{"auths":{}}''; '
    Add-Case 'Set-DockerDaemonTls with daemon.json linked outside' "Set-DockerDaemonTls -CaCertificate `$ca -Certificate `$server -Root `$Root -Confirm:`$false" 'PathOutsideRoot' 'InvalidArgument' 'daemon.json' ($outside + '$null = New-Item -ItemType Directory "$Root/etc/docker"; $null = New-Item -ItemType SymbolicLink -Path "$Root/etc/docker/daemon.json" -Target "$outside/file"')
    Add-Case 'Set-MesosDockerConfig with docker_credentials linked outside' "`$login | Set-MesosDockerConfig -Root `$Root -Confirm:`$false" 'PathOutsideRoot' 'InvalidArgument' 'docker_credentials' ($outside + '$null = New-Item -ItemType Directory "$Root/var/lib/dcos"; $null = New-Item -ItemType SymbolicLink -Path "$Root/var/lib/dcos/docker_credentials" -Target "$outside/file"')
    Add-Case 'Set-MesosDockerConfig with mesos-slave-common linked outside' "`$login | Set-MesosDockerConfig -Root `$Root -Confirm:`$false" 'PathOutsideRoot' 'InvalidArgument' 'mesos-slave-common' ($outside + '$null = New-Item -ItemType Directory "$Root/var/lib/dcos"; $null = New-Item -ItemType SymbolicLink -Path "$Root/var/lib/dcos/mesos-slave-common" -Target "$outside/file"')
    Add-Case 'Set-DockerDaemonTls with etc/docker linked outside' "Set-DockerDaemonTls -CaCertificate `$ca -Certificate `$server -Root `$Root -Confirm:`$false" 'PathOutsideRoot' 'InvalidArgument' 'etc/docker' ($outside + '$null = New-Item -ItemType Directory "$Root/etc"; $null = New-Item -ItemType SymbolicLink -Path "$Root/etc/docker" -Target $outside')
    Add-Case 'Set-MesosDockerConfig with var/lib/dcos linked outside' "`$login | Set-MesosDockerConfig -Root `$Root -Confirm:`$false" 'PathOutsideRoot' 'InvalidArgument' 'var/lib/dcos' ($outside + '$null = New-Item -ItemType Directory "$Root/var/lib"; $null = New-Item -ItemType SymbolicLink -Path "$Root/var/lib/dcos" -Target $outside')
    Add-Case 'Install-DockerRegistryTrust with certs.d linked outside' "`$ca | Install-DockerRegistryTrust -Registry repo.internal:5000 -Root `$Root -Confirm:`$false" 'PathOutsideRoot' 'InvalidArgument' 'certs.d' ($outside + '$null = New-Item -ItemType Directory "$Root/etc/docker"; $null = New-Item -ItemType SymbolicLink -Path "$Root/etc/docker/certs.d" -Target $outside')

    # Targets in the way: a folder where a file goes, a file where a folder goes.
    Add-Case 'Set-DockerDaemonTls with a folder named daemon.json' "Set-DockerDaemonTls -CaCertificate `$ca -Certificate `$server -Root `$Root -Confirm:`$false" 'TargetIsDirectory' 'WriteError' 'daemon.json' '$null = New-Item -ItemType Directory "$Root/etc/docker/daemon.json"'
    Add-Case 'Set-DockerDaemonTls with a file named etc/docker' "Set-DockerDaemonTls -CaCertificate `$ca -Certificate `$server -Root `$Root -Confirm:`$false" 'PathBlockedByFile' 'WriteError' 'etc/docker' '$null = New-Item -ItemType Directory "$Root/etc"; Set-Content "$Root/etc/docker" x'
    Add-Case 'Set-MesosDockerConfig with a file named var/lib' "`$login | Set-MesosDockerConfig -Root `$Root -Confirm:`$false" 'PathBlockedByFile' 'WriteError' 'var/lib' '$null = New-Item -ItemType Directory "$Root/var"; Set-Content "$Root/var/lib" x'
    Add-Case 'Set-MesosDockerConfig with a folder named mesos-slave-common' "`$login | Set-MesosDockerConfig -Root `$Root -Confirm:`$false" 'TargetIsDirectory' 'WriteError' 'mesos-slave-common' '$null = New-Item -ItemType Directory "$Root/var/lib/dcos/mesos-slave-common"'

    # -Root that is a file.
    $rootFile = 'Remove-Item -LiteralPath $Root; Set-Content -LiteralPath $Root -Value x; '
    Add-Case 'Set-DockerDaemonTls -Root <file>' "Set-DockerDaemonTls -CaCertificate `$ca -Certificate `$server -Root `$Root -Confirm:`$false" 'RootNotDirectory' 'InvalidArgument' 'is a file' $rootFile
    Add-Case 'Set-MesosDockerConfig -Root <file>' "`$login | Set-MesosDockerConfig -Root `$Root -Confirm:`$false" 'RootNotDirectory' 'InvalidArgument' 'is a file' $rootFile
    Add-Case 'Install-DockerRegistryTrust -Root <file>' "`$ca | Install-DockerRegistryTrust -Registry repo.internal:5000 -Root `$Root -Confirm:`$false" 'RootNotDirectory' 'InvalidArgument' 'is a file' $rootFile
    Add-Case 'Uninstall-DockerRegistryTrust -Root <file>' "`$ca | Uninstall-DockerRegistryTrust -Registry repo.internal:5000 -Root `$Root -Confirm:`$false" 'RootNotDirectory' 'InvalidArgument' 'is a file' $rootFile
    Add-Case 'New-DockerAuthArchive -Root <file>' "`$login | New-DockerAuthArchive -Root `$Root -Path /etc/docker.tar.gz -Confirm:`$false" 'RootNotDirectory' 'InvalidArgument' 'is a file' $rootFile

    # -Root that does not exist, for Get-DockerRegistryTrust: an empty answer would pass a health check that checked nothing
    # (Test-DockerRegistryTrust answers $false there, and Test-DockerDaemonTls fails its config check).
    $rootMissing = 'Remove-Item -LiteralPath $Root -Recurse -Force; '
    Add-Case 'Get-DockerRegistryTrust -Root <missing>' "Get-DockerRegistryTrust -Root `$Root" 'RootNotFound' 'ObjectNotFound' 'does not exist' $rootMissing

    # Trust input.
    Add-Case 'Install-DockerRegistryTrust -Target System without os-release' "`$ca | Install-DockerRegistryTrust -Registry repo.internal:5000 -Target System -Root `$Root -Confirm:`$false" 'TrustStoreUnavailable' 'ObjectNotFound' '<Root>/etc/os-release'
    Add-Case 'Install-DockerRegistryTrust -Path <missing>' "Install-DockerRegistryTrust -Registry repo.internal:5000 -Path (Join-Path `$Root 'missing.crt') -Root `$Root -Confirm:`$false" 'CertificateFileNotFound' 'ObjectNotFound' 'missing.crt'
    Add-Case 'Install-DockerRegistryTrust -CertificatePem <not PEM>' "Install-DockerRegistryTrust -Registry repo.internal:5000 -CertificatePem 'not a certificate' -Root `$Root -Confirm:`$false" 'InvalidCertificateInput' 'InvalidData' 'PEM'
    Add-Case 'Import-DcosCertificate -Path <missing>' "Import-DcosCertificate -Path (Join-Path `$Root 'absent.crt')" 'CertificateFileNotFound' 'ObjectNotFound' 'absent.crt'
    Add-Case 'New-DockerAuthArchive -Path <relative> with -Root' "`$login | New-DockerAuthArchive -Root `$Root -Path relative.tar.gz -Confirm:`$false" 'AgentPathNotAbsolute' 'InvalidArgument' 'relative.tar.gz'

    # Certificate requests made elsewhere: refused when read, so nothing is signed or sent.
    $newReq = 'function New-Req([string] $Name, [string[]] $Options) { $null = & openssl req -new -nodes -keyout "$Root/$Name.key" -out "$Root/$Name" @Options 2>&1; if ($LASTEXITCODE) { throw "openssl req $Name" } }; '
    $sign = { param($file) "Import-DcosCertificateRequest (Join-Path `$Root '$file') | New-DcosCertificate -Issuer `$ca" }
    foreach ($request in @(
            @('a changed signature', 'tampered.der', 'CertificateRequestSignatureInvalid', 'SecurityError', ($newReq + 'New-Req tampered.der @(''-newkey'', ''rsa:2048'', ''-subj'', ''/CN=t.example'', ''-outform'', ''DER''); $b = [IO.File]::ReadAllBytes("$Root/tampered.der"); $b[-1] = $b[-1] -bxor 1; [IO.File]::WriteAllBytes("$Root/tampered.der", $b)')),
            @('an RSA 1024 key', 'weak.csr', 'CertificateRequestWeakKey', 'InvalidData', ($newReq + 'New-Req weak.csr @(''-newkey'', ''rsa:1024'', ''-subj'', ''/CN=w.example'')')),
            @('a secp256k1 key', 'k1.csr', 'CertificateRequestKeyUnsupported', 'InvalidData', ($newReq + 'New-Req k1.csr @(''-newkey'', ''ec'', ''-pkeyopt'', ''ec_paramgen_curve:secp256k1'', ''-subj'', ''/CN=k.example'')')),
            @('CA:TRUE', 'askca.csr', 'CertificateRequestAsksForCa', 'InvalidData', ($newReq + 'New-Req askca.csr @(''-newkey'', ''ec'', ''-pkeyopt'', ''ec_paramgen_curve:P-256'', ''-subj'', ''/CN=c.example'', ''-addext'', ''basicConstraints=critical,CA:TRUE'')')),
            @('no names', 'nonames.csr', 'CertificateRequestNoNames', 'InvalidData', ($newReq + 'New-Req nonames.csr @(''-newkey'', ''ec'', ''-pkeyopt'', ''ec_paramgen_curve:P-256'', ''-subj'', ''/O=Example'')')),
            @('a DNS name with a space', 'space.csr', 'CertificateRequestNameInvalid', 'InvalidData', ($newReq + 'New-Req space.csr @(''-newkey'', ''ec'', ''-pkeyopt'', ''ec_paramgen_curve:P-256'', ''-subj'', ''/CN=s.example'', ''-addext'', ''subjectAltName=DNS:bad name.example'')')),
            @('a PEM certificate', 'ca.csr', 'CertificateRequestIsCertificate', 'InvalidData', 'Set-Content -LiteralPath "$Root/ca.csr" -Value $ca.CertificatePem'),
            @('a DER certificate', 'ca.der', 'CertificateRequestIsCertificate', 'InvalidData', '[IO.File]::WriteAllBytes("$Root/ca.der", $ca.Certificate.RawData)'),
            @('a private key', 'key.csr', 'CertificateRequestIsKey', 'InvalidData', ($newReq + 'New-Req good.csr @(''-newkey'', ''ec'', ''-pkeyopt'', ''ec_paramgen_curve:P-256'', ''-subj'', ''/CN=g.example''); Copy-Item "$Root/good.csr.key" "$Root/key.csr"')),
            @('base64 without its PEM lines', 'headless.csr', 'CertificateRequestUnreadable', 'InvalidData', ($newReq + 'New-Req h.csr @(''-newkey'', ''ec'', ''-pkeyopt'', ''ec_paramgen_curve:P-256'', ''-subj'', ''/CN=h.example''); Set-Content "$Root/headless.csr" ((Get-Content "$Root/h.csr" | Where-Object { $_ -notlike ''-----*'' }) -join "`n")')),
            @('PEM lines around a DER body', 'mixed.csr', 'CertificateRequestUnreadable', 'InvalidData', ($newReq + 'New-Req m.der @(''-newkey'', ''ec'', ''-pkeyopt'', ''ec_paramgen_curve:P-256'', ''-subj'', ''/CN=m.example'', ''-outform'', ''DER''); [IO.File]::WriteAllBytes("$Root/mixed.csr", [Text.Encoding]::ASCII.GetBytes("-----BEGIN CERTIFICATE REQUEST-----`n") + [IO.File]::ReadAllBytes("$Root/m.der") + [Text.Encoding]::ASCII.GetBytes("`n-----END CERTIFICATE REQUEST-----`n"))')),
            @('text', 'text.csr', 'CertificateRequestUnreadable', 'InvalidData', 'Set-Content "$Root/text.csr" "this is not a request"'))) {
        Add-Case "Import-DcosCertificateRequest of $($request[0])" (& $sign $request[1]) $request[2] $request[3] $request[1] $request[4]
    }
    Add-Case 'New-TlsCertificateAuthority -Issuer <a leaf>' "New-TlsCertificateAuthority -CommonName sub -KeyAlgorithm ECDSA -Issuer `$server" 'InvalidCertificateRequest,Issuer' 'InvalidArgument' 'docker.internal'

    # Names with control characters, spaces or '_', and host names longer than DNS allows, refused at validation.
    foreach ($field in @(
            @('-CommonName with a newline', "-CommonName ""a``nb.internal""", 'CommonName', 'a\nb.internal'),
            @('-CommonName with NUL', "-CommonName ""a``0b""", 'CommonName', 'a\0b'),
            @('-Organization with a newline', "-CommonName x -Organization ""Ex``nample""", 'Organization', 'Ex\nample'),
            @('-OrganizationalUnit with a tab', "-CommonName x -OrganizationalUnit ""Ops``tTeam""", 'OrganizationalUnit', 'Ops\tTeam'),
            @('-DnsName with a space', "-CommonName x -DnsName 'a b.internal'", 'DnsName', 'a b.internal'),
            @('-DnsName with an underscore', "-CommonName x -DnsName 'a_b.internal'", 'DnsName', 'a_b.internal'),
            @('-DnsName with a newline', "-CommonName x -DnsName ""a``nb.internal""", 'DnsName', 'a\nb.internal'))) {
        Add-Case "New-DcosCertificate $($field[0])" "New-DcosCertificate -Issuer `$ca $($field[1]) -KeyAlgorithm ECDSA" "InvalidCertificateRequest,$($field[2])" 'InvalidArgument' $field[3]
    }
    Add-Case 'New-TlsCertificateAuthority -CommonName with a newline' "New-TlsCertificateAuthority -CommonName ""Root``nCA"" -KeyAlgorithm ECDSA" 'InvalidCertificateRequest,CommonName' 'InvalidArgument' 'Root\nCA'
    foreach ($registry in (('a' * 64) + '.internal:5000'), (((('a' * 60) + '.') * 5) + 'internal')) {
        Add-Case "Install-DockerRegistryTrust -Registry <$($registry.Length) characters>" "`$ca | Install-DockerRegistryTrust -Registry $(Quote $registry) -Root `$Root -Confirm:`$false" 'InvalidRegistryName' 'InvalidArgument' 'longer than DNS allows'
    }
    foreach ($h in 'tcp://010.0.0.5:2376', 'tcp://10.0.0.05') {
        Add-Case "Set-DockerDaemonTls -Hosts '$h'" "Set-DockerDaemonTls -CaCertificate `$ca -Certificate `$server -Hosts $(Quote $h) -Root `$Root -Confirm:`$false" 'InvalidDockerHost' 'InvalidArgument' $h
    }
    $daemonBytes = '$null = New-Item -ItemType Directory -Force "$Root/etc/docker"; [IO.File]::WriteAllBytes("$Root/etc/docker/daemon.json", [byte[]]@('
    Add-Case 'Set-DockerDaemonTls with daemon.json starting with a UTF-8 BOM' "Set-DockerDaemonTls -CaCertificate `$ca -Certificate `$server -Root `$Root -Confirm:`$false" 'DaemonJsonInvalid' 'InvalidData' 'byte order mark' ($daemonBytes + '0xEF, 0xBB, 0xBF) + [Text.Encoding]::ASCII.GetBytes(''{"debug": true}''))')
    Add-Case 'Set-DockerDaemonTls with daemon.json holding bytes that are not UTF-8' "Set-DockerDaemonTls -CaCertificate `$ca -Certificate `$server -Root `$Root -Confirm:`$false" 'DaemonJsonNotUtf8' 'InvalidData' 'daemon.json' ($daemonBytes + ') + [Text.Encoding]::ASCII.GetBytes(''{"labels": ["a=b'') + [byte[]]@(0xFF) + [Text.Encoding]::ASCII.GetBytes(''"]}''))')
    $folder = '$null = New-Item -ItemType Directory "$Root/out"'
    Add-Case 'Export-DcosCertificate -Path <existing folder>' "`$server | Export-DcosCertificate -Path (Join-Path `$Root out)" 'ExportPathIsFolder' 'InvalidArgument' 'out' $folder
    Add-Case 'Export-DcosCertificateRequest -Path <existing folder>' "New-DcosCertificateRequest -CommonName r.internal -KeyAlgorithm ECDSA | Export-DcosCertificateRequest -Path (Join-Path `$Root out)" 'ExportPathIsFolder' 'InvalidArgument' 'out' $folder

    # Cluster addresses and secret paths are refused before anything is sent.
    foreach ($uri in 'ftp://master', 'not a uri', 'master.internal', 'file:///etc/passwd') {
        Add-Case "Connect-DcosCluster -Uri '$uri'" "Connect-DcosCluster -Uri $(Quote $uri) -Credential `$cred" 'InvalidClusterUri' 'InvalidArgument' $uri.TrimEnd('/')
    }
    Add-Case 'Connect-DcosCluster -Uri with a login in it' "Connect-DcosCluster -Uri 'https://puller:not-a-real-password@master.internal' -Credential `$cred" 'CredentialInClusterUri' 'InvalidArgument' 'master.internal'
    foreach ($secret in 'a//b', '../x', 'has space', 'x/', 'x?y') {
        Add-Case "Set-MesosDockerConfig -AsSecret '$secret'" "`$login | Set-MesosDockerConfig -AsSecret $(Quote $secret)" 'InvalidSecretPath' 'InvalidArgument' $secret
    }
    # Service accounts and marathon-lb as a plain app: ids, secret paths and the image are refused before a session is needed.
    Add-Case 'Remove-DcosServiceAccount with a bad id' "Remove-DcosServiceAccount 'bad uid!' -Confirm:`$false" 'InvalidServiceAccountId' 'InvalidArgument' 'bad uid!'
    Add-Case 'Remove-DcosServiceAccount -RemoveSecret -SecretPath ../x' "Remove-DcosServiceAccount mlb-sa -RemoveSecret -SecretPath '../x' -Confirm:`$false" 'InvalidSecretPath' 'InvalidArgument' '../x'
    Add-Case 'Install-MarathonLb -AsMarathonApp -Image with a space' "Install-MarathonLb -AsMarathonApp -Image 'bad image' -Confirm:`$false" 'InvalidMarathonLbOption' 'InvalidArgument' 'bad image'
    Add-Case 'Install-MarathonLb -AsMarathonApp -SslCertificateSecret ../x' "Install-MarathonLb -AsMarathonApp -SslCertificateSecret '../x' -Confirm:`$false" 'InvalidSecretPath' 'InvalidArgument' '../x'
    Add-Case 'Set-MesosDockerConfig -AsSecret with -Root' "`$login | Set-MesosDockerConfig -AsSecret pull/config -Root `$Root" 'AmbiguousParameterSet' 'InvalidArgument' 'Parameter set cannot be resolved'
    Add-Case 'Set-MesosDockerConfig -AsSecret with -AsConfigYaml' "`$login | Set-MesosDockerConfig -AsSecret pull/config -AsConfigYaml (Join-Path `$Root c.yaml)" 'AmbiguousParameterSet' 'InvalidArgument' 'Parameter set cannot be resolved'
    Add-Case 'Set-MesosDockerConfig -Session with agent files' "`$login | Set-MesosDockerConfig -Root `$Root -Session `$null" 'AmbiguousParameterSet' 'InvalidArgument' 'Parameter set cannot be resolved'
    Add-Case 'Set-MesosDockerConfig -AppId without -AsSecret' "`$login | Set-MesosDockerConfig -AppId /app -AsConfigYaml (Join-Path `$Root c.yaml)" 'AmbiguousParameterSet' 'InvalidArgument' 'Parameter set cannot be resolved'
    Add-Case 'Set-DockerDaemonTls -Restart with a staging root' "Set-DockerDaemonTls -CaCertificate `$ca -Certificate `$server -Root `$Root -Restart -Confirm:`$false" 'RestartNeedsAgentRoot' 'InvalidArgument' '-Restart'
    Add-Case 'Invoke-DcosAgentProvisioning -MaxUnavailable without -Restart' "Invoke-DcosAgentProvisioning -Agent 127.0.0.1 -Credential `$cred -CredentialRegistry registry.internal -MaxUnavailable 2 -Root `$Root -Confirm:`$false" 'RestartMissing' 'InvalidArgument' '-MaxUnavailable'
    Add-Case 'Invoke-DcosAgentProvisioning -AuthArchivePath without -Credential' "Invoke-DcosAgentProvisioning -Agent 127.0.0.1 -CaCertificate `$ca -Registry registry.internal -AuthArchivePath /etc/docker/docker.tar.gz -Root `$Root -Confirm:`$false" 'AuthArchiveNeedsCredential' 'InvalidArgument' '-AuthArchivePath' -Target '/etc/docker/docker.tar.gz'
    Add-Case 'Invoke-DcosAgentProvisioning -AuthArchivePath relative' "Invoke-DcosAgentProvisioning -Agent 127.0.0.1 -Credential `$cred -CredentialRegistry registry.internal -AuthArchivePath docker.tar.gz -Root `$Root -Confirm:`$false" 'AgentPathNotAbsolute' 'InvalidArgument' "'docker.tar.gz'" -Target 'docker.tar.gz'
    Add-Case 'Invoke-DcosAgentProvisioning -LegacyBundlePath without -CaCertificate' "Invoke-DcosAgentProvisioning -Agent 127.0.0.1 -Credential `$cred -CredentialRegistry registry.internal -LegacyBundlePath /opt/cacert.pem -Root `$Root -Confirm:`$false" 'LegacyBundleNeedsCa' 'InvalidArgument' '-LegacyBundlePath' -Target '/opt/cacert.pem'
    Add-Case 'Invoke-DcosAgentProvisioning -ClientName without -DaemonTls' "Invoke-DcosAgentProvisioning -Agent 127.0.0.1 -CaCertificate `$ca -Registry registry.internal -ClientName ops -Root `$Root -Confirm:`$false" 'DaemonTlsMissing' 'InvalidArgument' "'ops'" -Target 'ops'
    Add-Case 'Invoke-DcosAgentProvisioning -ClientCertificatePath without -ClientName' "Invoke-DcosAgentProvisioning -Agent 127.0.0.1 -DaemonTls -Issuer `$ca -ClientCertificatePath /root/.docker -Root `$Root -Confirm:`$false" 'ClientNameMissing' 'InvalidArgument' '-ClientName' -Target '/root/.docker'
    Add-Case 'Invoke-DcosAgentProvisioning -ClientCertificatePath relative' "Invoke-DcosAgentProvisioning -Agent 127.0.0.1 -DaemonTls -Issuer `$ca -ClientName ops -ClientCertificatePath ../.docker -Root `$Root -Confirm:`$false" 'AgentPathNotAbsolute' 'InvalidArgument' "'../.docker'" -Target '../.docker'
    Add-Case 'Invoke-DcosAgentProvisioning -NoDrain without -Restart' "Invoke-DcosAgentProvisioning -Agent 127.0.0.1 -Credential `$cred -CredentialRegistry registry.internal -NoDrain -Root `$Root -Confirm:`$false" 'RestartMissing' 'InvalidArgument' '-NoDrain'
    Add-Case 'Invoke-DcosAgentProvisioning -Restart with a staging root' "Invoke-DcosAgentProvisioning -Agent 127.0.0.1 -Credential `$cred -CredentialRegistry registry.internal -Restart -Root `$Root -Confirm:`$false" 'RestartNeedsAgentRoot' 'InvalidArgument' '<Root>' -Target '<Root>'
    Add-Case 'Install-DcosTlsRenewalTimer with a script that is not there' "Install-DcosTlsRenewalTimer /usr/local/sbin/renew.ps1 -Root `$Root" 'RenewalScriptNotFound' 'ObjectNotFound' '<Root>/usr/local/sbin/renew.ps1' -Target '/usr/local/sbin/renew.ps1'
    Add-Case 'Install-DcosTlsRenewalTimer with a calendar that runs onto a second line' "Install-DcosTlsRenewalTimer /usr/local/sbin/renew.ps1 -Root `$Root -OnCalendar `"daily``nExecStart=/bin/sh`"" 'InvalidOnCalendar' 'InvalidArgument' 'daily?ExecStart=/bin/sh'
    Add-Case 'Install-DcosTlsRenewalTimer -Enable with a staging root' "Install-DcosTlsRenewalTimer /usr/local/sbin/renew.ps1 -Root `$Root -Enable" 'TimerSystemctlNeedsAgentRoot' 'InvalidArgument' '-Enable'
    Add-Case 'Update-DcosCertificate with a -RenewBefore it cannot read' "Update-DcosCertificate -Path `$Root -RenewBefore soon" 'InvalidRenewBefore' 'InvalidArgument' "-RenewBefore 'soon'"
    Add-Case 'Update-DcosCertificate with a file that has no description' "Update-DcosCertificate -Path (Join-Path `$Root x.crt)" 'RenewalDescriptionNotFound' 'ObjectNotFound' '<Root>/x.crt.renewal.json' -Target '<Root>/x.crt.renewal.json'
    Add-Case 'Update-DcosCertificate with a description that is not JSON' "Update-DcosCertificate -Path `$Root" 'RenewalDescriptionInvalid' 'InvalidData' '<Root>/x.crt.renewal.json' -Setup "Set-Content (Join-Path `$Root x.crt.renewal.json) '{ not json'" -Target '<Root>/x.crt.renewal.json'
    Add-Case 'Update-DcosCertificate with a path outside -Root' "Update-DcosCertificate -Path /etc/ssl/x.crt -Root `$Root" 'PathOutsideRoot' 'InvalidArgument' '/etc/ssl/x.crt.renewal.json'
    Add-Case 'Uninstall-DcosTlsRenewalTimer with a timer it did not write' "Uninstall-DcosTlsRenewalTimer -Root `$Root" 'RenewalTimerUnitNotOurs' 'InvalidOperation' '<Root>/etc/systemd/system/dcostls-renewal.timer' -Setup "`$null = New-Item -ItemType Directory -Force (Join-Path `$Root etc/systemd/system); Set-Content (Join-Path `$Root etc/systemd/system/dcostls-renewal.timer) '[Timer]'" -Target '<Root>/etc/systemd/system/dcostls-renewal.timer'
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../DcosTls.psd1') -Force
    $ca = New-TlsCertificateAuthority -CommonName 'Bad Input CA' -KeyAlgorithm ECDSA
    $server = New-DcosCertificate -Issuer $ca -CommonName docker.internal -DnsName docker.internal -IPAddress 127.0.0.1 -KeyAlgorithm ECDSA
    $secret = 'not-a-real-password'
    $cred = [pscredential]::new('puller', (ConvertTo-SecureString $secret -AsPlainText -Force))
    $login = New-DockerAuthConfig -Registry repo.internal:5000 -Credential $cred

    # Every entry under the root (or the root file itself): path, kind and content hash.
    function Get-RootState([string] $Root) {
        if (Test-Path -LiteralPath $Root -PathType Leaf) { return "file $((Get-FileHash -LiteralPath $Root).Hash)" }
        @(Get-ChildItem -LiteralPath $Root -Recurse -Force -ErrorAction SilentlyContinue | Sort-Object FullName | ForEach-Object {
                $relative = [IO.Path]::GetRelativePath($Root, $_.FullName)
                if ($_.LinkTarget) { "$relative -> $($_.LinkTarget)" }
                elseif ($_.PSIsContainer) { "$relative/" }
                else { "$relative $($_.UnixFileMode) $((Get-FileHash -LiteralPath $_.FullName).Hash)" }
            }) -join "`n"
    }
}

Describe 'Bad input stops with a stable id, names the value and writes nothing' -Tag BadInput, Heavy {
    It '<Name>' -ForEach $cases {
        $Root = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $null = New-Item -ItemType Directory -Path $Root
        if ($Setup) { . ([scriptblock]::Create($Setup)) }
        $before = Get-RootState $Root

        $failure = $null
        Push-Location -LiteralPath $TestDrive
        try {
            $ErrorActionPreference = 'Stop'
            $null = . ([scriptblock]::Create($Command)) 3>$null
        }
        catch { $failure = $_ }
        finally { Pop-Location; $ErrorActionPreference = 'Continue' }

        $failure | Should -Not -BeNullOrEmpty -Because "'$Command' must be refused"
        $failure.FullyQualifiedErrorId | Should -BeLike "$Id*"
        $failure.FullyQualifiedErrorId | Should -Match ',DcosTls\.Cmdlets\.'
        $failure.CategoryInfo.Category | Should -Be $Category
        "$failure" | Should -BeLike "*$([WildcardPattern]::Escape($Named.Replace('<Root>', $Root)))*"
        if ($Target) { $failure.TargetObject | Should -Be $Target.Replace('<Root>', $Root) }
        "$failure" | Should -Not -BeLike "*$secret*"
        Get-RootState $Root | Should -Be $before
    }
}
