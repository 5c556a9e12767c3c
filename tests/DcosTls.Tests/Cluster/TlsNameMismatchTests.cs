using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DcosTls.Tests.Infrastructure;
using Xunit;

namespace DcosTls.Tests.Cluster;

/// <summary>
/// A master whose certificate comes from the pinned CA but lists other names: pinning cannot fix
/// that, so the error says the certificate is not valid for the host name and what to do instead.
/// The stand-in is a TLS listener on 127.0.0.1 whose certificate names only master.other.test.
/// </summary>
public sealed class TlsNameMismatchTests : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2 _server;
    private readonly CancellationTokenSource _stop = new();
    private readonly TempDir _dir = new();

    public TlsNameMismatchTests()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Name Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        _ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllText(_dir["ca.crt"], _ca.ExportCertificatePem());

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=master.other.test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("master.other.test");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new("1.3.6.1.5.5.7.3.1") }, false));
        using var issued = request.Create(_ca, DateTimeOffset.UtcNow.AddDays(-1), _ca.NotAfter.AddDays(-1), new byte[] { 1, 2, 3, 4 });
        // Through PKCS#12, so that the server side of SslStream can use the key on every platform.
        _server = X509CertificateLoader.LoadPkcs12(issued.CopyWithPrivateKey(key).Export(X509ContentType.Pkcs12), null);

        _listener.Start();
        _ = Serve();
    }

    private int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task Serve()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(async () =>
            {
                using (client)
                using (var tls = new SslStream(client.GetStream()))
                {
                    try { await tls.AuthenticateAsServerAsync(_server); } catch (Exception) { }
                }
            });
        }
    }

    private ErrorRecordView Connect(string caPath)
    {
        using var ps = new Pwsh();
        ps.Set("cred", new System.Management.Automation.PSCredential("someone", new NetworkCredential("", "name-test-pw").SecurePassword));
        var run = ps.Run($@"
            Connect-DcosCluster -Uri 'https://127.0.0.1:{Port}' -Credential $cred -CaCertificate (Import-DcosCertificate -Path '{caPath}')");
        // The refusal is both written and thrown: one id, whichever record is looked at.
        var errors = run.AllErrors.ToList();
        Assert.NotEmpty(errors);
        Assert.True(errors.Select(e => e.FullyQualifiedErrorId).Distinct().Count() == 1,
            string.Join("\n", errors.Select(e => $"{e.FullyQualifiedErrorId}: {e}")));
        var error = errors[0];
        return new ErrorRecordView(error.FullyQualifiedErrorId.Split(',')[0], error.CategoryInfo.Category.ToString(), error.ToString());
    }

    private sealed record ErrorRecordView(string Id, string Category, string Message);

    [Fact]
    public void The_right_ca_with_another_name_is_told_the_name_not_to_pin()
    {
        var seen = Connect(_dir["ca.crt"]);
        Assert.Equal("TlsCertificateNameMismatch", seen.Id);
        Assert.Equal("ConnectionError", seen.Category);
        Assert.Contains("not valid for the host name '127.0.0.1'", seen.Message);
        Assert.Contains("subject alternative names", seen.Message);
        Assert.DoesNotContain("Pin its CA", seen.Message);
    }

    [Fact]
    public void Another_ca_is_still_told_to_pin_the_right_one()
    {
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var other = new CertificateRequest("CN=Other CA", otherKey, HashAlgorithmName.SHA256);
        other.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var otherCa = other.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllText(_dir["other.crt"], otherCa.ExportCertificatePem());

        var seen = Connect(_dir["other.crt"]);
        Assert.Equal("TlsCertificateRejected", seen.Id);
        Assert.Contains("Pin its CA", seen.Message);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _server.Dispose();
        _ca.Dispose();
        _dir.Dispose();
    }
}
