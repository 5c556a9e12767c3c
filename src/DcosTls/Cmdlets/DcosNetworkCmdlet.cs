namespace DcosTls.Cmdlets;

/// <summary>
/// Base of cmdlets that wait on the network: Ctrl+C (StopProcessing) cancels the request in flight,
/// and the cancellation source is released when the engine disposes the cmdlet.
/// </summary>
public abstract class DcosNetworkCmdlet : DcosCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancel = new();

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline is stopped.</summary>
    protected CancellationToken Cancel => _cancel.Token;

    protected override void StopProcessing() => _cancel.Cancel();

    public void Dispose()
    {
        _cancel.Dispose();
        GC.SuppressFinalize(this);
    }
}
