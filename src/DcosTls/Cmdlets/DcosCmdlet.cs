using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using DcosTls.Common;
using DcosTls.Files;

namespace DcosTls.Cmdlets;

/// <summary>
/// Base of every DcosTls cmdlet: one way to raise errors (stable ids, a category, a message that
/// says what to do) and one way to get a file writer that honours -Root and -WhatIf.
/// </summary>
/// <remarks>
/// The one error rule: a cmdlet does its work in <see cref="Begin"/>, <see cref="Process"/> and
/// <see cref="End"/>; a <see cref="DcosTlsException"/> raised there (by the cmdlet or any layer below) becomes
/// its ErrorRecord here, so a cmdlet never handles one only to pass it on. A refusal ends the cmdlet,
/// except one raised while an input is processed that the cmdlet names as ending only that input
/// (<see cref="EndsOnlyThisInput"/>): it is written and the pipeline goes on with the next input.
/// The record's target is the exception's own, unless the cmdlet names the input it was working on
/// (<see cref="ErrorTarget"/>, <see cref="TargetOf"/>). A foreign exception the cmdlet gives a meaning
/// (<see cref="Meaning"/>) is handled as that refusal. Anything else (PipelineStoppedException, a
/// terminating error already raised) passes through untouched.
/// </remarks>
public abstract class DcosCmdlet : PSCmdlet
{
    protected sealed override void BeginProcessing() => Run(Begin, perInput: false);

    protected sealed override void ProcessRecord() => Run(Process, perInput: true);

    protected sealed override void EndProcessing() => Run(End, perInput: false);

    /// <summary>Once, before the first input (BeginProcessing).</summary>
    protected virtual void Begin() { }

    /// <summary>Once per input (ProcessRecord).</summary>
    protected virtual void Process() { }

    /// <summary>Once, after the last input (EndProcessing).</summary>
    protected virtual void End() { }

    /// <summary>
    /// What the cmdlet is working on, named by a refusal's record instead of the exception's own
    /// target (see <see cref="TargetOf"/>). Cleared before each step, so it never names an earlier input.
    /// </summary>
    protected object? ErrorTarget { get; set; }

    /// <summary>
    /// True for a refusal, raised while an input is processed, that ends only that input: it is
    /// written (<see cref="WriteInputError"/>) and the pipeline goes on. By default every refusal ends the cmdlet.
    /// </summary>
    protected virtual bool EndsOnlyThisInput(DcosTlsException error) => false;

    /// <summary>The record's target: <see cref="ErrorTarget"/> when set, else (null) the exception's own.</summary>
    protected virtual object? TargetOf(DcosTlsException error) => ErrorTarget;

    /// <summary>Writes a refusal that ends only this input; a batch cmdlet may hold one back instead.</summary>
    protected virtual void WriteInputError(ErrorRecord record, DcosTlsException error) => WriteError(record);

    private void Run(Action step, bool perInput)
    {
        ErrorTarget = null;
        RunStep(step, perInput);
    }

    /// <summary>
    /// Runs one input's work under the per-input rule. ProcessRecord does this for every cmdlet; a cmdlet
    /// calls it itself only for work wrapped in something that must see the input end normally (a progress bar).
    /// </summary>
    private protected void RunInput(Action step) => RunStep(step, perInput: true);

    /// <summary>
    /// What an exception raised in this cmdlet's work means here: a foreign one (an I/O error, an
    /// unreadable answer) given its id, or a lower layer's refusal given this cmdlet's id. Null (the
    /// default) keeps a DcosTlsException as it is and lets anything else pass through untouched.
    /// Called from the handler's filter, so it only looks (at the exception and the cmdlet's state).
    /// </summary>
    protected virtual DcosTlsException? Meaning(Exception e) => null;

    private void RunStep(Action step, bool perInput)
    {
        DcosTlsException? error = null;
        try
        {
            step();
        }
        catch (Exception e) when ((error = Meaning(e) ?? e as DcosTlsException) != null)
        {
            var record = ToErrorRecord(error, TargetOf(error));
            if (!perInput || !EndsOnlyThisInput(error)) Terminate(record);
            WriteInputError(record, error);
        }
    }

