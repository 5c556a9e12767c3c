using System.Collections;
using DcosTls.Certificates;

namespace DcosTls.Trust;

/// <summary>
/// Turns what users pipe or name into certificates, and says clearly what was given instead when
/// it is not one (a key, a CSR, DER bytes, some other object). Nothing here touches the agent.
/// </summary>
internal static class CertificateInput
{
    private const string Accepted = "Give certificates as DcosCertificate objects (New-DcosCertificate, Get-DcosCaCertificate, " +
        "Import-DcosCertificate), X509Certificate2, objects with a CertificatePem property, PEM text, or -Path <pem file>.";

    internal static IReadOnlyList<X509Certificate2> FromObject(object? input)
    {
        object? value = input is PSObject pso ? pso.BaseObject : input;
        switch (value)
        {
            case null:
                throw new InvalidDataException("The certificate input is empty. " + Accepted);
            case DcosCertificate dcos:
                return new[] { new X509Certificate2(dcos.Certificate.RawData) };
            case X509Certificate2 x509:
                return new[] { new X509Certificate2(x509.RawData) };
            case string text:
                return FromPem(text, "The input text");
            case byte[]:
                throw new InvalidDataException("The input is raw (DER) bytes, not a PEM certificate. Import it with Import-DcosCertificate, " +
                    "or convert it: openssl x509 -inform der -in <file> -out <file>.pem.");
            case FileInfo file:
                return FromFile(file.FullName);
        }
        if (input is PSObject withProperties && withProperties.Properties["CertificatePem"]?.Value is string pem)
            return FromPem(pem, "The input object's CertificatePem");
        if (value is IEnumerable many and not string)
            return many.Cast<object?>().SelectMany(FromObject).ToList();
        throw new InvalidDataException($"A {value.GetType().Name} is not a certificate. {Accepted}");
    }

    internal static IReadOnlyList<X509Certificate2> FromFile(string path)
    {
        byte[] raw = File.ReadAllBytes(path);
        string text = System.Text.Encoding.UTF8.GetString(raw);
        if (raw.Length > 0 && raw[0] == 0x30 && !text.Contains("-----BEGIN", StringComparison.Ordinal))
            throw new InvalidDataException($"'{path}' is DER (binary), not PEM: Docker silently ignores DER .crt files. Convert it with " +
                $"'openssl x509 -inform der -in {path} -out <file>.pem', or pipe Import-DcosCertificate -Path {path}.");
        return FromPem(text, $"'{path}'");
    }

    /// <summary>Every certificate in PEM text; an error that names what was found when there is none.</summary>
    internal static IReadOnlyList<X509Certificate2> FromPem(string text, string source)
    {
        var blocks = PemBlock.ReadAll(text);
        var certificates = new List<X509Certificate2>();
        foreach (var block in blocks.Where(b => b.IsCertificate))
        {
            try
            {
                certificates.Add(block.ToCertificate());
            }
            catch (CryptographicException e)
            {
                throw new InvalidDataException($"{source} has a CERTIFICATE block that is not a valid certificate ({e.Message.TrimEnd('.')}).");
            }
        }
        if (certificates.Count > 0) return certificates;
        if (blocks.Count == 0)
            throw new InvalidDataException($"{source} holds no PEM certificate (no '-----BEGIN CERTIFICATE-----'). {Accepted}");
        var labels = blocks.Select(b => b.Label).Distinct().ToList();
        if (labels.Any(l => l.Contains("PRIVATE KEY", StringComparison.Ordinal)))
            throw new InvalidDataException($"{source} holds a private key ({string.Join(", ", labels)}), not a certificate. Give the CA's certificate; a key never goes into a trust store.");
        if (labels.Any(l => l.Contains("CERTIFICATE REQUEST", StringComparison.Ordinal)))
            throw new InvalidDataException($"{source} holds a certificate signing request, not a certificate. Have it signed first (New-DcosCertificate), then install the CA certificate.");
        throw new InvalidDataException($"{source} holds no certificate (found: {string.Join(", ", labels)}). {Accepted}");
    }

    /// <summary>Certificates in a file already on the agent; empty when it is not readable PEM or DER (see <see cref="ReadInstalledFile"/>).</summary>
    internal static IReadOnlyList<X509Certificate2> ReadInstalled(string fullPath, Files.AgentRoot? root = null)
        => ReadInstalledFile(fullPath, root).Certificates;

    /// <summary>
    /// A file already on the agent, read through <see cref="Files.InstalledFile"/> (inside the root,
    /// regular, bounded), with what it holds or why it holds nothing.
    /// </summary>
    /// <param name="root">The root the file must stay in; null for a folder read as given (a client folder).</param>
    internal static InstalledCertificates ReadInstalledFile(string fullPath, Files.AgentRoot? root)
    {
        byte[] raw;
        try
        {
            raw = Files.InstalledFile.Read(fullPath, root);
        }
        catch (Files.InstalledFileException e)
        {
            return InstalledCertificates.Nothing(e.Health, e);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return InstalledCertificates.Nothing("Missing");
        }
        // An empty array makes an X509Certificate2 that fails later, on first use.
        if (raw.Length == 0) return InstalledCertificates.Nothing("Empty");
        string text = System.Text.Encoding.UTF8.GetString(raw);
        bool pem = text.Contains("-----BEGIN", StringComparison.Ordinal);
        try
        {
            var certificates = pem ? FromPem(text, fullPath) : new[] { new X509Certificate2(raw) };
            return new InstalledCertificates(certificates, pem, null, null);
        }
        catch (Exception e) when (e is InvalidDataException or CryptographicException)
        {
            return new InstalledCertificates(Array.Empty<X509Certificate2>(), pem, "NotPem", null);
        }
    }
}
