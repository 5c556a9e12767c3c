using System.Net;
using System.Net.Sockets;

namespace DcosTls.Tests.Peers;

public static class FreePort
{
    private static readonly HashSet<int> Given = new();

    /// <summary>
    /// A port on 127.0.0.1 that nothing listened on a moment ago and that this test process has not
    /// handed out before (parallel classes never get the same one). The peer binds it after we let
    /// go, so another process can still take it first: start peers with <see cref="Start{T}"/>.
    /// </summary>
    public static int Next()
    {
        while (true)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (Given)
            {
                if (Given.Add(port)) return port;
            }
        }
    }

    /// <summary>
    /// Starts a peer on a fresh port; when the port was taken between Next() and the peer's bind
    /// (the peer says "address already in use"), starts it again on another port.
    /// </summary>
    public static T Start<T>(Func<int, T> start, int attempts = 5)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return start(Next());
            }
            catch (PortTakenException) when (attempt < attempts)
            {
            }
        }
    }

    /// <summary>Whether a peer's log or exception says its port was taken.</summary>
    public static bool SaysAddressInUse(string? text)
        => text != null && (text.Contains("address already in use", StringComparison.OrdinalIgnoreCase)
                            || text.Contains("EADDRINUSE", StringComparison.Ordinal));

    /// <summary>Waits until the peer answers a real request (ready() is true), or the process dies.</summary>
    public static void WaitUntilReady(Func<bool> ready, System.Diagnostics.Process? process, Func<string> log, string what, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process != null && process.HasExited)
            {
                string text = log();
                if (SaysAddressInUse(text)) throw new PortTakenException($"{what}: {text}");
                throw new InvalidOperationException($"{what} exited with {process.ExitCode} before it was ready:\n{text}");
            }
            try
            {
                if (ready()) return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or SocketException or TaskCanceledException or OperationCanceledException)
            {
            }
            Thread.Sleep(50);
        }
        throw new TimeoutException($"{what} was not ready within {timeout}:\n{log()}");
    }
}

/// <summary>The port a peer was to listen on was taken by someone else before it could bind it.</summary>
public sealed class PortTakenException : Exception
{
    public PortTakenException(string message) : base(message) { }
}

/// <summary>Stopping a peer we started: by its own process (PID), never by name.</summary>
public static class PeerProcess
{
    public static void Stop(System.Diagnostics.Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException) { }
        process.Dispose();
    }
}
