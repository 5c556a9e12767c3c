namespace DcosTls.Common;

/// <summary>
/// One progress activity for a whole batch: updated per item with the count so far and the item's
/// name (and a percentage when the count is known), completed once at the end. pwsh draws a bar only
/// after it has lived a moment, so an activity per item, completed at once, was never seen.
/// Written from the pipeline thread only, as every Write* must be.
/// </summary>
internal sealed class BatchProgress
{
    private readonly Cmdlet _cmdlet;
    private readonly ProgressRecord _record;
    private readonly int? _total;
    private int _count;
    private string? _item;
    private bool _shown;

    internal BatchProgress(Cmdlet cmdlet, int activityId, string activity, int? total)
    {
        _cmdlet = cmdlet;
        _record = new ProgressRecord(activityId, activity, activity);
        _total = total is > 0 ? total : null;
    }

    /// <summary>
    /// One more item: "3 of 200: name", or "3: name" when the count is not known. Sequential work counts
    /// an item as it begins; parallel work (the fleet) as it ends, since several begin at once.
    /// </summary>
    internal void Next(string name)
    {
        _count++;
        string count = _total is int total ? $"{_count} of {total}" : _count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _item = $"{count}: {name}";
        Show(_item, _total is int all ? Math.Min(100, _count * 100 / all) : -1);
    }

    /// <summary>What the current item waits for (an ACME poll), after its count and name; the percentage stays.</summary>
    internal void Status(string text) => Show(_item == null ? text : $"{_item}: {text}", _record.PercentComplete);

    /// <summary>Ends the activity; once, and only if it was shown.</summary>
    internal void Complete()
    {
        if (!_shown) return;
        _shown = false;
        _record.RecordType = ProgressRecordType.Completed;
        Write();
    }

    /// <summary>
    /// Runs one pipeline step. An exception leaving it ends the command (Select-Object -First stopping
    /// upstream, Ctrl+C, a terminating error), and then EndProcessing does not run: the bar is completed
    /// here instead. When the pipeline is already stopping the engine refuses the write; the host
    /// drops its bars at the end of the pipeline then anyway.
    /// </summary>
    internal void CompleteOnStop(Action step)
    {
        try
        {
            step();
        }
        catch
        {
            try { Complete(); } catch (PipelineStoppedException) { }
            throw;
        }
    }

    private void Show(string status, int percent)
    {
        _record.RecordType = ProgressRecordType.Processing;
        _record.StatusDescription = status;
        _record.PercentComplete = percent;
        _shown = true;
        Write();
    }

    // A fresh record per write: the engine and a recording host keep the object they are given, and
    // one record changed in place would rewrite the updates already written.
    private void Write() => _cmdlet.WriteProgress(new ProgressRecord(_record.ActivityId, _record.Activity, _record.StatusDescription)
    {
        PercentComplete = _record.PercentComplete,
        RecordType = _record.RecordType,
    });
}
