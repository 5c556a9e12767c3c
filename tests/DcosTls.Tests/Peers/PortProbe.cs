using System.Net;
using System.Net.Sockets;

namespace DcosTls.Tests.Peers;

/// <summary>One quick look at a port, for fixtures that poll while watching their process.</summary>
public static class PortProbe
{
    public static bool Accepts(int port)
    {
        try
        {
            using var client = new TcpClient();
            return client.ConnectAsync(IPAddress.Loopback, port).Wait(200) && client.Connected;
        }
        catch (Exception e) when (e is SocketException or AggregateException)
        {
            return false;
        }
    }
}
