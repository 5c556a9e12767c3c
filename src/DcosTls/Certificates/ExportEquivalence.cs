using DcosTls.Common;

namespace DcosTls.Certificates;

/// <summary>
/// Whether an existing export already holds what a new export would: the same certificates and the
/// same private key (decrypted with the same password), in a file that is private when it must be.
/// Encrypted keys and PKCS#12 files differ byte for byte on every export, so bytes cannot tell.
/// </summary>
internal static class ExportEquivalence
{
    internal static bool Holds(string file, CertificateExportFormat format, DcosCertificate certificate, SecureString? password, UnixFileMode mode)
    {
        if (!certificate.HasPrivateKey) return false;
        if (!OperatingSystem.IsWindows() && File.GetUnixFileMode(file) != mode) return false;
        try
        {
            return format == CertificateExportFormat.Pkcs12 ? HoldsPkcs12(file, certificate, password) : HoldsPem(file, certificate, password);
        }
        catch (Exception e) when (e is CryptographicException or InvalidDataException or KeyPasswordException or FormatException or IOException)
        {
            return false;
        }
    }

    /// <summary>Whether a .key file already holds this key (decrypted with the same password), private as it must be.</summary>
    internal static bool HoldsKey(string file, AsymmetricAlgorithm key, SecureString? password, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows() && File.GetUnixFileMode(file) != mode) return false;
        try
        {
            using var found = ReadKey(PemBlock.ReadAll(File.ReadAllText(file)), password);
            return found != null && SameKey(found, key);
        }
        catch (Exception e) when (e is CryptographicException or InvalidDataException or KeyPasswordException or FormatException or IOException)
        {
            return false;
        }
    }

    /// <summary>
    /// The key in a file's PEM blocks, or null when there is none or it is protected differently from
    /// what is asked now (encrypted without -Password or plain with it): either way the file differs.
    /// </summary>
    private static AsymmetricAlgorithm? ReadKey(IReadOnlyList<PemBlock> blocks, SecureString? password)
    {
        var keyBlock = blocks.FirstOrDefault(PrivateKeyReader.IsKey);
        if (keyBlock == null) return null;
        bool encrypted = keyBlock.Label == "ENCRYPTED PRIVATE KEY" || keyBlock.IsEncryptedLegacy;
        if (encrypted != (password != null)) return null;
        return password == null
            ? PrivateKeyReader.Read(keyBlock, ReadOnlySpan<char>.Empty, hasPassword: false)
            : SecureStrings.Use(password, chars => PrivateKeyReader.Read(keyBlock, chars, hasPassword: true));
    }

    private static bool HoldsPem(string file, DcosCertificate certificate, SecureString? password)
    {
        var blocks = PemBlock.ReadAll(File.ReadAllText(file));
        using var key = ReadKey(blocks, password);
        if (key == null || !SameKey(key, certificate.PrivateKey!)) return false;
        var certs = PemBlock.ReadCertificates(blocks).Select(c => c.RawData).ToList();
        // A .key file holds no certificate; a combined PEM holds the certificate and its chain.
        return certs.Count == 0 || SameCertificates(certs, certificate);
    }

    private static bool HoldsPkcs12(string file, DcosCertificate certificate, SecureString? password)
    {
        var collection = new X509Certificate2Collection();
        byte[] data = File.ReadAllBytes(file);
        if (password == null) collection.Import(data, null, X509KeyStorageFlags.EphemeralKeySet);
        else SecureStrings.Use(password, chars => { collection.Import(data, new string(chars), X509KeyStorageFlags.EphemeralKeySet); return 0; });
        var leaf = collection.FirstOrDefault(c => c.HasPrivateKey);
        if (leaf == null || !leaf.RawData.AsSpan().SequenceEqual(certificate.Certificate.RawData)) return false;
        using AsymmetricAlgorithm? key = (AsymmetricAlgorithm?)leaf.GetRSAPrivateKey() ?? leaf.GetECDsaPrivateKey();
        return key != null && SameKey(key, certificate.PrivateKey!)
            && SameCertificates(collection.Select(c => c.RawData).ToList(), certificate);
    }

    private static bool SameKey(AsymmetricAlgorithm a, AsymmetricAlgorithm b)
        => a.ExportPkcs8PrivateKey().AsSpan().SequenceEqual(b.ExportPkcs8PrivateKey());

    private static bool SameCertificates(List<byte[]> found, DcosCertificate certificate)
    {
        var expected = new[] { certificate.Certificate }.Concat(certificate.Chain).Select(c => Convert.ToHexString(c.RawData)).OrderBy(x => x);
        return expected.SequenceEqual(found.Select(Convert.ToHexString).OrderBy(x => x));
    }
}
