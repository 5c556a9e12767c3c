using DcosTls.Certificates;
using DcosTls.Common;
using DcosTls.DockerDaemon;
using DcosTls.Files;
using DcosTls.Trust;

namespace DcosTls.Lifecycle;

/// <summary>Something the inventory could not read; the rows it could read are still listed.</summary>
internal sealed record InventoryProblem(string ErrorId, ErrorCategory Category, string Message, object? Target);

/// <summary>What an inventory read: the rows, and what it could not read.</summary>
internal sealed record InventoryResult(IReadOnlyList<AgentCertificate> Certificates, IReadOnlyList<InventoryProblem> Problems, DateTime ReadAt);

/// <summary>
/// Reads every certificate an agent relies on for what DcosTls manages, through the same readers
/// the other cmdlets use: the trust stores' List, daemon.json's tlscacert/tlscert, and the docker
/// CLI's ca.pem/cert.pem in the given client folders. It only reads.
/// </summary>
internal static class CertificateInventory
{
    internal const string DaemonJsonPath = "/etc/docker/daemon.json";

    /// <param name="writer">Maps agent paths under the root; nothing is written through it.</param>
    /// <param name="clientFolders">Full paths of folders Install-DockerClientCertificate wrote.</param>
    /// <param name="step">Told each store or folder as its read begins (<see cref="StepCount"/> in all), for progress.</param>
    internal static InventoryResult Read(StagedFileWriter writer, IEnumerable<string> clientFolders, Action<string> warn, bool readAgent = true, Action<string>? step = null)
    {
        step ??= _ => { };
        var now = DateTime.UtcNow;
        var rows = new List<AgentCertificate>();
        var problems = new List<InventoryProblem>();
        if (readAgent)
        {
            ReadTrustStores(writer, warn, step, now, rows, problems);
            step(DaemonJsonPath);
            ReadDaemon(writer, now, rows, problems);
        }
        // Agent files are read under the root; a row says which, so it pipes into the renewal with it.
        foreach (var row in rows) row.Root = writer.Root;
        foreach (string folder in clientFolders)
        {
            step(folder);
            ReadClientFolder(folder, now, rows, problems);
        }
        foreach (var row in rows.Where(r => r.Role is "DaemonServer" or "DaemonServerChain" or "Client" or "ClientChain"))
        {
            string description = Certificates.RenewalDescription.PathFor(row.Path);
            if (File.Exists(description)) row.RenewalDescription = description;
        }
        return new InventoryResult(rows, problems, now);
    }

    /// <summary>How many steps <see cref="Read"/> reports: every trust store and daemon.json on an agent, then each client folder.</summary>
    internal static int StepCount(int clientFolders, bool readAgent)
        => clientFolders + (readAgent ? Enum.GetValues<TrustTarget>().Length + 1 : 0);

    private static void ReadTrustStores(StagedFileWriter writer, Action<string> warn, Action<string> step, DateTime now, List<AgentCertificate> rows, List<InventoryProblem> problems)
    {
        foreach (var target in Enum.GetValues<TrustTarget>())
        {
            // Counted before the OS store may be passed over, so the total stays what StepCount said.
            step($"{target} trust store");
            var store = TrustStores.Create(target, writer, warn);
            // The OS anchors are read only where the root says which OS it is, as Get-DockerRegistryTrust does.
            if (store is SystemTrustStore system && !system.IsDetectable()) continue;
            foreach (var trust in store.List(null))
            {
                X509Certificate2? certificate = trust.CertificatePem == null ? null : PemBlock.ReadCertificates(trust.CertificatePem).FirstOrDefault();
                var row = Describe(target.ToString(), trust.Registry, "RegistryCa", trust.Path, certificate, now);
                // The store knows more than expiry: a broken hash link or a bundle stays visible.
                if (trust.Health != "OK") row.Health = trust.Health;
                rows.Add(row);
                // An entry that was not read leaves the inventory incomplete: an error as well as the row.
                if (trust.ReadError is { } error) problems.Add(Problem(error, trust.Path));
            }
        }
    }

    private static void ReadDaemon(StagedFileWriter writer, DateTime now, List<AgentCertificate> rows, List<InventoryProblem> problems)
    {
        string full = writer.Map(DaemonJsonPath);
        if (StagedFileWriter.Entry(full) == null) return;
        JsonObject config;
        try
        {
            config = DaemonJson.Parse(InstalledFile.Read(full, writer.Paths), full);
        }
        catch (DockerTlsException e)
        {
            problems.Add(new InventoryProblem(e.ErrorId, ErrorCategory.InvalidData, e.Message, full));
            return;
        }
        catch (InstalledFileException e) when (e.Health == "Unreadable")
        {
            problems.Add(new InventoryProblem("DaemonJsonUnreadable", ErrorCategory.ReadError, e.Message, full));
            return;
        }
        catch (InstalledFileException e)
        {
            problems.Add(Problem(e, full));
            return;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return; // a dangling link: no daemon.json, as when there is none
        }
        foreach (var (key, role) in new[] { ("tlscacert", "DaemonCa"), ("tlscert", "DaemonServer") })
        {
            if (config[key] is not JsonValue value || !value.TryGetValue(out string? agentPath) || string.IsNullOrWhiteSpace(agentPath)) continue;
            string file;
            try { file = writer.Map(agentPath); }
            catch (Exception e) when (e is ArgumentException or Files.PathOutsideRootException)
            {
                problems.Add(new InventoryProblem("DaemonCertificatePathInvalid", ErrorCategory.InvalidData,
                    $"daemon.json's {key} '{agentPath}' cannot be read under the root: {e.Message}", agentPath));
                continue;
            }
            ReadFile("DockerDaemon", role, file, writer.Paths, now, rows, problems);
        }
    }

