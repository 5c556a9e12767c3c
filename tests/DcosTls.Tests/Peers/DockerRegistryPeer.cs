using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using DcosTls.Tests.Infrastructure;

namespace DcosTls.Tests.Peers;

/// <summary>
/// A real docker-registry (Debian's docker/distribution) on 127.0.0.1 with TLS from a cfssl CA
/// (cfssl gencert -initca + cfssl gencert), holding one image demo:1 pushed with skopeo. A second
/// cfssl CA that signed nothing here stands in for "the wrong CA". Stopped by its own PID.
/// </summary>
public sealed class DockerRegistryPeer : IDisposable
{
    private readonly TempDir _dir = new("dcostls-registry-");
    private readonly DockerRegistryFixture? _registry;
    private readonly DockerRegistryFixture? _expiredRegistry;

    public DockerRegistryPeer()
    {
        // xunit never disposes a fixture whose constructor threw: stop what was started, then fail.
        try
        {
            (_registry, _expiredRegistry) = Start();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private (DockerRegistryFixture, DockerRegistryFixture) Start()
    {
        Cfssl("ca-csr.json", """{"CN":"DcosTls Test Registry CA","key":{"algo":"ecdsa","size":256},"names":[{"O":"DcosTls Tests","OU":"Registry CA"}]}""",
            "cfssl gencert -initca ca-csr.json | cfssljson -bare ca");
        Cfssl("other-csr.json", """{"CN":"DcosTls Test Other CA","key":{"algo":"ecdsa","size":256},"names":[{"O":"DcosTls Tests"}]}""",
            "cfssl gencert -initca other-csr.json | cfssljson -bare other");
        File.WriteAllText(_dir["ca-config.json"],
            """{"signing":{"default":{"expiry":"8760h","usages":["signing","key encipherment","server auth"]},"profiles":{"server":{"expiry":"8760h","usages":["signing","key encipherment","server auth"]}}}}""");
        Cfssl("server-csr.json", """{"CN":"repo.internal","hosts":["127.0.0.1","localhost","repo.internal"],"key":{"algo":"ecdsa","size":256}}""",
            "cfssl gencert -ca ca.pem -ca-key ca-key.pem -config ca-config.json -profile server server-csr.json | cfssljson -bare server");

        WriteExpiredServerCertificate();

        var registry = DockerRegistryFixture.Start(_dir["registry"], _dir["server.pem"], _dir["server-key.pem"]);
        try
        {
            var expired = DockerRegistryFixture.Start(_dir["registry-expired"], _dir["expired.pem"], _dir["expired-key.pem"]);
            PushDemoImage(registry.Port);
            return (registry, expired);
        }
        catch
        {
            registry.Dispose();
            throw;
        }
    }

    /// <summary>A server certificate from the same CA that has already expired (cfssl cannot date one in the past).</summary>
    private void WriteExpiredServerCertificate()
    {
        using var caKey = ECDsa.Create();
        caKey.ImportFromPem(File.ReadAllText(_dir["ca-key.pem"]));
        using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(_dir["ca.pem"])).CopyWithPrivateKey(caKey);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=repo.internal", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
        var serial = new byte[8];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7F;
        // cfssl backdates the CA by about 5 minutes; the leaf lives for the first minute of that.
        var start = new DateTimeOffset(ca.NotBefore.ToUniversalTime());
        using var cert = request.Create(ca, start, start.AddMinutes(1), serial);
        File.WriteAllText(_dir["expired.pem"], cert.ExportCertificatePem() + "\n");
        File.WriteAllText(_dir["expired-key.pem"], key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    public int Port => _registry!.Port;

    /// <summary>A second registry whose certificate (from the same CA) has expired.</summary>
    public int ExpiredPort => _expiredRegistry!.Port;

    /// <summary>host:port of the registry as image references write it.</summary>
    public string Registry => $"127.0.0.1:{Port}";

    /// <summary>The CA that signed the registry's certificate (PEM file).</summary>
    public string CaPem => _dir["ca.pem"];

    /// <summary>A CA that signed nothing the registry serves.</summary>
    public string OtherCaPem => _dir["other.pem"];

    public string Image => $"docker://127.0.0.1:{Port}/demo:1";

    public void Dispose()
    {
        _registry?.Dispose();
        _expiredRegistry?.Dispose();
        _dir.Dispose();
    }

    private void Cfssl(string csrFile, string csrJson, string command)
    {
        File.WriteAllText(_dir[csrFile], csrJson);
        var (code, _, err) = Tool.Run("sh", new[] { "-c", command }, workingDirectory: _dir.Path);
        if (code != 0) throw new InvalidOperationException($"{command} failed: {err}");
    }

    /// <summary>A one-layer OCI layout (OciImage) pushed with skopeo, trusting the CA by a private cert dir.</summary>
    private void PushDemoImage(int port)
    {
        string oci = _dir["oci"];
        OciImage.Write(oci, "demo", "hello.txt", "hello from DcosTls tests\n");
        string certDir = _dir["push-certs"];
        Directory.CreateDirectory(certDir);
        File.Copy(CaPem, Path.Combine(certDir, "ca.crt"));
        var (code, _, err) = Tool.Run("skopeo", "copy", "--dest-cert-dir", certDir, $"oci:{oci}:demo", $"docker://127.0.0.1:{port}/demo:1");
        if (code != 0) throw new InvalidOperationException($"skopeo copy failed: {err}");
    }
}