    /// <summary>
    /// Stops the cmdlet with an ErrorRecord whose id is stable across releases. Never returns; it is
    /// typed to return an exception so that a method that must return a value can say
    /// <c>throw Fail(...)</c> and the compiler sees the path end.
    /// </summary>
    [DoesNotReturn]
    protected Exception Fail(string errorId, ErrorCategory category, string message, object? target = null, Exception? inner = null)
        => Fail(new DcosTlsException(errorId, category, message, target, inner));

    /// <summary>Stops the cmdlet with the error a lower layer raised (its id, category and target, or <paramref name="target"/>).</summary>
    [DoesNotReturn]
    protected Exception Fail(DcosTlsException error, object? target = null) => Terminate(ToErrorRecord(error, target));

    /// <summary>The one place a terminating error is raised (a cmdlet with a record of its own, e.g. a batch's summary, uses it too).</summary>
    [DoesNotReturn]
    private protected Exception Terminate(ErrorRecord record)
    {
        ThrowTerminatingError(record);
        throw new UnreachableException(); // ThrowTerminatingError always throws
    }

    /// <summary>Reports an error for this input and lets the pipeline go on with the next.</summary>
    protected void Report(string errorId, ErrorCategory category, string message, object? target = null, Exception? inner = null)
        => Report(new DcosTlsException(errorId, category, message, target, inner));

    /// <summary>Reports the error a lower layer raised and lets the pipeline go on with the next input.</summary>
    protected void Report(DcosTlsException error, object? target = null) => WriteError(ToErrorRecord(error, target));

    /// <summary>
    /// The one mapping from a DcosTls failure to what the user sees: the error id, the category, the
    /// target (the exception's own unless the cmdlet names a better one) and the message as details.
    /// The exception is the DcosTlsException itself, its inner exception kept.
    /// </summary>
    internal static ErrorRecord ToErrorRecord(DcosTlsException error, object? target = null)
        => new(error, error.ErrorId, error.Category, target ?? error.TargetObject) { ErrorDetails = new ErrorDetails(error.Message) };

    /// <summary>
    /// A writer for agent paths under a staging root, going through ShouldProcess. The one -Root
    /// rule of every cmdlet: a root that does not exist yet is created with the first file written
    /// under it (so never under -WhatIf); a root that is a file is refused.
    /// </summary>
    internal StagedFileWriter CreateWriter(string? root)
        => new(ResolveRoot(root).Root, (target, action) => ShouldProcess(target, action)) { DryRun = IsWhatIf() };

    /// <summary>
    /// -Root as every cmdlet reads it: empty or omitted is "/", a relative path is taken from the pwsh
    /// location, a root that is a file is refused (RootNotDirectory).
    /// </summary>
    internal AgentRoot ResolveRoot(string? root)
    {
        string resolved = string.IsNullOrEmpty(root) ? "/" : ResolvePath(root);
        if (File.Exists(resolved))
            Fail("RootNotDirectory", ErrorCategory.InvalidArgument,
                $"The root '{resolved}' is a file, not a directory. Give the agent's / or a staging folder (it is created when missing).", root);
        return new AgentRoot(resolved);
    }

    /// <summary>
    /// -Root for a cmdlet that only reads the agent: a root that does not exist is refused (RootNotFound),
    /// since an empty answer from a mistyped root would pass a health check that checked nothing.
    /// </summary>
    internal AgentRoot ResolveExistingRoot(string? root)
    {
        var resolved = ResolveRoot(root);
        if (!Directory.Exists(resolved.Root))
            Fail("RootNotFound", ErrorCategory.ObjectNotFound,
                $"The root '{resolved.Root}' does not exist. Give the agent's / or the staging folder the other cmdlets wrote.", root);
        return resolved;
    }

    /// <summary>
    /// Writes a result row, except under -WhatIf: nothing was changed, so there is nothing to
    /// report (the "What if:" lines say what would have been done).
    /// </summary>
    internal void WriteResult(object result)
    {
        if (!IsWhatIf()) WriteObject(result);
    }

    /// <summary>-WhatIf given, or $WhatIfPreference set.</summary>
    internal bool IsWhatIf()
    {
        if (MyInvocation.BoundParameters.TryGetValue("WhatIf", out var given)) return given is SwitchParameter s && s.IsPresent;
        object? preference = SessionState.PSVariable.GetValue("WhatIfPreference");
        return preference is bool b ? b : preference is SwitchParameter p && p.IsPresent;
    }

