using System.Collections.Concurrent;
using System.Net.Sockets;

namespace DcosTls.Acme;

/// <summary>
/// HTTP-01 with a listener of our own on the port the user names (80 for a public CA): it answers
/// GET /.well-known/acme-challenge/&lt;token&gt; with the key authorization and 404 for anything else, and
/// stops when the order is done. It runs only while an order is in flight.
/// </summary>
internal sealed class StandaloneHttpSolver : IAcmeChallengeSolver
{
    private const string Prefix = "/.well-known/acme-challenge/";
    private readonly IPAddress _address;
    private readonly int _port;
    private readonly ConcurrentDictionary<string, string> _answers = new(StringComparer.Ordinal);
    private TcpListener? _listener;
    private CancellationTokenSource? _stop;

    internal StandaloneHttpSolver(IPAddress address, int port)
    {
        _address = address;
        _port = port;
    }

    public string ChallengeType => "http-01";

    public string Description => $"HTTP-01 on a listener at {new IPEndPoint(_address, _port)}";

    public IDisposable Publish(string identifier, string token, string keyAuthorization)
    {
        Start(identifier);
        _answers[token] = keyAuthorization;
        return new Cleanup(() => _answers.TryRemove(token, out _));
    }

    private void Start(string identifier)
    {
        if (_listener != null) return;
        var listener = new TcpListener(_address, _port);
        if (_address.Equals(IPAddress.IPv6Any)) listener.Server.DualMode = true;
        try
        {
            listener.Start();
        }
        catch (SocketException e)
        {
            throw new AcmeProblemException("AcmeListenerPortInUse", ErrorCategory.ResourceUnavailable,
                $"The HTTP-01 listener for '{identifier}' could not listen on {new IPEndPoint(_address, _port)} ({e.SocketErrorCode}). Stop what uses that port, or use -WebRoot with the web server that has it.");
        }
        _listener = listener;
        _stop = new CancellationTokenSource();
        _ = Task.Run(() => AcceptLoop(listener, _stop.Token));
    }

    private async Task AcceptLoop(TcpListener listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(stop); }
            catch (Exception) { return; }
            _ = Task.Run(() => Answer(client, stop));
        }
    }

    private async Task Answer(TcpClient client, CancellationToken stop)
    {
        using (client)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                var stream = client.GetStream();
                var reader = new StreamReader(stream, Encoding.ASCII);
                string? requestLine = await reader.ReadLineAsync(timeout.Token);
                while (!string.IsNullOrEmpty(await reader.ReadLineAsync(timeout.Token))) { }
                string[] parts = (requestLine ?? string.Empty).Split(' ');
                string path = parts.Length >= 2 ? parts[1] : string.Empty;
                string? body = null;
                if (parts[0] is "GET" or "HEAD" && path.StartsWith(Prefix, StringComparison.Ordinal))
                    _answers.TryGetValue(path[Prefix.Length..], out body);
                string status = body != null ? "200 OK" : "404 Not Found";
                byte[] content = Encoding.ASCII.GetBytes(body ?? "not found\n");
                string head = $"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {content.Length}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), timeout.Token);
                if (parts[0] != "HEAD") await stream.WriteAsync(content, timeout.Token);
            }
            catch (Exception) { }
        }
    }

    public void Dispose()
    {
        _stop?.Cancel();
        _listener?.Stop();
        _listener = null;
    }
}
