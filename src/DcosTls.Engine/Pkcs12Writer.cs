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

    /// <param name="key">The private key (RSA or ECDsa).</param>
    /// <param name="certificates">DER certificates, the one matching the key first.</param>
    /// <param name="password">Empty for no password (the MAC then uses an empty password, as openssl does).</param>
    public static byte[] Build(AsymmetricAlgorithm key, IReadOnlyList<byte[]> certificates, char[] password)
    {
        var pbe = new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, Iterations);
        var keys = new Pkcs12SafeContents();
        var certs = new Pkcs12SafeContents();
        // The local key id pairs the key with its certificate (the first), as openssl pkcs12 -export does.
        var localKeyId = new Pkcs9LocalKeyId(SHA256.HashData(certificates[0]));
        keys.AddShroudedKey(key, password, pbe).Attributes.Add(localKeyId);
        for (int i = 0; i < certificates.Count; i++)
        {
            var bag = certs.AddCertificate(new X509Certificate2(certificates[i]));
            if (i == 0) bag.Attributes.Add(localKeyId);
        }
        var builder = new Pkcs12Builder();
        builder.AddSafeContentsEncrypted(certs, password, pbe);
        builder.AddSafeContentsUnencrypted(keys);
        builder.SealWithMac(password, HashAlgorithmName.SHA256, Iterations);
        return builder.Encode();
    }
}
