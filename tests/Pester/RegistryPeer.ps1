<#
    A real docker-registry for the Pester files that need one serving TLS: dot-source this file in
    BeforeAll. Loopback only; the caller stops the process it gets back.
#>

function Get-FreePort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

# docker-registry on 127.0.0.1:$Port serving the certificate file (leaf, then chain) and key; returns its
# process once the port answers.
function Start-TestRegistry([string] $Folder, [int] $Port, [string] $CertificateFile, [string] $KeyFile) {
    New-Item -ItemType Directory -Path $Folder -Force | Out-Null
    $config = Join-Path $Folder 'config.yml'
    Set-Content -LiteralPath $config -Value @"
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $(Join-Path $Folder 'storage')
http:
  addr: 127.0.0.1:$Port
  secret: pester-test-not-secret
  tls:
    certificate: $CertificateFile
    key: $KeyFile
"@
    $process = Start-Process -FilePath docker-registry -ArgumentList 'serve', $config -PassThru `
        -RedirectStandardOutput (Join-Path $Folder 'out.log') -RedirectStandardError (Join-Path $Folder 'err.log')
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while ([DateTime]::UtcNow -lt $deadline) {
        if ($process.HasExited) { throw "docker-registry exited: $(Get-Content -Raw (Join-Path $Folder 'err.log'))" }
        $client = [System.Net.Sockets.TcpClient]::new()
        try { $client.Connect('127.0.0.1', $Port); return $process }
        catch { Start-Sleep -Milliseconds 100 }
        finally { $client.Dispose() }
    }
    Stop-Process -Id $process.Id -ErrorAction SilentlyContinue
    throw "docker-registry did not listen on 127.0.0.1:$Port within 30 s"
}
