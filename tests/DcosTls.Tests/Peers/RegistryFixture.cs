using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using DcosTls.Tests.Infrastructure;

namespace DcosTls.Tests.Peers;

/// <summary>
/// A real docker-registry (distribution 2.8) on 127.0.0.1 with TLS from a throw-away CA and
/// htpasswd (bcrypt) basic auth, holding one tiny image pushed by skopeo. Started once per test
/// class and stopped by its PID.
/// </summary>
public sealed class RegistryFixture : IDisposable
{
    public const string User = "regtester";
    /// <summary>Distinctive, so tests can search every output for it.</summary>
    public const string Password = "Pw-7fQz!reg-s3cret";

    private readonly TempDir _dir = new("dcostls-registry-");
    private readonly Process _process;

    public RegistryFixture()
    {
        Port = FreePort();
        Host = $"127.0.0.1:{Port}";
        Image = $"{Host}/demo:1";
        CertDir = _dir["certs.d/" + Host];
        Directory.CreateDirectory(CertDir);
        MakeCertificates();
        var (hcode, htpasswd, herr) = Tool.Run("htpasswd", "-Bbn", User, Password);
        if (hcode != 0) throw new InvalidOperationException("htpasswd failed: " + herr);
        File.WriteAllText(_dir["htpasswd"], htpasswd);
        File.WriteAllText(_dir["config.yml"], $@"version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: {_dir["data"]}
http:
  addr: 127.0.0.1:{Port}
  secret: dcostls-test-not-secret
  tls:
    certificate: {_dir["registry.crt"]}
    key: {_dir["registry.key"]}
auth:
  htpasswd:
    realm: dcostls-test
    path: {_dir["htpasswd"]}
");
        var psi = new ProcessStartInfo("docker-registry") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("serve");
        psi.ArgumentList.Add(_dir["config.yml"]);
        foreach (var v in Tool.TrustVariables) psi.Environment.Remove(v);
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        WaitForPort();
        PushImage();
    }

    public int Port { get; }

    /// <summary>host:port as written in image references and config.json keys.</summary>
    public string Host { get; }

    public string Image { get; }

    /// <summary>The per-host certs.d folder (ca.crt) for skopeo --cert-dir.</summary>
    public string CertDir { get; }

    public string Auth => Convert.ToBase64String(Encoding.UTF8.GetBytes(User + ":" + Password));

    /// <summary>skopeo inspect of the test image; HOME is an empty folder unless given, so only the given config counts.</summary>
    public (int ExitCode, string Out, string Err) Inspect(string? authFile, string? home = null)
    {
        using var emptyHome = new TempDir("dcostls-home-");
        var args = new List<string> { "inspect", "--cert-dir", CertDir };
        if (authFile != null) { args.Add("--authfile"); args.Add(authFile); }
        args.Add("docker://" + Image);
        return Tool.Run("skopeo", args, env: new Dictionary<string, string?>
        {
            ["HOME"] = home ?? emptyHome.Path,
            ["XDG_RUNTIME_DIR"] = null,
            ["REGISTRY_AUTH_FILE"] = null,
            ["DOCKER_CONFIG"] = null,
        });
    }

    private void MakeCertificates()
    {
        Tool.Openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", _dir["ca.key"],
            "-out", _dir["ca.crt"], "-days", "2", "-subj", "/CN=DcosTls Registry Test CA");
        Tool.Openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", _dir["registry.key"],
            "-out", _dir["registry.csr"], "-subj", "/CN=127.0.0.1");
        File.WriteAllText(_dir["san.ext"], "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
        Tool.Openssl("x509", "-req", "-in", _dir["registry.csr"], "-CA", _dir["ca.crt"], "-CAkey", _dir["ca.key"], "-CAcreateserial",
            "-days", "2", "-extfile", _dir["san.ext"], "-out", _dir["registry.crt"]);
        File.Copy(_dir["ca.crt"], Path.Combine(CertDir, "ca.crt"));
    }

    private void PushImage()
    {
        string layout = _dir["oci"];
        OciLayout.Write(layout, "1");
        var (code, _, err) = Tool.Run("skopeo", new[] { "copy", "--dest-cert-dir", CertDir, "--dest-creds", User + ":" + Password,
            "oci:" + layout + ":1", "docker://" + Image }, env: new Dictionary<string, string?> { ["HOME"] = _dir.Path, ["XDG_RUNTIME_DIR"] = null });
        if (code != 0) throw new InvalidOperationException("skopeo copy to the test registry failed: " + err);
    }

    private void WaitForPort()
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"docker-registry exited ({_process.ExitCode})");
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        throw new TimeoutException("docker-registry did not listen on " + Host);
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
        _dir.Dispose();
    }
}

/// <summary>A one-layer OCI image layout, made in memory (no network, no daemon).</summary>
internal static class OciLayout
{
    internal static void Write(string dir, string tag)
    {
        Directory.CreateDirectory(Path.Combine(dir, "blobs", "sha256"));
        byte[] tar;
        using (var raw = new MemoryStream())
        {
            using (var writer = new TarWriter(raw, TarEntryFormat.Ustar, leaveOpen: true))
            {
                var entry = new UstarTarEntry(TarEntryType.RegularFile, "hello.txt")
                {
                    DataStream = new MemoryStream(Encoding.UTF8.GetBytes("hello from dcostls\n")),
                    ModificationTime = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero),
                    Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                };
                writer.WriteEntry(entry);
            }
            tar = raw.ToArray();
        }
        byte[] layer;
        using (var gz = new MemoryStream())
        {
            using (var z = new GZipStream(gz, CompressionLevel.Optimal, leaveOpen: true)) z.Write(tar);
            layer = gz.ToArray();
        }
        string layerDigest = Blob(dir, layer);
        byte[] config = Encoding.UTF8.GetBytes(
            "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:" + Hex(tar) + "\"]}}");
        string configDigest = Blob(dir, config);
        byte[] manifest = Encoding.UTF8.GetBytes(
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"," +
            $"\"config\":{{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"{configDigest}\",\"size\":{config.Length}}}," +
            $"\"layers\":[{{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"{layerDigest}\",\"size\":{layer.Length}}}]}}");
        string manifestDigest = Blob(dir, manifest);
        File.WriteAllText(Path.Combine(dir, "index.json"),
            "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"," +
            $"\"digest\":\"{manifestDigest}\",\"size\":{manifest.Length},\"annotations\":{{\"org.opencontainers.image.ref.name\":\"{tag}\"}}}}]}}");
        File.WriteAllText(Path.Combine(dir, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    }

    private static string Blob(string dir, byte[] content)
    {
        string hex = Hex(content);
        File.WriteAllBytes(Path.Combine(dir, "blobs", "sha256", hex), content);
        return "sha256:" + hex;
    }

    private static string Hex(byte[] content) => Convert.ToHexString(SHA256.HashData(content)).ToLowerInvariant();
}
