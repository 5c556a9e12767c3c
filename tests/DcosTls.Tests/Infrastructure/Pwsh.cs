using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text;

namespace DcosTls.Tests.Infrastructure;

/// <summary>
/// A real PowerShell engine (System.Management.Automation) in the test process, with the assembled
/// module imported from the root manifest. Tests drive cmdlets through scripts, as users do.
/// </summary>
public sealed class Pwsh : IDisposable
{
    private readonly Runspace _runspace;
    private readonly List<PwshResult> _runs = new();

    /// <summary>
    /// Every stream is switched on, so a message a cmdlet writes to Verbose, Debug, Information or
    /// Progress reaches the results (and the leak checks) without each test asking for it.
    /// </summary>
    private const string AllStreamsOn =
        "$VerbosePreference = $DebugPreference = $InformationPreference = $ProgressPreference = $WarningPreference = 'Continue'";

    public Pwsh(string? workingDirectory = null, bool importModule = true, System.Management.Automation.Host.PSHost? host = null)
    {
        var iss = InitialSessionState.CreateDefault2();
        _runspace = host == null ? RunspaceFactory.CreateRunspace(iss) : RunspaceFactory.CreateRunspace(host, iss);
        _runspace.Open();
        if (workingDirectory != null) _runspace.SessionStateProxy.Path.SetLocation(workingDirectory);
        Invoke(AllStreamsOn).ThrowOnError();
        if (importModule) Run($"Import-Module '{Repo.Manifest}' -ErrorAction Stop").ThrowOnError();
    }

    /// <summary>Sets $name in the runspace (objects, SecureStrings, credentials...).</summary>
    public Pwsh Set(string name, object? value)
    {
        _runspace.SessionStateProxy.SetVariable(name, value);
        return this;
    }

    public object? Get(string name) => _runspace.SessionStateProxy.GetVariable(name);

    /// <summary>Runs a script and keeps every stream, so tests can search them for secrets.</summary>
    public PwshResult Run(string script)
    {
        var result = Invoke(script);
        lock (_runs) _runs.Add(result);
        return result;
    }

    /// <summary>Every run of this engine so far, in order.</summary>
    public IReadOnlyList<PwshResult> Runs
    {
        get { lock (_runs) return _runs.ToList(); }
    }

    /// <summary>
    /// Everything every run produced, as deep as a user could look: outputs serialized (CLIXML and
    /// JSON, depth 5), every stream's messages and data, error records as Format-List * -Force shows
    /// them, and exceptions with their inner exceptions. Leak checks search this.
    /// </summary>
    public string AllText()
    {
        var sb = new StringBuilder();
        foreach (var run in Runs) sb.AppendLine(DeepText(run));
        return sb.ToString();
    }

    /// <summary>One run's <see cref="AllText()"/>.</summary>
    public string DeepText(PwshResult run)
    {
        var sb = new StringBuilder(run.AllText());
        foreach (var o in run.Output.Where(o => o != null))
        {
            sb.AppendLine(Serialize(o));
            sb.AppendLine(Render("$args[0] | ConvertTo-Json -Depth 5 -WarningAction Ignore", o));
            sb.AppendLine(Render("$args[0] | Format-List * -Force | Out-String -Width 4096", o));
        }
        // Error records as a user would look at them. Their InvocationInfo is left out: it is the
        // engine's copy of the caller's own command line and bound arguments, which a test that types
        // a bad value holding a secret would otherwise find there, whatever the module does.
        foreach (var e in run.AllErrors)
        {
            sb.AppendLine(Render("$args[0] | Format-List * -Force | Out-String -Width 4096", e));
            sb.AppendLine(e.ErrorDetails?.Message).AppendLine(e.ErrorDetails?.RecommendedAction).AppendLine(e.CategoryInfo.ToString());
            if (e.TargetObject != null) sb.AppendLine(Serialize(e.TargetObject));
            for (var x = e.Exception; x != null; x = x.InnerException)
            {
                sb.AppendLine(x.ToString());
                sb.AppendLine(Render("$args[0] | Format-List * -Force | Out-String -Width 4096", x));
            }
        }
        foreach (var i in run.InformationRecords) sb.AppendLine(Serialize(i.MessageData));
        foreach (var p in run.Progress) sb.AppendLine(p.Activity).AppendLine(p.StatusDescription).AppendLine(p.CurrentOperation);
        if (run.Terminating != null) sb.AppendLine(run.Terminating.ToString());
        return sb.ToString();
    }

