using System.Net.Mail;
using DcosTls.Acme.Dns;
using DcosTls.Certificates;

namespace DcosTls.Acme;

/// <summary>The challenge method and account options as given on the command line (paths already resolved).</summary>
internal sealed record AcmeOptions(Uri Directory, string? CaCertificatePath, string? AccountPath, bool AcceptTermsOfService,
    string[]? Contact, string? WebRoot, int? HttpPort, string? HttpListenAddress, string? DnsServer, string? TsigKeyName,
    SecureString? TsigSecret, string? TsigKeyFile, string TsigAlgorithm);

/// <summary>
/// Checks the ACME options once, before any key is made: one challenge method, its inputs complete,
/// the directory HTTPS, the trust file a certificate, the contacts e-mail addresses.
/// </summary>
internal static class AcmeSettingsFactory
{
    internal static Uri CheckDirectory(Uri directory)
    {
        if (!directory.IsAbsoluteUri || directory.Scheme != Uri.UriSchemeHttps)
            throw Bad("AcmeDirectory", $"The ACME directory '{directory}' is not an https:// URL. ACME is spoken over TLS only: give e.g. https://acme-v02.api.letsencrypt.org/directory.");
        return directory;
    }

    internal static X509Certificate2? ReadTrust(string? path)
    {
        if (path == null) return null;
        if (!File.Exists(path))
            throw Bad("CaCertificatePath", $"The CA certificate file '{path}' does not exist. Give the PEM file of the CA that issued the ACME server's TLS certificate.");
        return PemBlock.ReadCertificates(File.ReadAllText(path)).FirstOrDefault()
            ?? throw Bad("CaCertificatePath", $"'{path}' holds no PEM certificate. Give the PEM file of the CA that issued the ACME server's TLS certificate.");
    }

    internal static IReadOnlyList<string> CheckContacts(string[]? contacts)
    {
        var list = CertificateSpec.SplitList(contacts).Select(c => c.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase) ? c[7..] : c).ToList();
        foreach (string c in list)
        {
            if (!MailAddress.TryCreate(c, out var address) || address.Address != c)
                throw Bad("Contact", $"'{c}' is not an e-mail address. Give -Contact as name@example.com.");
        }
        return list;
    }

    internal static string AccountFolder(AcmeOptions o) => o.AccountPath ?? AcmeAccountKeyStore.DefaultFolder(o.Directory);

    internal static AcmeSettings Create(AcmeOptions o, Action<string> log, CancellationToken cancel)
    {
        var directory = CheckDirectory(o.Directory);
        var trust = ReadTrust(o.CaCertificatePath);
        var contacts = CheckContacts(o.Contact);
        int methods = (o.WebRoot != null ? 1 : 0) + (o.HttpPort != null ? 1 : 0) + (o.DnsServer != null ? 1 : 0);
        if (methods != 1)
            throw Bad("ChallengeMethod", methods == 0
                ? "Say how to prove the names: -WebRoot <folder> (a running web server), -HttpPort <port> (a listener of our own) or -DnsServer <host> with a TSIG key (DNS-01)."
                : "Give only one of -WebRoot, -HttpPort and -DnsServer.");
        if (o.WebRoot != null)
        {
            if (!Directory.Exists(o.WebRoot))
                throw Bad("WebRoot", $"The web root '{o.WebRoot}' does not exist. Give the document root of the web server that answers for the names on port 80.");
            var webRoot = new WebRootSolver(o.WebRoot);
            return new AcmeSettings(directory, trust, AccountFolder(o), o.AcceptTermsOfService, contacts, () => new WebRootSolver(o.WebRoot), webRoot.Description, "http-01");
        }
        if (o.HttpPort != null)
        {
            IPAddress address = IPAddress.IPv6Any;
            if (o.HttpListenAddress != null && !IPAddress.TryParse(o.HttpListenAddress, out address!))
                throw Bad("HttpListenAddress", $"'{o.HttpListenAddress}' is not an IP address. Give the local address to listen on, e.g. 0.0.0.0 or 127.0.0.1.");
            int port = o.HttpPort.Value;
            var listener = new StandaloneHttpSolver(address, port);
            return new AcmeSettings(directory, trust, AccountFolder(o), o.AcceptTermsOfService, contacts, () => new StandaloneHttpSolver(address, port), listener.Description, "http-01");
        }
        var (host, server) = ParseServer(o.DnsServer!);
        TsigKey key;
        if (o.TsigKeyFile != null)
        {
            if (o.TsigSecret != null) throw Bad("TsigSecret", "Give -TsigSecret or -TsigKeyFile, not both.");
            if (!File.Exists(o.TsigKeyFile))
                throw Bad("TsigKeyFile", $"The TSIG key file '{o.TsigKeyFile}' does not exist. Give a BIND key file (tsig-keygen writes one).");
            key = TsigKey.FromFile(o.TsigKeyFile, o.TsigKeyName);
        }
        else
        {
            if (o.TsigKeyName == null || o.TsigSecret == null)
                throw Bad("TsigKeyName", "DNS-01 updates are signed: give -TsigKeyName and -TsigSecret, or -TsigKeyFile.");
            key = TsigKey.FromSecret(o.TsigKeyName, o.TsigAlgorithm, o.TsigSecret);
        }
        string description = $"DNS-01 through {(IPAddress.TryParse(host, out _) ? server.ToString() : $"{host}:{server.Port}")}";
        // A name is looked up when the solver is made, at the first challenge: -WhatIf asks no one
        // (not even the resolver), and a name that does not resolve is that order's error.
        return new AcmeSettings(directory, trust, AccountFolder(o), o.AcceptTermsOfService, contacts,
            () => new Dns01Solver(Resolve(host, server), key, AccountFolder(o), log, cancel), description, "dns-01");
    }

    /// <summary>host, host:port or an address: the host as given and the endpoint (address Any until a name is resolved).</summary>
    private static (string Host, IPEndPoint Server) ParseServer(string text)
    {
        if (IPEndPoint.TryParse(text, out var endpoint))
        {
            if (endpoint.Port == 0) endpoint.Port = 53;
            return (endpoint.Address.ToString(), endpoint);
        }
        string host = text;
        int port = 53;
        int colon = text.LastIndexOf(':');
        if (colon > 0 && int.TryParse(text[(colon + 1)..], out int p) && p is > 0 and < 65536)
        {
            host = text[..colon];
            port = p;
        }
        return (host, new IPEndPoint(IPAddress.Any, port));
    }

    private static IPEndPoint Resolve(string host, IPEndPoint server)
    {
        if (IPAddress.TryParse(host, out _)) return server;
        try
        {
            var address = System.Net.Dns.GetHostAddresses(host).FirstOrDefault()
                ?? throw Bad("DnsServer", $"'{host}' has no address. Give the DNS server as host, host:port or an IP address.");
            return new IPEndPoint(address, server.Port);
        }
        catch (System.Net.Sockets.SocketException)
        {
            throw Bad("DnsServer", $"The DNS server name '{host}' does not resolve. Give the DNS server as host, host:port or an IP address.");
        }
    }

    private static AcmeProblemException Bad(string parameter, string message)
        => new("InvalidAcmeParameter," + parameter, ErrorCategory.InvalidArgument, message);
}