    /// <summary>
    /// Writes an operator's files (not under -Root) as one set: every file is checked first, so nothing
    /// is half-written when one is in the way (ExportFileExists unless -Force); a file that already holds
    /// the same bytes, or that <paramref name="holdsSame"/> accepts, is left as it is, so a re-run changes
    /// nothing. Rows (WrittenFile) only with -PassThru.
    /// </summary>
    internal void WriteFileSet(IReadOnlyList<PlannedFile> planned, bool force, bool passThru, Func<PlannedFile, bool>? holdsSame = null)
    {
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in planned)
        {
            if (!File.Exists(file.Path) || File.ReadAllBytes(file.Path).AsSpan().SequenceEqual(file.Content)) continue;
            if (holdsSame != null && holdsSame(file)) { keep.Add(file.Path); continue; }
            if (force) continue;
            Report("ExportFileExists", ErrorCategory.ResourceExists,
                $"'{file.Path}' exists with other content. Use -Force to replace it, or choose another -Path.", file.Path);
            return;
        }
        var writer = new StagedFileWriter("/", (t, a) => ShouldProcess(t, a));
        bool privateSet = planned.Any(f => f.Mode == StagedFileWriter.PrivateFile);
        foreach (var file in planned)
        {
            if (keep.Contains(file.Path))
            {
                WriteVerbose($"{FileAction.Unchanged}: {file.Path} (same certificate and key)");
                if (passThru) WriteResult(new WrittenFile(file.Role, file.Path, FileAction.Unchanged, file.Mode));
                continue;
            }
            FileAction action = FileAction.Skipped;
            // A folder made here for a set that holds a key is private, whichever file comes first.
            try { action = writer.WriteBytes(file.Path, file.Content, file.Mode, directoryMode: privateSet ? StagedFileWriter.PrivateDirectory : null); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Fail("ExportWriteFailed", ErrorCategory.WriteError, $"Writing '{file.Path}' failed ({e.GetType().Name}). Check that the folder is writable, or choose another -Path.", file.Path);
            }
            WriteVerbose($"{action}: {file.Path}");
            if (passThru) WriteResult(new WrittenFile(file.Role, file.Path, action, file.Mode));
        }
    }

    /// <summary>
    /// Writes one file through <paramref name="writer"/> (atomically, with its mode); a folder that is
    /// missing or not writable stops the cmdlet with <paramref name="errorId"/> naming the file.
    /// </summary>
    internal FileAction WriteFileOrFail(StagedFileWriter writer, string path, byte[] content, UnixFileMode mode, string errorId, object? target)
    {
        try
        {
            return writer.WriteBytes(path, content, mode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Fail(errorId, ErrorCategory.WriteError,
                $"'{writer.Map(path)}' could not be written ({e.GetType().Name}). Check that its folder exists and is writable.", target, e);
        }
    }

    /// <summary>An optional user-given file path: null stays null, anything else as ResolvePath.</summary>
    protected string? ResolveOptionalPath(string? path) => path == null ? null : ResolvePath(path);

    /// <summary>A user-given file path: relative to the current pwsh location (not the process's), ~ expanded.</summary>
    protected string ResolvePath(string path)
    {
        try
        {
            return UserPath.Resolve(SessionState.Path, path);
        }
        catch (Exception e) when (e is ArgumentException or SessionStateException or NotSupportedException)
        {
            throw Fail("PathNotOnFileSystem", ErrorCategory.InvalidArgument,
                $"'{path}' is not a file system path ({e.Message.TrimEnd('.')}). Give a file or folder path, absolute or relative to the current location.", path);
        }
    }

    /// <summary>
    /// -Path of an Export cmdlet, resolved: the stem its files are named after. Writing
    /// &lt;folder&gt;.crt beside an existing folder is never what was meant, so a folder is reported
    /// (ExportPathIsFolder) and the pipeline goes on with the next input.
    /// </summary>
    protected bool TryResolveExportPath(string path, string exampleFileName, out string target)
    {
        target = ResolvePath(path);
        if (!Directory.Exists(target)) return true;
        Report("ExportPathIsFolder", ErrorCategory.InvalidArgument,
            $"-Path '{target}' is an existing folder. Give a file path in it, e.g. '{System.IO.Path.Combine(target, exampleFileName)}'; nothing was written.", target);
        return false;
    }
}
