using DcosTls.Certificates;
using DcosTls.Files;

namespace DcosTls.DockerDaemon;

/// <summary>
/// The docker CLI's side of mutual TLS: ca.pem, cert.pem and key.pem in one folder (the names the
/// CLI looks for in DOCKER_CERT_PATH), the key 0600 in a 0700 folder; cert.pem and key.pem are links
/// into client.d/current/ so that a replacement is one atomic step.
/// </summary>
internal static class DockerClientInstaller
{
    internal static DockerClientSettings Install(StagedFileWriter writer, string folder, DcosCertificate ca, DcosCertificate client, string? dockerHost)
    {
        // Validate everything first: nothing is written for bad input.
        DockerCertificateCheck.CheckAuthority(ca);
        DockerCertificateCheck.CheckClient(client);
        if (dockerHost != null)
        {
            var host = DockerHostAddress.TryParse(dockerHost, out string? problem);
            if (host == null || host.Kind != DockerHostKind.Tcp || host.IsAnyInterface)
                throw new DockerTlsException("InvalidDockerHost", $"-DockerHost '{dockerHost}' must be tcp://host:port of the daemon, e.g. tcp://10.0.0.5:2376. {problem}");
        }
        var utf8 = new UTF8Encoding(false);
        writer.EnsureDirectory(folder, StagedFileWriter.PrivateDirectory);
        var results = new List<DockerTlsFile>();
        string caPath = folder.TrimEnd('/') + "/ca.pem";
        var caAction = writer.WriteBytes(caPath, utf8.GetBytes(ca.CertificatePem), StagedFileWriter.PublicFile, directoryMode: StagedFileWriter.PrivateDirectory);
        results.Add(new DockerTlsFile("CaCertificate", writer.Map(caPath), null, caAction, StagedFileWriter.PublicFile, null));
        // cert.pem and key.pem change together in one switch (KeyPairSlot), so the CLI never reads a key of another certificate.
        var slot = KeyPairSlot.Client(writer, folder, RenewalDescription.PathFor("cert.pem"));
        var action = slot.Put(utf8.GetBytes(client.CertificatePem + client.ChainPem),
            utf8.GetBytes(PrivateKeyReader.ExportPem(client.PrivateKey!, ReadOnlySpan<char>.Empty, encrypt: false)), client.Thumbprint,
            RenewalDescription.Companions(client, "cert.pem", "key.pem"));
        results.Add(new DockerTlsFile("ClientCertificate", writer.Map(slot.CertificatePath), null, action, StagedFileWriter.PublicFile, null));
        results.Add(new DockerTlsFile("ClientKey", writer.Map(slot.KeyPath), null, action, StagedFileWriter.PrivateFile, null));
        return new DockerClientSettings(writer.Map(folder), dockerHost, results);
    }
}
