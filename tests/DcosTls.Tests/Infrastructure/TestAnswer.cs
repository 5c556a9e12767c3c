using Xunit;

namespace DcosTls.Tests.Infrastructure;

/// <summary>The answer of a Test-* cmdlet, with its contract checked.</summary>
public static class TestAnswer
{
    /// <summary>
    /// The one bool a Test-* cmdlet wrote. $false comes with non-terminating errors (one per failed
    /// check) whose ids start with <paramref name="idPrefix"/>; $true comes with none.
    /// </summary>
    public static bool Of(PwshResult result, string idPrefix)
    {
        Assert.Null(result.Terminating);
        bool answer = Assert.IsType<bool>(Assert.Single(result.Output).BaseObject);
        if (answer)
        {
            Assert.Empty(result.Errors);
        }
        else
        {
            Assert.NotEmpty(result.Errors);
            Assert.All(result.Errors, e => Assert.StartsWith(idPrefix, e.FullyQualifiedErrorId));
        }
        return answer;
    }
}
