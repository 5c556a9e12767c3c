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
    private DockerRegistryFixture? _registry;

    public RegistryFixture()
    {
        // xunit never disposes a fixture whose constructor threw: stop what was started, then fail.
        try
        {
            Start();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private void Start()
    {
        MakeCertificates();
        var (hcode, htpasswd, herr) = Tool.Run("htpasswd", "-Bbn", User, Password);
        if (hcode != 0) throw new InvalidOperationException("htpasswd failed: " + herr);
        File.WriteAllText(_dir["htpasswd"], htpasswd);
        _registry = DockerRegistryFixture.Start(_dir["registry"], _dir["registry.crt"], _dir["registry.key"], _dir["htpasswd"]);
        Host = $"127.0.0.1:{Port}";
        Image = $"{Host}/demo:1";
        Directory.CreateDirectory(CertDir);
        File.Copy(_dir["ca.crt"], Path.Combine(CertDir, "ca.crt"));
        PushImage();
    }

    public int Port => _registry!.Port;

    /// <summary>host:port as written in image references and config.json keys.</summary>
    public string Host { get; private set; } = string.Empty;

    public string Image { get; private set; } = string.Empty;

    /// <summary>The per-host certs.d folder (ca.crt) for skopeo --cert-dir.</summary>
    public string CertDir => _dir["certs.d/" + Host];

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
    }

    private void PushImage()
    {
        string layout = _dir["oci"];
        OciImage.Write(layout, "1", "hello.txt", "hello from DcosTls credential tests\n");
        var (code, _, err) = Tool.Run("skopeo", new[] { "copy", "--dest-cert-dir", CertDir, "--dest-creds", User + ":" + Password,
            "oci:" + layout + ":1", "docker://" + Image }, env: new Dictionary<string, string?> { ["HOME"] = _dir.Path, ["XDG_RUNTIME_DIR"] = null });
        if (code != 0) throw new InvalidOperationException("skopeo copy to the test registry failed: " + err);
    }

    public void Dispose()
    {
        _registry?.Dispose();
        _dir.Dispose();
    }
}
