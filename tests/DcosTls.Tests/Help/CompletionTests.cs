using DcosTls.Tests.Infrastructure;
using Xunit;

namespace DcosTls.Tests.Help;

/// <summary>Tab completion, through the engine's own TabExpansion2.</summary>
public class CompletionTests
{
    private static List<string> Complete(Pwsh ps, string line)
        => ps.Run($"(TabExpansion2 -inputScript '{line.Replace("'", "''")}' -cursorColumn {line.Length}).CompletionMatches | ForEach-Object {{ $_.CompletionText }}")
            .ThrowOnError().Output.Select(o => o.ToString()).ToList();

    [Fact]
    public void KeySize_offers_the_sizes_of_the_chosen_algorithm()
    {
        using var ps = new Pwsh();
        Assert.Equal(new[] { "256", "384", "521" }, Complete(ps, "New-DcosCertificate -KeyAlgorithm ECDSA -KeySize "));
        Assert.Equal(new[] { "2048", "3072", "4096", "8192" }, Complete(ps, "New-TlsCertificateAuthority -KeySize "));
    }
}
