using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using DcosTls.Acme;
using DcosTls.Files;
using Xunit;

namespace DcosTls.UnitTests;

/// <summary>
/// The renewal information kept beside a description: it decides (and nothing is asked) only for the
/// same certificate and directory and before its retry time; a retry time further ahead than a day,
/// or a file that is not a kept answer, is not believed; a failure is kept as well.
/// </summary>
public sealed class KeptRenewalInfoTests : IDisposable
{
    private static readonly DateTime Now = new(2026, 12, 6, 12, 0, 0, DateTimeKind.Utc);
    private const string Directory = "https://127.0.0.1:9/dir";
    private readonly string _root = System.IO.Directory.CreateTempSubdirectory("dcostls-kept-").FullName;

    public void Dispose() => System.IO.Directory.Delete(_root, recursive: true);

    private string Write(KeptRenewalInfo kept)
    {
        string full = Path.Combine(_root, "registry.pem" + KeptRenewalInfo.Suffix);
        File.WriteAllBytes(full, kept.ToBytes());
        return full;
    }

    private static KeptRenewalInfo Window(DateTime retryAt) => new()
    {
        Thumbprint = "AABB", Directory = Directory, Answer = KeptRenewalInfo.Window, AskedAt = Now.AddHours(-1), RetryAt = retryAt,
        WindowStart = Now.AddDays(10), WindowEnd = Now.AddDays(11), ChosenAt = Now.AddDays(10.5), RetryAfterSeconds = 3600,
    };

    [Fact]
    public void A_kept_window_decides_before_its_retry_time_and_not_after()
    {
        string full = Write(Window(Now.AddHours(1)));
        var kept = KeptRenewalInfo.Read(full, new AgentRoot(_root), "aabb", Directory, Now, out string? unusable);
        Assert.Null(unusable);
        Assert.Equal(Now.AddDays(10.5), kept!.ChosenAt);
        Assert.Null(KeptRenewalInfo.Read(full, new AgentRoot(_root), "AABB", Directory, Now.AddHours(1), out unusable));
        Assert.Null(unusable);
    }

    [Fact]
    public void Another_certificate_or_directory_is_asked_again()
    {
        string full = Write(Window(Now.AddHours(1)));
        Assert.Null(KeptRenewalInfo.Read(full, new AgentRoot(_root), "CCDD", Directory, Now, out _));
        Assert.Null(KeptRenewalInfo.Read(full, new AgentRoot(_root), "AABB", "https://other.test/dir", Now, out _));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"version\":2}")]
    [InlineData("{\"version\":1,\"answer\":\"Window\",\"thumbprint\":\"AABB\"}")]
    public void A_file_that_is_not_a_kept_answer_is_not_believed(string content)
    {
        string full = Path.Combine(_root, "x" + KeptRenewalInfo.Suffix);
        File.WriteAllText(full, content);
        Assert.Null(KeptRenewalInfo.Read(full, new AgentRoot(_root), "AABB", Directory, Now, out string? unusable));
        Assert.NotNull(unusable);
    }

    [Fact]
    public void A_retry_time_further_ahead_than_a_day_is_not_believed()
    {
        string full = Write(Window(Now.AddDays(3)));
        Assert.Null(KeptRenewalInfo.Read(full, new AgentRoot(_root), "AABB", Directory, Now, out string? unusable));
        Assert.Contains("further ahead than a day", unusable);
    }

    [Fact]
    public void A_kept_answer_is_used_without_asking_and_a_failure_is_kept_for_an_hour()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // Self-signed, so without an Authority Key Identifier: asking fails before any connection.
        using var certificate = new CertificateRequest("CN=kept.test", key, HashAlgorithmName.SHA256).CreateSelfSigned(Now.AddDays(-1), Now.AddDays(89));
        var writer = new StagedFileWriter(_root, (_, _) => true);
        var log = new List<string>();
        var kept = Window(Now.AddHours(1));
        kept.Thumbprint = certificate.Thumbprint;
        Write(kept);
        bool trustRead = false;
        var chosen = AcmeSuggestedWindow.Ask(writer, "/registry.pem" + KeptRenewalInfo.Suffix, new Uri(Directory), () => { trustRead = true; return null; },
            certificate, 0.5, log.Add, CancellationToken.None, Now);
        Assert.Equal(Now.AddDays(10.5), chosen);
        Assert.False(trustRead);
        Assert.Contains(log, l => l.Contains("is not asked before then", StringComparison.Ordinal));

        log.Clear();
        Assert.Null(AcmeSuggestedWindow.Ask(writer, "/registry.pem" + KeptRenewalInfo.Suffix, new Uri(Directory), () => null,
            certificate, 0.5, log.Add, CancellationToken.None, Now.AddHours(2)));
        var failed = KeptRenewalInfo.Read(Path.Combine(_root, "registry.pem" + KeptRenewalInfo.Suffix), new AgentRoot(_root), certificate.Thumbprint, Directory, Now.AddHours(2), out _);
        Assert.Equal((KeptRenewalInfo.Failed, "AcmeRenewalInfoNoKeyId", Now.AddHours(3)), (failed!.Answer, failed.ErrorId, failed.RetryAt));
        Assert.Contains(log, l => l.StartsWith("Asked ", StringComparison.Ordinal));
    }

    [Fact]
    public void Retry_after_is_held_to_a_minute_and_a_day()
    {
        Assert.Equal(TimeSpan.FromMinutes(1), AcmeRenewalInfo.Clamp(TimeSpan.FromSeconds(1)));
        Assert.Equal(TimeSpan.FromDays(1), AcmeRenewalInfo.Clamp(TimeSpan.FromDays(30)));
        Assert.Equal(TimeSpan.FromHours(3), AcmeRenewalInfo.Clamp(TimeSpan.FromHours(3)));
    }
}
