using DcosTls.Tests.Infrastructure;
using Xunit;

namespace DcosTls.Tests.Lifecycle;

/// <summary>
/// Export-DcosTlsMetric -Name is a file name node_exporter shows in its own series,
/// so a name with a line break (or a quote, a backslash, a space) is refused before anything is read
/// or written, with a stable id and the value shown printably.
/// </summary>
public class MetricsFileNameTests
{
    [Theory]
    [InlineData("a\nb.prom", "a\\nb.prom")]
    [InlineData("a\rb.prom", "a\\rb.prom")]
    [InlineData("a\tb.prom", "a\\tb.prom")]
    [InlineData("a\"b.prom", "a\"b.prom")]
    [InlineData("a\\b.prom", "a\\b.prom")]
    [InlineData("a b.prom", "a b.prom")]
    public void Export_DcosTlsMetric_refuses_a_name_that_would_break_the_text_format_naming_it_printably(string name, string shown)
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        Directory.CreateDirectory(dir["root/textfile"]);
        ps.Set("name", name);

        var result = ps.Run("Export-DcosTlsMetric -TextfileDirectory /textfile -Root root -Name $name");

        var error = Assert.Single(result.AllErrors);
        Assert.StartsWith("InvalidMetricsFileName,", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains($"'{shown}'", error.Exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(error.Exception.Message, char.IsControl);
        Assert.Empty(Directory.GetFileSystemEntries(dir["root/textfile"]));
    }
}
