using System.Text.Json;

namespace DcosTls.Tests.Infrastructure;

/// <summary>
/// Runs a script against the real agent root (/) without touching this machine: a real pwsh in a
/// private mount namespace (unshare -m) where /etc, /var, /run, /opt and /usr/local are overlays whose
/// writable layer is a tmpfs, and systemctl is a stand-in that only records its arguments. The files
/// a test seeds are written into the overlays first. Every file in the writable layers (the seeds and
/// anything the script wrote anywhere under those folders) is hashed before and after the script.
/// </summary>
public static class AgentRootSandbox
{
    private const string Driver = """
        param([string] $Sandbox)
        $ErrorActionPreference = 'Stop'
        $layers = Join-Path $Sandbox 'layers'
        & mount -t tmpfs tmpfs $layers
        if ($LASTEXITCODE) { throw 'mount tmpfs failed' }
        $uppers = @()
        foreach ($folder in '/etc', '/var', '/run', '/opt', '/usr/local') {
            if (-not (Test-Path -LiteralPath $folder)) { continue }
            $name = $folder.Trim('/').Replace('/', '_')
            $upper = "$layers/$name/upper"; $work = "$layers/$name/work"
            $null = New-Item -ItemType Directory $upper, $work
            & mount -t overlay overlay -o "lowerdir=$folder,upperdir=$upper,workdir=$work" $folder
            if ($LASTEXITCODE) { throw "overlay over $folder failed" }
            $uppers += [pscustomobject]@{ Folder = $folder; Upper = $upper }
        }
        foreach ($systemctl in '/usr/bin/systemctl', '/bin/systemctl', '/usr/sbin/systemctl') {
            if (Test-Path -LiteralPath $systemctl) { & mount --bind (Join-Path $Sandbox 'systemctl') $systemctl }
        }
        $env:PATH = "$Sandbox/bin:$env:PATH"
        $seed = Join-Path $Sandbox 'seed'
        foreach ($file in Get-ChildItem -LiteralPath $seed -Recurse -File) {
            $target = $file.FullName.Substring($seed.Length)
            $null = New-Item -ItemType Directory -Force (Split-Path -Parent $target)
            Copy-Item -LiteralPath $file.FullName $target -Force
        }
        function Get-Snapshot {
            $hashes = [ordered]@{}
            foreach ($layer in $uppers) {
                foreach ($item in Get-ChildItem -LiteralPath $layer.Upper -Recurse -Force) {
                    $key = $layer.Folder + $item.FullName.Substring($layer.Upper.Length)
                    $hashes[$key] = if ($item.LinkTarget) { 'link:' + $item.LinkTarget }
                        elseif ($item.PSIsContainer) { 'folder' }
                        else { (Get-FileHash -LiteralPath $item.FullName -Algorithm SHA256).Hash + ' ' + $item.UnixMode }
                }
            }
            $hashes
        }
        $before = Get-Snapshot
        Import-Module $env:DCOSTLS_T_MANIFEST
        $rows = @(); $errors = @()
        try {
            foreach ($item in @(& ([scriptblock]::Create((Get-Content -Raw (Join-Path $Sandbox 'script.ps1')))) 2>&1)) {
                if ($item -is [System.Management.Automation.ErrorRecord]) { $errors += $item.FullyQualifiedErrorId + ': ' + $item }
                else { $rows += "$item" }
            }
        }
        catch { $errors += $_.FullyQualifiedErrorId + ': ' + $_ }
        $after = Get-Snapshot
        $calls = @(if (Test-Path (Join-Path $Sandbox 'systemctl.log')) { Get-Content (Join-Path $Sandbox 'systemctl.log') })
        [ordered]@{ Before = $before; After = $after; Rows = $rows; Errors = $errors; Systemctl = $calls } |
            ConvertTo-Json -Depth 4 | Set-Content -LiteralPath (Join-Path $Sandbox 'result.json')
        """;

    /// <summary>
    /// Seeds the agent paths (absolute path to content), runs the script with the module imported
    /// and returns what it printed, its errors, the hashes before and after and the systemctl calls.
    /// </summary>
    public static SandboxResult Run(IReadOnlyDictionary<string, string> seed, string script)
    {
        Xunit.Assert.True(Environment.UserName == "root" || Tool.Run("id", "-u").Out.Trim() == "0",
            "the agent-root sandbox needs root (unshare -m and mount); run the tests as root");
        using var dir = new TempDir("dcostls-sandbox-");
        Directory.CreateDirectory(dir["layers"]);
        Directory.CreateDirectory(dir["bin"]);
        foreach (var (path, content) in seed)
        {
            Xunit.Assert.StartsWith("/", path);
            string file = dir["seed" + path];
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, content);
        }
        string fake = $"#!/bin/sh\necho \"$*\" >> '{dir["systemctl.log"]}'\nexit 0\n";
        File.WriteAllText(dir["systemctl"], fake);
        File.WriteAllText(dir["bin/systemctl"], fake);
        File.SetUnixFileMode(dir["systemctl"], (UnixFileMode)Convert.ToInt32("755", 8));
        File.SetUnixFileMode(dir["bin/systemctl"], (UnixFileMode)Convert.ToInt32("755", 8));
        File.WriteAllText(dir["driver.ps1"], Driver);
        File.WriteAllText(dir["script.ps1"], script);

        var (code, stdout, stderr) = Tool.Run("unshare",
            new[] { "--mount", "--propagation", "private", "dotnet", "pwsh", "-NoProfile", "-NonInteractive", "-File", dir["driver.ps1"], "-Sandbox", dir.Path },
            env: new Dictionary<string, string?> { ["DCOSTLS_T_MANIFEST"] = Repo.Manifest }, workingDirectory: Repo.Root, timeoutMs: 240_000);
        Xunit.Assert.True(code == 0 && File.Exists(dir["result.json"]), $"the sandbox failed ({code}): {stdout}\n{stderr}");
        var json = JsonDocument.Parse(File.ReadAllText(dir["result.json"])).RootElement;
        static Dictionary<string, string> Map(JsonElement e)
            => e.ValueKind == JsonValueKind.Object ? e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!) : new();
        static List<string> List(JsonElement e)
            => e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().Select(x => x.GetString()!).ToList()
             : e.ValueKind == JsonValueKind.String ? new List<string> { e.GetString()! } : new List<string>();
        return new SandboxResult(Map(json.GetProperty("Before")), Map(json.GetProperty("After")),
            List(json.GetProperty("Rows")), List(json.GetProperty("Errors")), List(json.GetProperty("Systemctl")));
    }
}

public sealed record SandboxResult(
    Dictionary<string, string> Before, Dictionary<string, string> After, List<string> Rows, List<string> Errors, List<string> Systemctl)
{
    /// <summary>Fails unless every file, folder and link in the writable layers is as it was, and systemctl never ran.</summary>
    public void AssertNothingChanged()
    {
        var changed = Before.Keys.Union(After.Keys)
            .Where(k => !Before.TryGetValue(k, out var b) || !After.TryGetValue(k, out var a) || a != b)
            .Select(k => $"{k}: {Before.GetValueOrDefault(k, "(absent)")} -> {After.GetValueOrDefault(k, "(absent)")}").ToList();
        Xunit.Assert.True(changed.Count == 0, "the agent root changed:\n" + string.Join("\n", changed));
        Xunit.Assert.True(Systemctl.Count == 0, "systemctl ran: " + string.Join("; ", Systemctl));
    }
}
