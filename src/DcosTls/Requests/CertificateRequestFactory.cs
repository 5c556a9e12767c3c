using DcosTls.Certificates;

namespace DcosTls.Requests;

/// <summary>A key and a request made here; the request goes through the same reader as one made elsewhere.</summary>
internal static class CertificateRequestFactory
{
    internal static DcosCertificateRequest Create(CertificateSpec spec, CertificateUsage usage)
    {
        var key = CertificateBuilder.CreateKey(spec);
        try
        {
            string pem = CertificateBuilder.CreateSigningRequestPem(spec, key, usage);
            return CertificateRequestReader.Read(System.Text.Encoding.ASCII.GetBytes(pem), $"the request for '{spec.CommonName}'", null, key);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }
}
