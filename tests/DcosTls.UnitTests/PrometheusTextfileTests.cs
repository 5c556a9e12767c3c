using DcosTls.Lifecycle;
using Xunit;

namespace DcosTls.UnitTests;

public class PrometheusTextfileTests
{
    private static AgentCertificate Row(string store, string? registry, string subject, string path, DateTime? notAfter, string fingerprint = "AB")
        => new() { Store = store, Registry = registry, Role = "RegistryCa", Subject = subject, Path = path, NotAfter = notAfter, Sha256Fingerprint = fingerprint };

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a\"b", "a\\\"b")]
    [InlineData("a\\b", "a\\\\b")]
    [InlineData("a\nb", "a\\nb")]
    [InlineData("\\\"", "\\\\\\\"")]
    public void Escapes_label_values_as_the_text_format_says(string value, string escaped)
        => Assert.Equal(escaped, PrometheusTextfile.EscapeLabelValue(value));

    [Fact]
    public void Help_text_escapes_only_backslash_and_line_feed()
        => Assert.Equal("a\\\\b\\n\"c\"", PrometheusTextfile.EscapeHelp("a\\b\n\"c\""));

    [Fact]
    public void Writes_one_series_per_certificate_in_unix_seconds_and_leaves_empty_labels_out()
    {
        var notAfter = new DateTime(2030, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        string text = PrometheusTextfile.Render(new[]
        {
            Row("Mesos", null, "CN=Root", "/var/lib/dcos/pki/tls/certs/root.crt", notAfter),
            Row("Docker", "repo.internal:5000", "CN=Root", "/etc/docker/certs.d/repo.internal:5000/root.crt", notAfter),
        }, success: true, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        string seconds = new DateTimeOffset(notAfter).ToUnixTimeSeconds().ToString();
        Assert.Contains($"dcostls_certificate_expiry_timestamp_seconds{{store=\"Mesos\",role=\"RegistryCa\",subject=\"CN=Root\",sha256_fingerprint=\"AB\",path=\"/var/lib/dcos/pki/tls/certs/root.crt\"}} {seconds}\n", text);
        Assert.Contains("{store=\"Docker\",registry=\"repo.internal:5000\",", text);
        Assert.Contains("\ndcostls_inventory_success 1\n", text);
        Assert.Contains("\ndcostls_inventory_timestamp_seconds 1767225600\n", text);
        Assert.EndsWith("\n", text);
        Assert.DoesNotContain("\r", text);
    }

    [Fact]
    public void Leaves_out_rows_without_a_certificate_and_the_same_series_twice()
    {
        var notAfter = DateTime.UtcNow.AddDays(3);
        string text = PrometheusTextfile.Render(new[]
        {
            Row("Mesos", null, "CN=A", "/x/a.crt", notAfter),
            Row("Mesos", null, "CN=A", "/x/a.crt", notAfter),
            Row("Mesos", null, "", "/x/dangling.0", null),
        }, success: false, DateTime.UtcNow);
        Assert.Single(text.Split('\n'), l => l.StartsWith("dcostls_certificate_expiry_timestamp_seconds{", StringComparison.Ordinal));
        Assert.DoesNotContain("dangling", text);
        Assert.Contains("\ndcostls_inventory_success 0\n", text);
    }
}
