namespace DcosTls.DockerDaemon;

/// <summary>
/// The docker CLI's side of mutual TLS: ca.pem, cert.pem and key.pem in one folder (the names the
/// CLI looks for in DOCKER_CERT_PATH), the key 0600 in a 0700 folder.
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
        var files = new (string Role, string Name, byte[] Content, UnixFileMode Mode)[]
        {
            ("CaCertificate", "ca.pem", utf8.GetBytes(ca.CertificatePem), StagedFileWriter.PublicFile),
            ("ClientCertificate", "cert.pem", utf8.GetBytes(client.CertificatePem + client.ChainPem), StagedFileWriter.PublicFile),
            ("ClientKey", "key.pem", utf8.GetBytes(PrivateKeyReader.ExportPem(client.PrivateKey!, ReadOnlySpan<char>.Empty, encrypt: false)), StagedFileWriter.PrivateFile),
        };
        writer.EnsureDirectory(folder, StagedFileWriter.PrivateDirectory);
        var results = new List<DockerTlsFile>();
        foreach (var (role, name, content, mode) in files)
        {
            string path = folder.TrimEnd('/') + "/" + name;
            var action = writer.WriteBytes(path, content, mode, directoryMode: StagedFileWriter.PrivateDirectory);
            results.Add(new DockerTlsFile(role, writer.Map(path), null, action, mode, null));
        }
        return new DockerClientSettings(writer.Map(folder), dockerHost, results);
    }
}
