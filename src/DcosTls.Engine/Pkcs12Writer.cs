using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;

namespace DcosTls.Engine;

/// <summary>
/// PKCS#12 (.p12/.pfx) as OpenSSL 3 writes it by default: the key shrouded with PBES2/AES-256-CBC
/// and PBKDF2-SHA256, certificates encrypted the same way, and an HMAC-SHA256 integrity MAC. Takes
/// and returns BCL types only (DER bytes), like everything the engine exposes.
/// </summary>
public static class Pkcs12Writer
{
    private const int Iterations = 600_000;

    /// <param name="pkcs8Key">The private key, unencrypted PKCS#8 DER.</param>
    /// <param name="certificates">DER certificates, the one matching the key first.</param>
    /// <param name="password">Empty for no password (the MAC then uses an empty password, as openssl does).</param>
    public static byte[] Build(byte[] pkcs8Key, IReadOnlyList<byte[]> certificates, char[] password)
    {
        var pbe = new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, Iterations);
        var keys = new Pkcs12SafeContents();
        var certs = new Pkcs12SafeContents();
        using (var key = ImportKey(pkcs8Key))
        {
            var localKeyId = new Pkcs9LocalKeyId(SHA256.HashData(certificates[0]));
            keys.AddShroudedKey(key, password, pbe).Attributes.Add(localKeyId);
            bool first = true;
            foreach (byte[] der in certificates)
            {
                var bag = certs.AddCertificate(new X509Certificate2(der));
                if (first) bag.Attributes.Add(localKeyId);
                first = false;
            }
        }
        var builder = new Pkcs12Builder();
        builder.AddSafeContentsEncrypted(certs, password, pbe);
        builder.AddSafeContentsUnencrypted(keys);
        builder.SealWithMac(password, HashAlgorithmName.SHA256, Iterations);
        return builder.Encode();
    }

    private static AsymmetricAlgorithm ImportKey(byte[] pkcs8)
    {
        try
        {
            var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(pkcs8, out _);
            return rsa;
        }
        catch (CryptographicException)
        {
            var ec = ECDsa.Create();
            ec.ImportPkcs8PrivateKey(pkcs8, out _);
            return ec;
        }
    }
}
