using DcosTls.Certificates;
using DcosTls.Requests;

namespace DcosTls.Fleet;

/// <summary>
/// Signs the daemon certificate requests agents send back, on the operator's machine: the issuer (a
/// local CA object or the cluster CA through the operator's session) and its key never leave this
/// process. A request is read and checked as any other (signature, key, no CA flag), and it must name
/// the agent it came from. One request is signed at a time: the issuer's key object is shared.
/// </summary>
internal sealed class FleetDaemonSigner
{
    private readonly ICertificateIssuer _issuer;
    private readonly object _gate = new();

    internal FleetDaemonSigner(ICertificateIssuer issuer, string caPem, int port)
    {
        _issuer = issuer;
        CaPem = caPem;
        Port = port;
    }

    /// <summary>The CA the daemons verify their clients with (ca.pem): the root the issuer signs under.</summary>
    internal string CaPem { get; }

    /// <summary>The TCP port each daemon listens on, on the address the agent was reached by.</summary>
    internal int Port { get; }

    internal string Description => _issuer.Description;

    /// <summary>The agent's certificate and its chain (PEM, no key) for the request the agent made.</summary>
    /// <exception cref="CertificateRequestException">the request is not one to sign for this agent.</exception>
    internal string Sign(string agent, string requestPem)
    {
        var request = CertificateRequestReader.Read(Encoding.UTF8.GetBytes(requestPem), $"the daemon certificate request from agent '{agent}'");
        bool named = IPAddress.TryParse(agent, out var address)
            ? request.IPAddressValues.Contains(address)
            : request.DnsNames.Contains(agent, StringComparer.OrdinalIgnoreCase);
        if (!named)
            throw new CertificateRequestException("DaemonRequestWrongAgent", System.Management.Automation.ErrorCategory.SecurityError,
                $"The daemon certificate request from agent '{agent}' does not name '{agent}' (it names {request.Describe()}); it was not signed. Check what answers at that address.");
        DcosCertificate issued;
        lock (_gate) issued = _issuer.Sign(request, CertificateUsage.Server);
        return issued.CertificatePem + issued.ChainPem;
    }

    /// <summary>
    /// An operator's client certificate (clientAuth) for the request an agent made, from the same issuer
    /// as the daemons, so that the daemons' ca.pem verifies it. The request must carry the name asked for.
    /// </summary>
    /// <exception cref="CertificateRequestException">the request is not the one asked for.</exception>
    internal string SignClient(string agent, string name, string requestPem)
    {
        var request = CertificateRequestReader.Read(Encoding.UTF8.GetBytes(requestPem), $"the client certificate request from agent '{agent}'");
        if (!string.Equals(request.CommonName, name, StringComparison.Ordinal))
            throw new CertificateRequestException("ClientRequestWrongName", System.Management.Automation.ErrorCategory.SecurityError,
                $"The client certificate request from agent '{agent}' is for '{request.CommonName}', not '{name}' (-ClientName); it was not signed. Check what answers at that address.");
        DcosCertificate issued;
        lock (_gate) issued = _issuer.Sign(request, CertificateUsage.Client);
        return issued.CertificatePem + issued.ChainPem;
    }
}
