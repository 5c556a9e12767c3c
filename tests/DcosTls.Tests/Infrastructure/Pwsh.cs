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

    public Pwsh(string? workingDirectory = null, bool importModule = true, System.Management.Automation.Host.PSHost? host = null)
    {
        var iss = InitialSessionState.CreateDefault2();
        _runspace = host == null ? RunspaceFactory.CreateRunspace(iss) : RunspaceFactory.CreateRunspace(host, iss);
        _runspace.Open();
        if (workingDirectory != null) _runspace.SessionStateProxy.Path.SetLocation(workingDirectory);
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
            ps.Streams.Progress.ToList(), terminating);
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

    /// <summary>Everything the script produced, as text: outputs (all properties), streams, errors.</summary>
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
