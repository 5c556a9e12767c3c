using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace DcosTls.Engine;

/// <summary>
/// Decrypts the legacy OpenSSL PEM key form (Proc-Type: 4,ENCRYPTED with DEK-Info, as written by
/// `openssl genrsa -aes256`), which the BCL does not read. Returns unencrypted PKCS#8 DER
/// so that callers only ever see BCL types.
/// </summary>
public static class LegacyPemKeyDecryptor
{
    public static byte[] DecryptToPkcs8(string pem, char[] password)
    {
        object? read;
        try
        {
            using var reader = new StringReader(pem);
            read = new PemReader(reader, new FixedPassword(password)).ReadObject();
        }
        catch (Exception e) when (e is CryptoException or PemException or IOException or ArgumentException or InvalidOperationException)
        {
            // Deliberately without the inner message: it can quote key material or the password length.
            throw new WrongPasswordException();
        }
        AsymmetricKeyParameter key = read switch
        {
            AsymmetricCipherKeyPair pair => pair.Private,
            AsymmetricKeyParameter { IsPrivate: true } p => p,
            _ => throw new WrongPasswordException(),
        };
        PrivateKeyInfo info = PrivateKeyInfoFactory.CreatePrivateKeyInfo(key);
        return info.GetDerEncoded();
    }

    private sealed class FixedPassword : IPasswordFinder
    {
        private readonly char[] _password;
        internal FixedPassword(char[] password) => _password = password;
        // BouncyCastle keeps the array it is given; the caller clears the original after use.
        public char[] GetPassword() => _password;
    }
}

/// <summary>The password does not decrypt the key (or the PEM is damaged).</summary>
public sealed class WrongPasswordException : Exception
{
    public WrongPasswordException() : base("The password does not decrypt the private key.") { }
}
