<#
    The DC/OS CA for the tests: a real `cfssl serve` (the CA engine DC/OS runs) on a free port of
    127.0.0.1, with a CA made by `cfssl gencert -initca` and one signing profile for server
    certificates; the master stand-in (MesosMaster.py) serves it as Admin Router's /ca/api/v2.
    Dot-source it inside a Pester block; the caller stops the process (its PID is also listed for
    tests/run.ps1, which stops whatever a crashed test left).
#>
function Start-TestClusterCa([string] $Folder, [string] $CommonName, [string] $ProfileName = 'server', [string] $ProfileExpiry = '8760h') {
    $null = New-Item -ItemType Directory -Force -Path $Folder
    Set-Content (Join-Path $Folder 'ca-csr.json') (@{ CN = $CommonName; key = @{ algo = 'ecdsa'; size = 256 }; ca = @{ expiry = '87600h' } } | ConvertTo-Json -Compress)
    $config = @{ signing = @{
            default  = @{ expiry = '8760h'; usages = @('signing', 'key encipherment', 'server auth', 'client auth') }
            profiles = @{ $ProfileName = @{ expiry = $ProfileExpiry; usages = @('signing', 'key encipherment', 'server auth') } }
        } }
    Set-Content (Join-Path $Folder 'ca-config.json') ($config | ConvertTo-Json -Depth 5 -Compress)
    $initca = & cfssl gencert -initca (Join-Path $Folder 'ca-csr.json') 2>$null | ConvertFrom-Json
    Set-Content (Join-Path $Folder 'ca.pem') $initca.cert
    Set-Content (Join-Path $Folder 'ca-key.pem') $initca.key
    $listener = [System.Net.Sockets.TcpListener]::new([ipaddress]'127.0.0.1', 0)
    $listener.Start()
    try { $port = $listener.LocalEndpoint.Port } finally { $listener.Stop() }
    $start = [System.Diagnostics.ProcessStartInfo]::new('sh')
    foreach ($argument in '-c', 'exec cfssl serve -address 127.0.0.1 -port "$1" -ca "$2/ca.pem" -ca-key "$2/ca-key.pem" -config "$2/ca-config.json" > "$2/serve.log" 2>&1', 'sh', $port, $Folder) {
        $start.ArgumentList.Add([string] $argument)
    }
    $start.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($start)
    if ($env:DCOSTLS_TEST_PIDS) { Add-Content -LiteralPath $env:DCOSTLS_TEST_PIDS -Value $process.Id }
    $deadline = [datetime]::UtcNow.AddSeconds(20)
    while ($true) {
        $client = [System.Net.Sockets.TcpClient]::new()
        try { $client.Connect('127.0.0.1', $port); break } catch { } finally { $client.Dispose() }
        if ($process.HasExited -or [datetime]::UtcNow -gt $deadline) { throw "cfssl serve did not listen on 127.0.0.1:$port" }
        Start-Sleep -Milliseconds 100
    }
    [pscustomobject]@{ Process = $process; Port = $port; Folder = $Folder; CertificatePem = $initca.cert; KeyPem = $initca.key }
}
