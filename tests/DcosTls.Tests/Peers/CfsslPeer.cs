using System.Diagnostics;
using System.Text.Json.Nodes;
using DcosTls.Tests.Infrastructure;

namespace DcosTls.Tests.Peers;

/// <summary>
/// A real `cfssl serve` (Debian golang-cfssl 1.2.0, the DC/OS CA's engine) on 127.0.0.1 with a CA
/// made by `cfssl gencert -initca`, and profiles like a cluster's (default, server, client), plus
/// "intermediate", which signs CAs (ca_constraint is_ca, path length 0, cert sign and crl sign).
/// </summary>
public sealed class CfsslPeer : IDisposable
{
    private readonly Process _process;

    public CfsslPeer(string directory, string keyAlgo = "ecdsa", int keySize = 256)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        var csr = new JsonObject
        {
            ["CN"] = "DcosTls Test Cluster CA",
            ["key"] = new JsonObject { ["algo"] = keyAlgo, ["size"] = keySize },
            ["names"] = new JsonArray(new JsonObject { ["C"] = "US", ["O"] = "DcosTls Tests" }),
            ["ca"] = new JsonObject { ["expiry"] = "87600h" },
        };
        File.WriteAllText(Path.Combine(directory, "ca-csr.json"), csr.ToJsonString());
        File.WriteAllText(Path.Combine(directory, "ca-config.json"), """
            {"signing":{
              "default":{"expiry":"8760h","usages":["signing","key encipherment","server auth","client auth"]},
              "profiles":{
                "server":{"expiry":"8760h","usages":["signing","key encipherment","server auth"]},
                "client":{"expiry":"720h","usages":["signing","key encipherment","client auth"]},
                "intermediate":{"expiry":"43800h","usages":["cert sign","crl sign"],
                  "ca_constraint":{"is_ca":true,"max_path_len":0,"max_path_len_zero":true}}}}}
            """);
        var (code, json, err) = Tool.Run("cfssl", new[] { "gencert", "-initca", "ca-csr.json" }, workingDirectory: directory);
        if (code != 0) throw new InvalidOperationException("cfssl gencert -initca failed: " + err);
        var parsed = JsonNode.Parse(json)!;
        CaPem = parsed["cert"]!.GetValue<string>();
        File.WriteAllText(CaPath, CaPem);
        File.WriteAllText(CaKeyPath, parsed["key"]!.GetValue<string>());

        (_process, Port) = FreePort.Start(Serve);
    }

    /// <summary>cfssl serve on the port; ready when it answers a real info request, stopped if it never does.</summary>
    private (Process, int) Serve(int port)
    {
        var psi = new ProcessStartInfo("cfssl") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = Directory };
        foreach (var a in new[] { "serve", "-address", "127.0.0.1", "-port", port.ToString(), "-ca", CaPath, "-ca-key", CaKeyPath, "-config", ConfigPath })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        var log = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (log) log.AppendLine(e.Data); };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            FreePort.WaitUntilReady(() =>
            {
                using var response = http.PostAsync($"http://127.0.0.1:{port}/api/v1/cfssl/info", new StringContent("{}")).GetAwaiter().GetResult();
                return response.Content.ReadAsStringAsync().GetAwaiter().GetResult().Contains(CaPem.Split('\n')[1]);
            }, process, () => { lock (log) return log.ToString(); }, "cfssl serve", TimeSpan.FromSeconds(20));
            return (process, port);
        }
        catch
        {
            PeerProcess.Stop(process);
            throw;
        }
    }

    public string Directory { get; }
    public int Port { get; }
    public string CaPem { get; }
    public string CaPath => Path.Combine(Directory, "ca.pem");
    public string CaKeyPath => Path.Combine(Directory, "ca-key.pem");
    public string ConfigPath => Path.Combine(Directory, "ca-config.json");

    /// <summary>Issues a server certificate for the given hosts with `cfssl gencert`; returns (certPath, keyPath).</summary>
    public (string Cert, string Key) IssueServerCertificate(string name, params string[] hosts)
    {
        var request = new JsonObject
        {
            ["CN"] = hosts[0],
            ["hosts"] = new JsonArray(hosts.Select(h => (JsonNode)h!).ToArray()),
            ["key"] = new JsonObject { ["algo"] = "ecdsa", ["size"] = 256 },
        };
        string csrFile = Path.Combine(Directory, name + "-csr.json");
        File.WriteAllText(csrFile, request.ToJsonString());
        var (code, json, err) = Tool.Run("cfssl", new[] { "gencert", "-ca", CaPath, "-ca-key", CaKeyPath, "-config", ConfigPath, "-profile", "server", csrFile }, workingDirectory: Directory);
        if (code != 0) throw new InvalidOperationException("cfssl gencert failed: " + err);
        var parsed = JsonNode.Parse(json)!;
        string cert = Path.Combine(Directory, name + ".pem"), key = Path.Combine(Directory, name + "-key.pem");
        File.WriteAllText(cert, parsed["cert"]!.GetValue<string>());
        File.WriteAllText(key, parsed["key"]!.GetValue<string>());
        return (cert, key);
    }

    public void Dispose()
    {
        PeerProcess.Stop(_process);
    }
}
