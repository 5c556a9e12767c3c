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
# process once the port answers. Without a certificate file it serves plain HTTP, as a registry task
# behind marathon-lb does (the proxy terminates TLS).
function Start-TestRegistry([string] $Folder, [int] $Port, [string] $CertificateFile, [string] $KeyFile) {
    New-Item -ItemType Directory -Path $Folder -Force | Out-Null
    $config = Join-Path $Folder 'config.yml'
    $tls = if ($CertificateFile) { "`n  tls:`n    certificate: $CertificateFile`n    key: $KeyFile" } else { '' }
    Set-Content -LiteralPath $config -Value @"
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $(Join-Path $Folder 'storage')
http:
  addr: 127.0.0.1:$Port
  secret: pester-test-not-secret$tls
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

# A one-layer OCI image layout (tag 1) for skopeo to push, made here so a test needs no image from a
# network; returns the digests and sizes of its manifest and its layer.
function New-TestOciLayout([string] $Folder, [string] $Text = 'registry test') {
    $blobs = Join-Path $Folder 'blobs/sha256'
    $null = New-Item -ItemType Directory -Force $blobs
    $content = Join-Path $Folder 'content'
    $null = New-Item -ItemType Directory -Force $content
    Set-Content -LiteralPath (Join-Path $content 'hello.txt') -Value $Text
    $tar = Join-Path $Folder 'layer.tar'
    tar -C $content -cf $tar hello.txt
    $diffId = (Get-FileHash -LiteralPath $tar -Algorithm SHA256).Hash.ToLowerInvariant()
    gzip -n -f $tar
    function Add-Blob([byte[]] $Bytes) {
        $hex = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($Bytes)).ToLowerInvariant()
        [IO.File]::WriteAllBytes((Join-Path $blobs $hex), $Bytes)
        [ordered]@{ digest = "sha256:$hex"; size = $Bytes.Length }
    }
    $layer = Add-Blob ([IO.File]::ReadAllBytes("$tar.gz"))
    $utf8 = [Text.UTF8Encoding]::new($false)
    $config = Add-Blob $utf8.GetBytes((@{ architecture = 'amd64'; os = 'linux'; config = @{}; rootfs = @{ type = 'layers'; diff_ids = @("sha256:$diffId") } } | ConvertTo-Json -Compress -Depth 5))
    $manifest = Add-Blob $utf8.GetBytes(([ordered]@{
                schemaVersion = 2; mediaType = 'application/vnd.oci.image.manifest.v1+json'
                config = [ordered]@{ mediaType = 'application/vnd.oci.image.config.v1+json' } + $config
                layers = @([ordered]@{ mediaType = 'application/vnd.oci.image.layer.v1.tar+gzip' } + $layer)
            } | ConvertTo-Json -Compress -Depth 5))
    [IO.File]::WriteAllText((Join-Path $Folder 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
    $index = @{ schemaVersion = 2; manifests = @([ordered]@{ mediaType = 'application/vnd.oci.image.manifest.v1+json' } + $manifest + @{ annotations = @{ 'org.opencontainers.image.ref.name' = '1' } }) }
    [IO.File]::WriteAllText((Join-Path $Folder 'index.json'), ($index | ConvertTo-Json -Compress -Depth 5))
    [pscustomobject]@{ Manifest = $manifest.digest; Layer = $layer.digest; LayerSize = $layer.size }
}
