using System.Collections;
using System.Management.Automation.Language;

namespace DcosTls.Cmdlets;

/// <summary>Tab completion for -KeySize: the sizes valid for the chosen -KeyAlgorithm.</summary>
public sealed class KeySizeCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string algorithm = fakeBoundParameters["KeyAlgorithm"]?.ToString() ?? "RSA";
        int[] sizes = algorithm.Equals("ECDSA", StringComparison.OrdinalIgnoreCase)
            ? new[] { 256, 384, 521 }
            : new[] { 2048, 3072, 4096, 8192 };
        return sizes.Select(s => s.ToString())
            .Where(s => s.StartsWith(wordToComplete ?? string.Empty, StringComparison.Ordinal))
            .Select(s => new CompletionResult(s, s, CompletionResultType.ParameterValue, $"{algorithm} {s}"));
    }
}
