using DcosTls.Certificates;
using DcosTls.Files;

namespace DcosTls.DockerDaemon;

/// <summary>What Set-DockerDaemonTls was asked to do.</summary>
internal sealed class DaemonTlsRequest
{
    internal required DcosCertificate CaCertificate { get; init; }
    internal required DcosCertificate ServerCertificate { get; init; }

    /// <summary>Null keeps whatever "hosts" daemon.json has.</summary>
    internal IReadOnlyList<string>? Hosts { get; init; }
    internal string TlsDirectory { get; init; } = "/etc/docker/tls";
    internal string DaemonConfigPath { get; init; } = "/etc/docker/daemon.json";
    internal bool VerifyClients { get; init; } = true;
    internal string DropInName { get; init; } = "dcostls-hosts";
}

/// <summary>Everything to write, worked out (and validated) before the first write.</summary>
internal sealed class DaemonTlsPlan
{
    internal List<(string Role, string AgentPath, byte[] Content, UnixFileMode Mode, bool Backup)> Files { get; } = new();

    /// <summary>The server certificate (with its chain) and key, installed together after ca.pem (see KeyPairSlot).</summary>
    internal (byte[] Certificate, byte[] Key, string Thumbprint) ServerPair { get; set; }

    /// <summary>The server certificate's renewal description, switched with the pair (none when it does not say how it was made).</summary>
    internal SlotFile[] ServerCompanions { get; set; } = Array.Empty<SlotFile>();

    /// <summary>Our drop-in when daemon.json ends up without "hosts" (dockerd would then have no socket).</summary>
    internal string? DropInToRemove { get; set; }
    internal List<string> Warnings { get; } = new();
    internal string TlsDirectory { get; set; } = string.Empty;
}

/// <summary>
/// Puts dockerd behind mutual TLS: installs ca.pem, server-cert.pem and server-key.pem,
/// merges the TLS keys into daemon.json, and writes the systemd drop-in "hosts" needs. Plan()
/// validates everything and reads the existing files; Apply() only writes, in an order where every
/// state between two steps is one dockerd starts from: ca.pem, then the server pair in one switch
/// (KeyPairSlot: a kill between two files never leaves a key of another certificate), then the
/// drop-in, daemon.json last.
/// </summary>
internal static class DaemonTlsConfigurator
{
    internal static DaemonTlsPlan Plan(StagedFileWriter writer, DaemonTlsRequest request)
    {
        var plan = new DaemonTlsPlan();
        string tlsDirectory = CheckAgentPath(request.TlsDirectory, "TlsDirectory");
        string configPath = CheckAgentPath(request.DaemonConfigPath, "DaemonConfigPath");
        CheckFileName(request.DropInName, "DropInName");
        plan.TlsDirectory = tlsDirectory;

        var hosts = ParseHosts(request.Hosts, "-Hosts");
        DockerCertificateCheck.CheckAuthority(request.CaCertificate);
        plan.Warnings.AddRange(DockerCertificateCheck.CheckServer(request.ServerCertificate, request.CaCertificate, hosts ?? CurrentHosts(writer, configPath)));

        // daemon.json: refuse what dockerd could not read, keep every key we do not own.
        byte[]? existingBytes = ReadAgentFile(writer, configPath);
        var existing = DaemonJson.Parse(existingBytes, writer.Map(configPath));
        var paths = new DaemonTlsPaths(tlsDirectory);
        var merged = DaemonJson.Merge(existing, paths, request.VerifyClients, hosts?.Select(h => h.Text).ToList());
        var effectiveHosts = ParseHosts(DaemonJson.Hosts(merged), $"\"hosts\" in {writer.Map(configPath)}") ?? new List<DockerHostAddress>();
        AddHostWarnings(plan, effectiveHosts, request.VerifyClients);

        var utf8 = new UTF8Encoding(false);
        var ca = request.CaCertificate;
        var server = request.ServerCertificate;
        plan.Files.Add(("CaCertificate", paths.CaCertificate, utf8.GetBytes(ca.CertificatePem), StagedFileWriter.PublicFile, false));
        plan.ServerPair = (utf8.GetBytes(server.CertificatePem + server.ChainPem),
            utf8.GetBytes(PrivateKeyReader.ExportPem(server.PrivateKey!, ReadOnlySpan<char>.Empty, encrypt: false)), server.Thumbprint);
        plan.ServerCompanions = RenewalDescription.Companions(server, "server-cert.pem", "server-key.pem");
        // Same JSON (even formatted differently) → leave the file alone.
        byte[] config = existingBytes != null && DaemonJson.SameContent(existing, merged) ? existingBytes : DaemonJson.Serialize(merged);
        // An existing daemon.json keeps its mode (some sites keep it 0600).
        string configFull = writer.Map(configPath);
        var configMode = existingBytes != null ? File.GetUnixFileMode(configFull) : StagedFileWriter.PublicFile;

        // The drop-in goes in before daemon.json gets "hosts": a drop-in without "hosts" is a dockerd
        // on its default socket, "hosts" without the drop-in is a dockerd that refuses to start.
        // Removing the drop-in comes after daemon.json lost "hosts", for the same reason.
        string dropIn = SystemdDropIn.PathFor(request.DropInName);
        if (effectiveHosts.Count > 0)
        {
            string text = SystemdDropIn.Build(p => ReadAgentFile(writer, p) is { } b ? utf8.GetString(b) : null);
            plan.Files.Add(("SystemdDropIn", dropIn, utf8.GetBytes(text), StagedFileWriter.PublicFile, false));
        }
        else if (File.Exists(writer.Map(dropIn)))
        {
            plan.DropInToRemove = dropIn;
        }
        plan.Files.Add(("DaemonConfig", configPath, config, configMode, true));
        return plan;
    }