    /// <summary>CLIXML to depth 5, in this runspace so the module's type data (script properties) counts.</summary>
    private string Serialize(object? o)
        => o == null ? string.Empty : Render("[System.Management.Automation.PSSerializer]::Serialize($args[0], 5)", o);

    private bool _utilityLoaded;

    /// <summary>
    /// Runs a formatting script on an object, outside the recorded runs. Format-List and ConvertTo-Json
    /// come from the pwsh tool's own Microsoft.PowerShell.Utility (the hosted engine has none), loaded
    /// the first time. A rendering that fails fails the test: a search of nothing must not pass.
    /// </summary>
    private string Render(string script, object o)
    {
        if (!_utilityLoaded)
        {
            string dll = Path.Combine(Repo.PwshToolHome(), "Microsoft.PowerShell.Commands.Utility.dll");
            Invoke($"Import-Module '{dll}' -ErrorAction Stop -Verbose:$false").ThrowOnError();
            _utilityLoaded = true;
        }
        using var ps = PowerShell.Create();
        ps.Runspace = _runspace;
        ps.AddScript(script).AddArgument(o);
        var output = ps.Invoke();
        if (ps.HadErrors && output.Count == 0)
            throw new Xunit.Sdk.XunitException($"the leak check could not render an object with '{script}': {string.Join("; ", ps.Streams.Error)}");
        return string.Join("\n", output.Select(x => x?.ToString()));
    }

    private PwshResult Invoke(string script)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = _runspace;
        ps.AddScript(script);
        Collection<PSObject> output;
        Exception? terminating = null;
        try
        {
            output = ps.Invoke();
        }
        catch (RuntimeException e)
        {
            output = new Collection<PSObject>();
            terminating = e;
        }
        return new PwshResult(output, ps.Streams.Error.ToList(), ps.Streams.Warning.Select(w => w.Message).ToList(),
            ps.Streams.Verbose.Select(v => v.Message).ToList(), ps.Streams.Debug.Select(d => d.Message).ToList(),
            ps.Streams.Information.Select(i => i.MessageData?.ToString() ?? string.Empty).ToList(),
            ps.Streams.Progress.ToList(), terminating) { InformationRecords = ps.Streams.Information.ToList() };
    }

    public void Dispose() => _runspace.Dispose();
}

public sealed record PwshResult(
    Collection<PSObject> Output,
    List<ErrorRecord> Errors,
    List<string> Warnings,
    List<string> Verbose,
    List<string> Debug,
    List<string> Information,
    List<ProgressRecord> Progress,
    Exception? Terminating)
{
    public List<InformationRecord> InformationRecords { get; init; } = new();

    /// <summary>All errors, including a terminating one, as ErrorRecords.</summary>
    public IEnumerable<ErrorRecord> AllErrors
        => Errors.Concat(Terminating is IContainsErrorRecord c ? new[] { c.ErrorRecord } : Array.Empty<ErrorRecord>());

    public PwshResult ThrowOnError()
    {
        var errors = AllErrors.ToList();
        if (errors.Count > 0 || Terminating != null)
        {
            var text = string.Join("\n", errors.Select(e => $"{e.FullyQualifiedErrorId}: {e}"));
            throw new Xunit.Sdk.XunitException("PowerShell reported errors:\n" + text + "\n" + Terminating);
        }
        return this;
    }

    public T Single<T>() => (T)Output.Single().BaseObject;

    public object? Value => Output.Count == 1 ? Output[0].BaseObject : null;

    /// <summary>
    /// What the script produced, as text: outputs (ToString and first-level properties), streams,
    /// errors. Shallow: leak checks use <see cref="Pwsh.AllText()"/>, which goes deep and covers every run.
    /// </summary>
    public string AllText()
    {
        var sb = new StringBuilder();
        foreach (var o in Output)
        {
            sb.AppendLine(o.ToString());
            foreach (var p in o.Properties)
            {
                try { sb.AppendLine(p.Name + "=" + p.Value); } catch (Exception) { }
            }
        }
        foreach (var e in AllErrors)
        {
            sb.AppendLine(e.ToString()).AppendLine(e.Exception?.ToString()).AppendLine(e.ErrorDetails?.Message)
              .AppendLine(e.FullyQualifiedErrorId).AppendLine(e.CategoryInfo.ToString()).AppendLine(e.TargetObject?.ToString());
        }
        foreach (var s in Warnings.Concat(Verbose).Concat(Debug).Concat(Information)) sb.AppendLine(s);
        foreach (var p in Progress) sb.AppendLine(p.Activity).AppendLine(p.StatusDescription);
        sb.AppendLine(Terminating?.ToString());
        return sb.ToString();
    }
}
