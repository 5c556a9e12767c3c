using DcosTls.Common;
using DcosTls.Files;

namespace DcosTls.Certificates;

/// <summary>
/// The files a certificate is written as, per format: Pem (&lt;name&gt;.crt with the chain, &lt;name&gt;.key
/// beside it), HaproxyPem (one file: certificate, chain, key) or Pkcs12. Export-DcosCertificate writes
/// them, and a renewal writes the same layout again for the new certificate.
/// </summary>
internal static class CertificateFiles
{
    /// <param name="target">The path asked for; for Pem, the .crt (".crt" is added unless it ends in .crt or .pem).</param>
    /// <param name="keyName">For Pem, the key's file name in the same folder; by default the .crt's stem + ".key".</param>
    internal static List<PlannedFile> Plan(DcosCertificate certificate, CertificateExportFormat format, string target, bool withKey, SecureString? password, string? keyName = null)
    {
        var utf8 = new UTF8Encoding(false);
        string certAndChain = certificate.CertificatePem + certificate.ChainPem;
        string KeyPem() => password == null
            ? PrivateKeyReader.ExportPem(certificate.PrivateKey!, ReadOnlySpan<char>.Empty, encrypt: false)
            : SecureStrings.Use(password, chars => PrivateKeyReader.ExportPem(certificate.PrivateKey!, chars, encrypt: true));
        switch (format)
        {
            case CertificateExportFormat.HaproxyPem:
                return new() { new("HaproxyPem", target, utf8.GetBytes(certAndChain + KeyPem()), StagedFileWriter.PrivateFile) };
            case CertificateExportFormat.Pkcs12:
                {
                    var ders = new[] { certificate.Certificate }.Concat(certificate.Chain).Select(c => c.RawData).ToList();
                    char[] chars = password == null ? Array.Empty<char>() : SecureStrings.Use(password, c => c.ToArray());
                    try
                    {
                        return new() { new("Pkcs12", target, Engine.Pkcs12Writer.Build(certificate.PrivateKey!, ders, chars), StagedFileWriter.PrivateFile) };
                    }
                    finally
                    {
                        Array.Clear(chars);
                    }
                }
            default:
                string crt = target.EndsWith(".crt", StringComparison.Ordinal) || target.EndsWith(".pem", StringComparison.Ordinal)
                    ? target : target + ".crt";
                string folder = Path.GetDirectoryName(crt)!;
                var files = new List<PlannedFile> { new("Certificate", crt, utf8.GetBytes(certAndChain), StagedFileWriter.PublicFile) };
                if (withKey) files.Add(new("PrivateKey", Path.Combine(folder, keyName ?? Path.GetFileNameWithoutExtension(crt) + ".key"), utf8.GetBytes(KeyPem()), StagedFileWriter.PrivateFile));
                return files;
        }
    }
}
