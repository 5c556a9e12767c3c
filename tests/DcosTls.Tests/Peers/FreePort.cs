using System.Net;
using System.Net.Sockets;

namespace DcosTls.Tests.Peers;

public static class FreePort
{
    /// <summary>A port on 127.0.0.1 that nothing listens on right now.</summary>
    public static int Next()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Waits until something accepts connections on the port, or the process dies.</summary>
    public static void WaitUntilListening(int port, System.Diagnostics.Process? process, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process != null && process.HasExited) throw new InvalidOperationException($"the peer exited with {process.ExitCode} before listening on {port}");
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(30);
            }
        }
        throw new TimeoutException($"nothing listened on 127.0.0.1:{port} within {timeout}");
    }
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
