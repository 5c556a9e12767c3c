using System.Diagnostics;
using DcosTls.Tests.Infrastructure;

namespace DcosTls.Tests.Peers;

/// <summary>
/// Debian's docker-registry (distribution 2.8) serving TLS on 127.0.0.1 with the given
/// certificate and key files (which may be one combined PEM), optionally htpasswd (bcrypt) basic
/// auth, storage in the given folder, stopped by PID. Never the package's default config (it
/// listens on every interface). The one place the tests start a registry.
/// </summary>
public sealed class DockerRegistryFixture : IDisposable
{
    private readonly Process _process;

    private DockerRegistryFixture(Process process, int port, string logFile)
    {
        _process = process;
        Port = port;
        LogFile = logFile;
    }

    public int Port { get; }
    public string LogFile { get; }
    public string Log => File.Exists(LogFile) ? File.ReadAllText(LogFile) : string.Empty;

    public static DockerRegistryFixture Start(string directory, string certificateFile, string keyFile, string? htpasswdFile = null)
        => FreePort.Start(port => StartOn(port, directory, certificateFile, keyFile, htpasswdFile));

    private static DockerRegistryFixture StartOn(int port, string directory, string certificateFile, string keyFile, string? htpasswdFile)
    {
        Directory.CreateDirectory(directory);
        string config = Path.Combine(directory, "config.yml");
        string logFile = Path.Combine(directory, "registry.log");
        File.WriteAllText(config, $"""
            version: 0.1
            log:
              level: info
            storage:
              filesystem:
                rootdirectory: {Path.Combine(directory, "storage")}
            http:
              addr: 127.0.0.1:{port}
              secret: dcostls-test-not-secret
              tls:
                certificate: {certificateFile}
                key: {keyFile}
            """ + (htpasswdFile == null ? string.Empty : $"""

            auth:
              htpasswd:
                realm: dcostls-test
                path: {htpasswdFile}
            """));
        var psi = new ProcessStartInfo("docker-registry") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("serve");
        psi.ArgumentList.Add(config);
        foreach (var v in Tool.TrustVariables) psi.Environment.Remove(v);
        var process = Process.Start(psi)!;
        var log = new StreamWriter(logFile) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (log) log.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var fixture = new DockerRegistryFixture(process, port, logFile);
        try
        {
            // Ready when the registry itself answers /v2/ over TLS (whatever else might hold the port would not
            // send the distribution header). The certificate is what the tests examine, not checked here.
            using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
            using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(2) };
            FreePort.WaitUntilReady(() =>
            {
                using var response = http.GetAsync($"https://127.0.0.1:{port}/v2/").GetAwaiter().GetResult();
                return response.Headers.Contains("Docker-Distribution-Api-Version");
            }, process, () => fixture.Log, "docker-registry", TimeSpan.FromSeconds(15));
            return fixture;
        }
        catch
        {
            fixture.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Tool.Run("kill", "-TERM", _process.Id.ToString());
            if (!_process.WaitForExit(10_000)) _process.Kill();
        }
        _process.Dispose();
    }
}
