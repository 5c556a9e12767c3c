using System.Collections;
using System.Management.Automation.Language;
using DcosTls.Session;

namespace DcosTls.Cmdlets;

/// <summary>
/// Tab completion for -Profile from the cluster's CA info. cfssl has no call that lists profiles and
/// answers an unknown profile with the default one, so the usual names are asked for one by one and
/// offered only when the CA answers them differently from its default; the tooltip says what each
/// gives (usages and expiry). Needs a connected default session; offers nothing otherwise.
/// </summary>
public sealed class ProfileCompleter : IArgumentCompleter
{
    private static readonly string[] CommonNames = { "server", "client", "peer", "intermediate", "ca" };
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(3);

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var session = SessionStore.Default;
        if (session == null || !session.IsConnected) return Array.Empty<CompletionResult>();
        using var cancel = new CancellationTokenSource(Budget);
        var results = new List<CompletionResult>();
        try
        {
            var ca = new CfsslClient(session, _ => { }, cancel.Token);
            var (defaultUsages, defaultExpiry) = ca.ProfileInfo(null);
            foreach (string name in CommonNames.Where(n => n.StartsWith(wordToComplete ?? string.Empty, StringComparison.OrdinalIgnoreCase)))
            {
                var (usages, expiry) = ca.ProfileInfo(name);
                if (usages.SequenceEqual(defaultUsages) && expiry == defaultExpiry) continue; // the CA fell back to its default
                results.Add(new CompletionResult(name, name, CompletionResultType.ParameterValue, $"{string.Join(", ", usages)}; expiry {expiry}"));
            }
        }
        catch (Exception e) when (e is DcosApiException or OperationCanceledException)
        {
            // No completion beats a stack trace on Tab.
        }
        return results;
    }
}
