namespace DcosTls.Certificates;

/// <summary>The file layouts Export-DcosCertificate writes.</summary>
public enum CertificateExportFormat
{
    /// <summary>&lt;name&gt;.crt (certificate and chain) and &lt;name&gt;.key (0600).</summary>
    Pem,
    /// <summary>One file: certificate, chain, key (HAProxy/marathon-lb's registry.pem), 0600.</summary>
    HaproxyPem,
    /// <summary>PKCS#12 (.p12/.pfx), 0600.</summary>
    Pkcs12,
}
