using DcosTls.Common;

namespace DcosTls.Certificates;

/// <summary>
/// Reads private keys in every form our users have on disk: PKCS#8 (plain and encrypted), PKCS#1
/// RSA and SEC1 EC (cfssl's output), and the legacy `openssl genrsa -aes256` form, which only the
/// engine (BouncyCastle, in its own load context) can decrypt.
/// </summary>
internal static class PrivateKeyReader
{
    internal static readonly string[] KeyLabels = { "PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY" };

    internal static bool IsKey(PemBlock block) => KeyLabels.Contains(block.Label);

    /// <exception cref="KeyPasswordException">a password is needed or is wrong.</exception>
    internal static AsymmetricAlgorithm Read(PemBlock block, ReadOnlySpan<char> password, bool hasPassword)
    {
        byte[] pkcs8;
        if (block.Label == "ENCRYPTED PRIVATE KEY")
        {
            if (!hasPassword) throw new KeyPasswordException(needed: true);
            try { return ImportPkcs8(DecryptPkcs8(block.Data, password)); }
            catch (CryptographicException) { throw new KeyPasswordException(needed: false); }
        }
        if (block.IsEncryptedLegacy)
        {
            if (!hasPassword) throw new KeyPasswordException(needed: true);
            pkcs8 = LegacyDecrypt(block.Text, password);
            return ImportPkcs8(pkcs8);
        }
        switch (block.Label)
        {
            case "PRIVATE KEY":
                return ImportPkcs8(block.Data);
            case "RSA PRIVATE KEY":
                var rsa = RSA.Create();
                rsa.ImportRSAPrivateKey(block.Data, out _);
                return rsa;
            case "EC PRIVATE KEY":
                var ec = ECDsa.Create();
                ec.ImportECPrivateKey(block.Data, out _);
                return ec;
            default:
                throw new InvalidDataException($"'{block.Label}' is not a private key.");
        }
    }

    private static byte[] DecryptPkcs8(byte[] encrypted, ReadOnlySpan<char> password)
    {
        // Import into a throwaway key of the right family: RSA first, then EC.
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportEncryptedPkcs8PrivateKey(password, encrypted, out _);
            return rsa.ExportPkcs8PrivateKey();
        }
        catch (CryptographicException)
        {
            using var ec = ECDsa.Create();
            ec.ImportEncryptedPkcs8PrivateKey(password, encrypted, out _);
            return ec.ExportPkcs8PrivateKey();
        }
    }

    private static byte[] LegacyDecrypt(string pemText, ReadOnlySpan<char> password)
    {
        char[] copy = password.ToArray();
        try
        {
            return Engine.LegacyPemKeyDecryptor.DecryptToPkcs8(pemText, copy);
        }
        catch (Engine.WrongPasswordException)
        {
            throw new KeyPasswordException(needed: false);
        }
        finally
        {
            Array.Clear(copy);
        }
    }

    private static AsymmetricAlgorithm ImportPkcs8(byte[] pkcs8)
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

    /// <summary>True when the key is the private half of the certificate's public key.</summary>
    internal static bool Matches(X509Certificate2 certificate, AsymmetricAlgorithm key)
    {
        byte[] certSpki = certificate.PublicKey.ExportSubjectPublicKeyInfo();
        byte[] keySpki = key switch
        {
            RSA rsa => rsa.ExportSubjectPublicKeyInfo(),
            ECDsa ec => ec.ExportSubjectPublicKeyInfo(),
            _ => Array.Empty<byte>(),
        };
        return certSpki.AsSpan().SequenceEqual(keySpki);
    }

    /// <summary>PKCS#8 PEM, encrypted with AES-256-CBC and PBKDF2-SHA256 when a password is given.</summary>
    internal static string ExportPem(AsymmetricAlgorithm key, ReadOnlySpan<char> password, bool encrypt)
    {
        if (!encrypt) return key.ExportPkcs8PrivateKeyPem() + "\n";
        var pbe = new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 600_000);
        return key.ExportEncryptedPkcs8PrivateKeyPem(password, pbe) + "\n";
    }
}

/// <summary>A key needs a password (Needed) or the one given is wrong.</summary>
internal sealed class KeyPasswordException : DcosTlsException
{
    internal KeyPasswordException(bool needed)
        : base(needed ? "KeyPasswordRequired" : "KeyPasswordWrong", ErrorCategory.AuthenticationError, needed
            ? "The private key is encrypted. Give its password with -Password (Read-Host -AsSecureString)."
            : "The password does not decrypt the private key. Check the password given with -Password.")
        => Needed = needed;

    internal bool Needed { get; }
}