    /// <summary>
    /// Writes the plan as one change: checked before the first write, rolled back when a write fails
    /// (AgentChangeException naming the files), under the root's lock.
    /// </summary>
    internal static List<DockerTlsFile> Apply(StagedFileWriter writer, DaemonTlsPlan plan)
    {
        using var held = AgentFileLock.Acquire(writer);
        using var change = writer.BeginChange();
        if (!writer.DryRun)
            change.Check(plan.Files.Select(f => f.AgentPath)
                .Concat(new[] { KeyPairSlot.Daemon(writer, plan.TlsDirectory).CertificatePath, KeyPairSlot.Daemon(writer, plan.TlsDirectory).KeyPath })
                .Concat(plan.DropInToRemove is { } r ? new[] { r } : Array.Empty<string>()));
        try
        {
            return Write(writer, plan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not AgentChangeException)
        {
            throw change.Fail(e);
        }
    }

    private static List<DockerTlsFile> Write(StagedFileWriter writer, DaemonTlsPlan plan)
    {
        var results = new List<DockerTlsFile>();
        // The key's folder is private: create it 0700 before the key goes in.
        writer.EnsureDirectory(plan.TlsDirectory, StagedFileWriter.PrivateDirectory);
        bool declined = false;
        foreach (var (role, agentPath, content, mode, backup) in plan.Files)
        {
            string full = writer.Map(agentPath);
            if (declined && role is "DaemonConfig" or "SystemdDropIn")
            {
                // daemon.json must not name TLS files the user declined to create: dockerd would not start.
                results.Add(new DockerTlsFile(role, full, agentPath, FileAction.Skipped, mode, null));
                continue;
            }
            bool existed = File.Exists(full);
            bool inTlsDirectory = agentPath.StartsWith(plan.TlsDirectory.TrimEnd('/') + "/", StringComparison.Ordinal);
            var action = writer.WriteBytes(agentPath, content, mode, overwrite: true,
                directoryMode: inTlsDirectory ? StagedFileWriter.PrivateDirectory : StagedFileWriter.PublicDirectory, backup: backup);
            if (role == "CaCertificate" && writer.Declined(action, agentPath)) declined = true;
            string? backupPath = backup && existed && action == FileAction.Updated ? StagedFileWriter.BackupPathOf(full) : null;
            results.Add(new DockerTlsFile(role, full, agentPath, action, mode, backupPath));
            if (role == "CaCertificate" && PutServerPair(writer, plan, results)) declined = true;
        }
        if (plan.DropInToRemove != null)
        {
            var action = writer.Delete(plan.DropInToRemove);
            results.Add(new DockerTlsFile("SystemdDropIn", writer.Map(plan.DropInToRemove), plan.DropInToRemove, action, null, null));
        }
        return results;
    }

    /// <summary>The server pair through its slot; true when the user declined to create it.</summary>
    private static bool PutServerPair(StagedFileWriter writer, DaemonTlsPlan plan, List<DockerTlsFile> results)
    {
        var slot = KeyPairSlot.Daemon(writer, plan.TlsDirectory, RenewalDescription.PathFor("server-cert.pem"));
        var (certificate, key, thumbprint) = plan.ServerPair;
        var action = slot.Put(certificate, key, thumbprint, plan.ServerCompanions);
        results.Add(new DockerTlsFile("ServerCertificate", writer.Map(slot.CertificatePath), slot.CertificatePath, action, StagedFileWriter.PublicFile, null));
        results.Add(new DockerTlsFile("ServerKey", writer.Map(slot.KeyPath), slot.KeyPath, action, StagedFileWriter.PrivateFile, null));
        return writer.Declined(action, slot.CertificatePath);
    }

    private static void AddHostWarnings(DaemonTlsPlan plan, IReadOnlyList<DockerHostAddress> hosts, bool verifyClients)
    {
        if (!verifyClients)
        {
            foreach (var h in hosts.Where(h => h.Kind == DockerHostKind.Tcp && !h.IsLoopback))
                plan.Warnings.Add($"'{h.Text}' is reachable from other machines and tlsverify is off: anyone who can connect controls Docker (root on this agent), and dockerd 27+ refuses to start this way. Drop -SkipClientVerification.");
        }
        if (hosts.Count > 0 && !hosts.Any(h => h.Kind is DockerHostKind.Unix or DockerHostKind.Fd))
            plan.Warnings.Add("\"hosts\" has no unix:// or fd:// entry, so the local socket /var/run/docker.sock goes away. Add 'unix:///var/run/docker.sock' to -Hosts unless that is meant.");
    }

    private static List<DockerHostAddress>? ParseHosts(IReadOnlyList<string>? hosts, string source)
    {
        if (hosts == null) return null;
        var parsed = new List<DockerHostAddress>();
        foreach (string h in hosts)
        {
            var address = DockerHostAddress.TryParse(h, out string? problem);
            if (address == null)
                throw new DockerTlsException("InvalidDockerHost", $"{source}: {problem} Use e.g. 'unix:///var/run/docker.sock','tcp://10.0.0.5:2376'.");
            if (!parsed.Any(p => p.Text == address.Text)) parsed.Add(address);
        }
        return parsed;
    }

    private static IReadOnlyList<DockerHostAddress> CurrentHosts(StagedFileWriter writer, string configPath)
    {
        // Without -Hosts, the check covers the listeners daemon.json already has (if it parses).
        try
        {
            var current = DaemonJson.Parse(ReadAgentFile(writer, configPath), writer.Map(configPath));
            return ParseHosts(DaemonJson.Hosts(current), writer.Map(configPath)) ?? new List<DockerHostAddress>();
        }
        catch (DockerTlsException e) when (e.ErrorId == "InvalidDockerHost")
        {
            return Array.Empty<DockerHostAddress>();
        }
    }

    private static byte[]? ReadAgentFile(StagedFileWriter writer, string agentPath)
    {
        string full = writer.MapForRead(agentPath);
        return File.Exists(full) ? File.ReadAllBytes(full) : null;
    }

    internal static string CheckAgentPath(string path, string parameter)
    {
        if (string.IsNullOrWhiteSpace(path) || !path.StartsWith('/') || path.Split('/').Any(s => s is ".." or ".") || path.Any(char.IsControl))
            throw new DockerTlsException("InvalidAgentPath",
                $"-{parameter} '{path}' must be an absolute agent path without '.' or '..' segments, e.g. /etc/docker/tls.");
        return path.Length > 1 ? path.TrimEnd('/') : path;
    }

    internal static void CheckFileName(string name, string parameter)
    {
        if (string.IsNullOrWhiteSpace(name) || !System.Text.RegularExpressions.Regex.IsMatch(name, "^[A-Za-z0-9][A-Za-z0-9_.-]*$") || name.Contains(".."))
            throw new DockerTlsException("InvalidFileName",
                $"-{parameter} '{name}' must be a plain file name (letters, digits, '-', '_', '.'), no separators or '..'.");
    }
}
