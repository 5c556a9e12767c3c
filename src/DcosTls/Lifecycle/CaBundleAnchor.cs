using DcosTls.Certificates;
using DcosTls.Files;

namespace DcosTls.Lifecycle;

/// <summary>
/// Adds a CA to the ca.pem beside a pair when a renewal switches CAs (-ChangeIssuer). The CA in place
/// stays in the file: on the daemon's side ca.pem is dockerd's tlscacert, so clients whose certificates
/// the old CA signed are still let in, and the daemon's own check (Test-DockerDaemonTls, ServerChain)
/// finds an anchor for the new server certificate; on a client's side it is what the docker CLI
/// verifies daemons with, so daemons on either CA are trusted while a fleet moves over.
/// </summary>
internal static class CaBundleAnchor
{
    internal const string FileName = "ca.pem";

    /// <summary>Agent path of the bundle beside a slot's pair.</summary>
    internal static string PathOf(KeyPairSlot slot) => slot.Folder.TrimEnd('/') + "/" + FileName;

    /// <summary>
    /// Appends the CA to the bundle (written atomically, public like every CA file); Unchanged when it is
    /// already there. A missing bundle is made with the CA alone.
    /// </summary>
    internal static FileAction Add(StagedFileWriter writer, string agentPath, X509Certificate2 ca)
    {
        var present = Read(writer, agentPath);
        if (present.Any(c => c.RawData.AsSpan().SequenceEqual(ca.RawData))) return FileAction.Unchanged;
        var text = new StringBuilder();
        foreach (var certificate in present) text.Append(certificate.ExportCertificatePem()).Append('\n');
        text.Append(ca.ExportCertificatePem()).Append('\n');
        return writer.WriteText(agentPath, text.ToString(), StagedFileWriter.PublicFile);
    }

    private static List<X509Certificate2> Read(StagedFileWriter writer, string agentPath)
    {
        string full = writer.Map(agentPath);
        byte[] bytes;
        try { bytes = InstalledFile.Read(full, writer.Paths); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return new List<X509Certificate2>(); }
        try
        {
            return PemBlock.ReadCertificates(new UTF8Encoding(false).GetString(bytes));
        }
        catch (Exception e) when (e is CryptographicException or InvalidDataException)
        {
            throw new RenewalException("RenewalCaBundleUnreadable", ErrorCategory.InvalidData,
                $"'{full}' holds something other than PEM certificates, so the new CA cannot be added beside the old one; the old pair is kept. Put the CA certificates back (Set-DockerDaemonTls or Install-DockerClientCertificate) and run again.");
        }
    }
}