    private static void ReadClientFolder(string folder, DateTime now, List<AgentCertificate> rows, List<InventoryProblem> problems)
    {
        if (!Directory.Exists(folder))
        {
            problems.Add(new InventoryProblem("ClientFolderNotFound", ErrorCategory.ObjectNotFound,
                $"The client folder '{folder}' does not exist. Give the -Path (DOCKER_CERT_PATH) that Install-DockerClientCertificate wrote.", folder));
            return;
        }
        var described = DescribedRenewal.FindUnder(folder).ToList();
        // The user's own DOCKER_CERT_PATH, read as given: no root to stay in, the other checks hold. A
        // folder of other certificates (with descriptions, no ca.pem or cert.pem) is not a client folder.
        bool clientFolder = described.Count == 0 || File.Exists(System.IO.Path.Combine(folder, "ca.pem")) || File.Exists(System.IO.Path.Combine(folder, "cert.pem"));
        if (clientFolder)
        {
            ReadFile("DockerClient", "ClientCa", System.IO.Path.Combine(folder, "ca.pem"), null, now, rows, problems);
            ReadFile("DockerClient", "Client", System.IO.Path.Combine(folder, "cert.pem"), null, now, rows, problems);
        }
        // Every certificate DcosTls wrote with a renewal description (Export-DcosCertificate), in the folder or below.
        foreach (string description in described)
        {
            string file = description[..^Certificates.RenewalDescription.Suffix.Length];
            if (rows.Any(r => r.Path == file)) continue;
            int first = rows.Count;
            if (file.EndsWith(".p12", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase))
                rows.Add(DescribeFromDescription(file, description, now));
            else ReadFile("File", "Certificate", file, null, now, rows, problems);
            for (int i = first; i < rows.Count; i++) rows[i].RenewalDescription = description;
        }
    }

    /// <summary>A PKCS#12 file cannot be read without its password: its row comes from its description.</summary>
    private static AgentCertificate DescribeFromDescription(string file, string description, DateTime now)
    {
        var row = new AgentCertificate { Store = "File", Role = "Certificate", Path = file };
        try
        {
            var read = Certificates.RenewalDescription.Parse(File.ReadAllBytes(description), description).Certificate;
            row.Subject = read.Subject;
            row.NotAfter = read.NotAfter.ToUniversalTime();
            row.DaysLeft = (int)Math.Floor((row.NotAfter.Value - now).TotalDays);
            row.Thumbprint = read.Thumbprint;
            if (!File.Exists(file)) row.Health = "Missing";
            else if (row.NotAfter < now) row.Health = "Expired";
        }
        catch (Exception e) when (e is DcosTlsException or IOException or UnauthorizedAccessException)
        {
            row.Health = "Unreadable";
        }
        return row;
    }

    /// <summary>
    /// One row per certificate in the file: the first has the role, the rest (a chain sent with a
    /// leaf) are its chain. A file that is named but missing, empty, holds no certificate or is not
    /// read (see <see cref="InstalledFile"/>) is one row saying so; one not read is a problem too.
    /// </summary>
    private static void ReadFile(string store, string role, string file, AgentRoot? root, DateTime now, List<AgentCertificate> rows, List<InventoryProblem> problems)
    {
        var read = CertificateInput.ReadInstalledFile(file, root);
        var certificates = read.Certificates;
        if (certificates.Count == 0)
        {
            rows.Add(new AgentCertificate { Store = store, Role = role, Path = file, Health = read.Health ?? "NotPem" });
            if (read.Refused != null) problems.Add(Problem(read.Refused, file));
            return;
        }
        for (int i = 0; i < certificates.Count; i++)
            rows.Add(Describe(store, null, i == 0 || role.EndsWith("Ca", StringComparison.Ordinal) ? role : role + "Chain", file, certificates[i], now));
    }

    private static InventoryProblem Problem(DcosTlsException error, string path) => new(error.ErrorId, error.Category, error.Message, path);

    private static AgentCertificate Describe(string store, string? registry, string role, string path, X509Certificate2? certificate, DateTime now)
    {
        var row = new AgentCertificate { Store = store, Registry = registry, Role = role, Path = path };
        if (certificate == null) return row;
        var notAfter = certificate.NotAfter.ToUniversalTime();
        row.Subject = certificate.Subject;
        row.Issuer = certificate.Issuer;
        row.NotAfter = notAfter;
        row.DaysLeft = (int)Math.Floor((notAfter - now).TotalDays);
        row.Thumbprint = certificate.Thumbprint;
        row.Sha256Fingerprint = Convert.ToHexString(SHA256.HashData(certificate.RawData));
        if (notAfter < now) row.Health = "Expired";
        return row;
    }

    /// <summary>Rows whose certificate expires within the given days from the read (expired ones included).</summary>
    internal static IEnumerable<AgentCertificate> ExpiringWithin(IEnumerable<AgentCertificate> rows, double days, DateTime readAt)
        => rows.Where(r => r.NotAfter != null && r.NotAfter.Value <= readAt.AddDays(days));
}
