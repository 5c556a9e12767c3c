namespace DcosTls.Acme;

/// <summary>What an order asks the CA to vouch for: a DNS name ("dns") or an IP address ("ip", RFC 8738).</summary>
internal sealed record AcmeIdentifier(string Type, string Value);
