using DcosTls.Common;
using DcosTls.Session;

namespace DcosTls.Cmdlets;

/// <summary>
/// Base of the cmdlets that read or change the cluster through Admin Router (Marathon apps, secrets,
/// service accounts, permissions): a refusal ends only the input (or the one id of an -Id array) it was
/// raised for, and the pipeline goes on; a refused login (DcosAuthenticationException) ends the cmdlet,
/// since every later call would be refused the same way.
/// </summary>
public abstract class DcosClusterCmdlet : DcosSessionCmdlet
{
    protected override bool EndsOnlyThisInput(DcosTlsException error) => error is not DcosAuthenticationException;

    /// <summary>
    /// Runs <paramref name="work"/> for each item of an array parameter under the per-input rule, so a
    /// refusal for one item is written and the next item still runs. The error target starts empty for
    /// each item (the exception's own); the work names what it works on with <see cref="DcosCmdlet.ErrorTarget"/>.
    /// </summary>
    private protected void ForEachInput<T>(IEnumerable<T> items, Action<T> work)
    {
        foreach (T item in items)
        {
            ErrorTarget = null;
            RunInput(() => work(item));
        }
    }
}
