using DcosTls.Certificates;
using DcosTls.Common;
using DcosTls.Files;

namespace DcosTls.Lifecycle;

/// <summary>A renewal description read with the certificate it describes, and whether that is due.</summary>
internal sealed class DescribedPlan
{
    internal required RenewalDescription Description { get; init; }

    /// <summary>Agent path of the description (its fixed name).</summary>
    internal required string DescriptionPath { get; init; }

    /// <summary>Mapped path of the certificate's fixed name (what errors and results name).</summary>
    internal required string Path { get; init; }

    internal required KeyPairSlot Slot { get; init; }

    /// <summary>The certificate in place (with its chain; without its key).</summary>
    internal required DcosCertificate Current { get; init; }

    /// <summary>Mapped paths the certificate and its key were read from (the version folder "current" names).</summary>
    internal required string CertificateFile { get; init; }
    internal required string? KeyFile { get; init; }

    internal required RenewalDecision Decision { get; init; }
}

/// <summary>
/// Renews a certificate from its renewal description (Update-DcosCertificate): reads the description
/// and the files it names, refuses a description that does not match them (a certificate edited by
/// hand), decides whether it is due (<see cref="RenewalRule"/>), and writes the new certificate in the
/// same layout, with the description rewritten, through one <see cref="KeyPairSlot"/> switch: a reader
/// of the fixed names sees all old files or all new ones.
/// </summary>
internal static class DescribedRenewal
{
    /// <summary>The description files under a folder (links included, version folders of a slot left out).</summary>
    internal static IEnumerable<string> FindUnder(string folder)
    {
        var pending = new Stack<DirectoryInfo>();
        pending.Push(new DirectoryInfo(folder));
        while (pending.Count > 0)
        {
            var dir = pending.Pop();
            IEnumerable<FileSystemInfo> entries;
            try { entries = dir.EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal).ToList(); }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException) { continue; }
            // A slot's versions folder holds old and current copies of the same description (also
            // before its first "current" link, when a run was stopped early).
            if (entries.Any(e => e.Name == KeyPairSlot.CurrentLink && e.LinkTarget != null)
                || entries.Any(e => e is DirectoryInfo && (KeyPairSlot.IsVersionName(e.Name) || (e.Name.StartsWith('.') && e.Name.EndsWith(".tmp", StringComparison.Ordinal)))))
                continue;
            foreach (var entry in entries)
            {
                if (entry is DirectoryInfo sub && sub.LinkTarget == null) pending.Push(sub);
                else if (entry is FileInfo && entry.Name.EndsWith(RenewalDescription.Suffix, StringComparison.Ordinal) && entry.Name.Length > RenewalDescription.Suffix.Length)
                    yield return entry.FullName;
            }
        }
    }

    /// <summary>The slot of a description's files: the Docker pairs keep the folders their installers made.</summary>
    internal static KeyPairSlot SlotOf(StagedFileWriter writer, string folder, RenewalDescription description)
    {
        string descriptionName = RenewalDescription.PathFor(description.CertificateName);
        var daemon = KeyPairSlot.Daemon(writer, folder, descriptionName);
        var client = KeyPairSlot.Client(writer, folder, descriptionName);
        foreach (var slot in new[] { daemon, client })
            if (description.CertificateName == slot.CertificateName && description.KeyName == slot.KeyName) return slot;
        return KeyPairSlot.ForFiles(writer, folder, description.CertificateName, description.KeyName, descriptionName);
    }

    /// <param name="descriptionPath">Agent path of the description.</param>
    /// <param name="renewalInfo">
    /// The time an ACME server suggests renewing the certificate at (RFC 9773), when it offers one: given
    /// the description, its agent path, the certificate and the rule's jitter fraction (where in the window).
    /// </param>
    internal static DescribedPlan Plan(StagedFileWriter writer, string descriptionPath, SecureString? password, RenewBefore? window, bool force, string host,
        Func<RenewalDescription, string, DcosCertificate, double, DateTime?>? renewalInfo)
    {
        string full = writer.Map(descriptionPath);
        var first = ReadDescription(writer, descriptionPath);
        string folder = AgentFolderOf(descriptionPath);
        if (System.IO.Path.GetFileName(descriptionPath) != RenewalDescription.PathFor(first.CertificateName))
            throw new DcosTlsException("RenewalDescriptionInvalid", ErrorCategory.InvalidData,
                $"'{full}' describes '{first.CertificateName}', but a description is named after its certificate ('{RenewalDescription.PathFor(first.CertificateName)}'). Rename it, or export the certificate again.", full);
        var slot = SlotOf(writer, folder, first);
        // All files from the one version folder "current" names: a renewal switching it meanwhile
        // cannot give the description of one certificate and the file of another.
        var names = new List<string> { first.CertificateName };
        if (first.KeyName != null) names.Add(first.KeyName);
        names.Add(System.IO.Path.GetFileName(descriptionPath));
        var paths = slot.ReadPaths(names);
        var description = ReadDescription(writer, paths[^1]);
        string certificateFile = MapExisting(writer, paths[0], full);
        string? keyFile = first.KeyName == null ? null : MapExisting(writer, paths[1], full);
        string fixedPath = writer.Map(slot.CertificatePath);
        var current = ReadCertificate(description, certificateFile, fixedPath, password);
        if (!current.Thumbprint.Equals(description.Certificate.Thumbprint, StringComparison.OrdinalIgnoreCase))
            throw new DcosTlsException("RenewalCertificateChanged", ErrorCategory.InvalidData,
                $"'{fixedPath}' holds the certificate {current.Thumbprint} ('{current.Subject}'), not {description.Certificate.Thumbprint} that '{full}' describes: it was replaced or edited by hand, so it is not renewed and nothing is written. " +
                "Export the certificate in place again with New-DcosCertificate ... | Export-DcosCertificate, or remove the description.", fixedPath);
        if (!force && RenewalRule.WindowExceedsLifetime(current.NotBefore, current.NotAfter, window))
            throw new DcosTlsException("RenewalWindowTooLong", ErrorCategory.InvalidArgument,
                $"'{fixedPath}' lives {(current.NotAfter - current.NotBefore).TotalDays:0.#} days, and -RenewBefore {window} would make every renewal of it due again at once. " +
                "Give fewer days, a share of the lifetime such as '1/3', or leave -RenewBefore out (two thirds of the lifetime).", fixedPath);
        // The server's window is asked for only when the rule itself is not already decided by -Force.
        double jitter = RenewalRule.JitterFraction(current.Thumbprint, host);
        var info = force || renewalInfo == null ? null : renewalInfo(description, descriptionPath, current, jitter);
        var decision = RenewalRule.Decide(current.NotBefore, current.NotAfter, DateTime.UtcNow, window, jitter, force, info);
        return new DescribedPlan
        {
            Description = description, DescriptionPath = descriptionPath, Path = fixedPath, Slot = slot, Current = current,
            CertificateFile = certificateFile, KeyFile = keyFile, Decision = decision,
        };
    }

    private static RenewalDescription ReadDescription(StagedFileWriter writer, string agentPath)
    {
        string full = writer.Map(agentPath);
        byte[] content;
        try { content = InstalledFile.Read(full, writer.Paths); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DcosTlsException("RenewalDescriptionNotFound", ErrorCategory.ObjectNotFound,
                $"'{full}' does not exist. Give a renewal description ('<certificate file>{RenewalDescription.Suffix}'), the certificate file beside it, or a folder that holds descriptions.", full);
        }
        return RenewalDescription.Parse(content, full);
    }

    private static string MapExisting(StagedFileWriter writer, string agentPath, string description)
    {
        string full;
        try { full = writer.MapForRead(agentPath); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { full = writer.Map(agentPath); }
        if (!File.Exists(full))
            throw new DcosTlsException("RenewalCertificateMissing", ErrorCategory.ObjectNotFound,
                $"'{writer.Map(agentPath)}', which '{description}' names, does not exist, so there is nothing to renew. Export the certificate again, or remove the description.", writer.Map(agentPath));
        return full;
    }

    private static string AgentFolderOf(string agentPath)
    {
        int slash = agentPath.LastIndexOf('/');
        return slash <= 0 ? "/" : agentPath[..slash];
    }

    /// <summary>The certificate in place (without its key, which only -ReuseKey reads: <see cref="ReadKey"/>).</summary>
    private static DcosCertificate ReadCertificate(RenewalDescription description, string file, string fixedPath, SecureString? password)
    {
        try
        {
            if (description.Format == nameof(CertificateExportFormat.Pkcs12)) return ReadPkcs12(description, file, fixedPath, password);
            return CertificateFileReader.ReadPem(File.ReadAllText(file), null)[0];
        }
        catch (Exception e) when (e is InvalidDataException or CryptographicException or FormatException)
        {
            throw new DcosTlsException("RenewalCertificateUnreadable", ErrorCategory.InvalidData,
                $"'{fixedPath}' cannot be read as a {description.Format} certificate ({e.Message.TrimEnd('.')}): it was edited by hand, so it is not renewed and nothing is written. Export the certificate again.", fixedPath);
        }
    }

    private static DcosCertificate ReadPkcs12(RenewalDescription description, string file, string fixedPath, SecureString? password)
    {
        if (description.PasswordProtected && password == null) throw PasswordRequired(fixedPath);
        var collection = new X509Certificate2Collection();
        byte[] data = File.ReadAllBytes(file);
        if (password == null) collection.Import(data, string.Empty, X509KeyStorageFlags.EphemeralKeySet);
        else SecureStrings.Use(password, chars => { collection.Import(data, new string(chars), X509KeyStorageFlags.EphemeralKeySet); return 0; });
        var leaf = collection.FirstOrDefault(c => c.HasPrivateKey) ?? throw new InvalidDataException("it holds no certificate with a key");
        AsymmetricAlgorithm? key = (AsymmetricAlgorithm?)leaf.GetRSAPrivateKey() ?? leaf.GetECDsaPrivateKey();
        return new DcosCertificate(leaf, collection.Where(c => !c.HasPrivateKey), key);
    }

    private static DcosTlsException PasswordRequired(string path)
        => new("RenewalPasswordRequired", ErrorCategory.InvalidArgument,
            $"'{path}' is protected by a password, and the renewal writes the new key the same way. Give it as -Password (Read-Host -AsSecureString).", path);

    /// <summary>The key in place, for -ReuseKey.</summary>
    internal static AsymmetricAlgorithm ReadKey(DescribedPlan plan, SecureString? password)
    {
        if (plan.Description.PasswordProtected && password == null) throw PasswordRequired(plan.Path);
        try
        {
            var withKey = plan.Description.Format == nameof(CertificateExportFormat.Pkcs12)
                ? ReadPkcs12(plan.Description, plan.CertificateFile, plan.Path, password)
                : CertificateFileReader.Read(plan.CertificateFile, plan.KeyFile, plan.Description.PasswordProtected ? password : null)[0];
            return withKey.PrivateKey ?? throw new InvalidDataException("no key belongs to the certificate");
        }
        catch (Exception e) when (e is InvalidDataException or CryptographicException or FormatException)
        {
            throw new DcosTlsException("RenewalKeyUnreadable", ErrorCategory.InvalidData,
                $"The key of '{plan.Path}' cannot be read for -ReuseKey ({e.Message.TrimEnd('.')}); nothing is written. Check -Password, or renew without -ReuseKey to make a new key.", plan.Path);
        }
    }

    /// <summary>What the description asks of the new certificate: the names and key of the one in place, its usage.</summary>
    internal static (CertificateSpec Spec, CertificateUsage Usage) SpecOf(DescribedPlan plan)
    {
        var fallback = Enum.TryParse<CertificateUsage>(plan.Description.Issuer.Usage, out var asked) ? asked : CertificateUsage.Server;
        return CertificateRenewer.SpecOf(plan.Current, plan.Path, fallback);
    }

    /// <summary>
    /// Switches the files of the plan to <paramref name="issued"/> (with its key) in one step, the
    /// description rewritten with its thumbprint; the old files are kept when anything before fails.
    /// </summary>
    internal static DescribedRenewalResult Install(StagedFileWriter writer, DescribedPlan plan, DcosCertificate issued, ICertificateIssuer issuer, SecureString? password)
    {
        CertificateRenewer.CheckUsages(plan.Current, issued, issuer);
        var description = plan.Description;
        if (description.PasswordProtected && password == null) throw PasswordRequired(plan.Path);
        var format = Enum.Parse<CertificateExportFormat>(description.Format);
        string folder = writer.Map(plan.Slot.Folder);
        var planned = CertificateFiles.Plan(issued, format, System.IO.Path.Combine(folder, description.CertificateName), withKey: true,
            description.PasswordProtected ? password : null, description.KeyName);
        var renewed = RenewalDescription.For(issued, description.Issuer, format, description.PasswordProtected,
            planned.Select(f => (f.Role, System.IO.Path.GetFileName(f.Path))));
        var files = planned.Select(f => new SlotFile(System.IO.Path.GetFileName(f.Path), f.Content, f.Mode)).ToList();
        files.Add(new SlotFile(System.IO.Path.GetFileName(plan.DescriptionPath), renewed.ToBytes(), StagedFileWriter.PublicFile));
        string version;
        using (AgentFileLock.Acquire(writer))
            version = plan.Slot.Install(files, issued.Thumbprint, plan.Current.Thumbprint);
        return new DescribedRenewalResult(plan, issued, files.Select(f => System.IO.Path.Combine(folder, f.Name)).ToArray(), version);
    }
}
