namespace DcosTls.Acme;

/// <summary>
/// One way of proving control of a name: publishes the answer to a challenge and takes it away again
/// when the returned handle is disposed (whether the challenge passed or not).
/// </summary>
internal interface IAcmeChallengeSolver : IDisposable
{
    /// <summary>The ACME challenge type: http-01 or dns-01.</summary>
    string ChallengeType { get; }

    /// <summary>For -WhatIf/-Confirm and error messages.</summary>
    string Description { get; }

    /// <summary>Publishes the answer; returns only when the CA can see it.</summary>
    IDisposable Publish(string identifier, string token, string keyAuthorization);
}

/// <summary>Runs an action once on Dispose.</summary>
internal sealed class Cleanup : IDisposable
{
    private Action? _action;
    internal Cleanup(Action action) => _action = action;
    public void Dispose() => Interlocked.Exchange(ref _action, null)?.Invoke();
}
