namespace DcosTls.Certificates;

/// <summary>
/// Reads a PEM file (or DER certificate) into DcosCertificate objects. With a key (in the same
/// file or a separate one), the first certificate that matches it gets it, and the following
/// certificates become its chain; without a key, each certificate is an object of its own.
/// </summary>
internal static class CertificateFileReader
{
    internal static IReadOnlyList<DcosCertificate> Read(string certificateFile, string? keyFile, SecureString? password)
    {
        byte[] raw = File.ReadAllBytes(certificateFile);
        string text = System.Text.Encoding.UTF8.GetString(raw);
        var blocks = PemBlock.ReadAll(text).ToList();
        if (blocks.Count == 0)
        {
            // A single DER certificate is accepted too.
            try { return new[] { new DcosCertificate(new X509Certificate2(raw)) }; }
            catch (CryptographicException) { throw new InvalidDataException("it holds no PEM certificate and is not a DER certificate."); }
        }
        var certs = PemBlock.ReadCertificates(blocks);
        if (certs.Count == 0)
        {
            string found = string.Join(", ", blocks.Select(b => b.Label).Distinct());
            throw new InvalidDataException($"it holds no certificate (found: {found}). A key or CSR is not a certificate.");
        }
        var keyBlocks = blocks.Where(PrivateKeyReader.IsKey).ToList();
        if (keyFile != null) keyBlocks = PemBlock.ReadAll(File.ReadAllText(keyFile)).Where(PrivateKeyReader.IsKey).ToList();
        if (keyFile != null && keyBlocks.Count == 0) throw new InvalidDataException($"the key file '{keyFile}' holds no private key.");
        if (keyBlocks.Count == 0) return certs.Select(c => new DcosCertificate(c)).ToList();

        AsymmetricAlgorithm key = ReadKey(keyBlocks[0], password);
        int index = certs.FindIndex(c => PrivateKeyReader.Matches(c, key));
        if (index < 0) throw new InvalidDataException("the private key does not belong to any certificate in the file.");
        var chain = certs.Where((_, i) => i != index);
        return new[] { new DcosCertificate(certs[index], chain, key) };
    }

    /// <summary>A certificate (and its chain) from PEM text; private keys in the text are ignored.</summary>
    internal static IReadOnlyList<DcosCertificate> ReadPem(string certificatePem, string? chainPem)
    {
        var certs = PemBlock.ReadCertificates(certificatePem);
        if (certs.Count == 0) throw new InvalidDataException("it holds no PEM certificate.");
        var chain = PemBlock.ReadCertificates(chainPem ?? string.Empty);
        return new[] { new DcosCertificate(certs[0], certs.Skip(1).Concat(chain)) };
    }

    private static AsymmetricAlgorithm ReadKey(PemBlock block, SecureString? password)
    {
        if (password == null) return PrivateKeyReader.Read(block, ReadOnlySpan<char>.Empty, hasPassword: false);
        return Common.SecureStrings.Use(password, chars => PrivateKeyReader.Read(block, chars, hasPassword: true));
    }
}
