using DcosTls.Common;
using DcosTls.Files;

namespace DcosTls.Trust;

/// <summary>
/// The operating system's trust anchors, chosen from the root's /etc/os-release (ID first, then each
/// ID_LIKE token): Debian family and Alpine (/usr/local/share/ca-certificates/*.crt, then
/// update-ca-certificates), RHEL family (/etc/pki/ca-trust/source/anchors, then update-ca-trust
/// extract), CoreOS Container Linux and Flatcar (/etc/ssl/certs/*.pem, then update-ca-certificates),
/// SUSE (/etc/pki/trust/anchors, then update-ca-certificates) and Arch
/// (/etc/ca-certificates/trust-source/anchors, then update-ca-trust). Several of them have an
/// update-ca-certificates that reads different folders: the family decides, never the binary. The
/// update command runs only on the real root: under a staging root there is no system to update.
/// </summary>
internal sealed class SystemTrustStore : TrustStore
{
    private static readonly Flavour Debian = new("Debian", "/usr/local/share/ca-certificates", ".crt", "update-ca-certificates", Array.Empty<string>());
    private static readonly Flavour Rhel = new("RHEL", "/etc/pki/ca-trust/source/anchors", ".pem", "update-ca-trust", new[] { "extract" });
    // /etc/ssl/certs also holds the links to the shipped CAs and the bundle the command builds: only
    // the folder's own files are anchors, and the bundle is not one. A new file name (never an
    // overwrite) changes the folder's time, which is what makes the command rebuild the bundle.
    private static readonly Flavour CoreOs = new("CoreOS", "/etc/ssl/certs", ".pem", "update-ca-certificates", Array.Empty<string>(), TopLevelOnly: true, NotAnchors: new[] { "ca-certificates.crt" });
    private static readonly Flavour Suse = new("SUSE", "/etc/pki/trust/anchors", ".pem", "update-ca-certificates", Array.Empty<string>());
    private static readonly Flavour Alpine = new("Alpine", "/usr/local/share/ca-certificates", ".crt", "update-ca-certificates", Array.Empty<string>());
    private static readonly Flavour Arch = new("Arch", "/etc/ca-certificates/trust-source/anchors", ".pem", "update-ca-trust", Array.Empty<string>());

    /// <summary>os-release ID (or ID_LIKE token) to the family whose trust store it has.</summary>
    private static readonly Dictionary<string, Flavour> Families = new(StringComparer.Ordinal)
    {
        ["debian"] = Debian, ["ubuntu"] = Debian, ["raspbian"] = Debian, ["linuxmint"] = Debian,
        ["rhel"] = Rhel, ["centos"] = Rhel, ["fedora"] = Rhel, ["rocky"] = Rhel, ["almalinux"] = Rhel, ["ol"] = Rhel, ["amzn"] = Rhel, ["scientific"] = Rhel,
        ["coreos"] = CoreOs, ["flatcar"] = CoreOs,
        ["suse"] = Suse, ["opensuse"] = Suse, ["opensuse-leap"] = Suse, ["opensuse-tumbleweed"] = Suse, ["sles"] = Suse, ["sled"] = Suse,
        ["alpine"] = Alpine,
        ["arch"] = Arch,
    };

    private Flavour? _flavour;
    private bool _changed;

    /// <summary>Under -WhatIf: an anchor would have been written or removed, so the update command would run.</summary>
    private bool _wouldChange;

    internal SystemTrustStore(StagedFileWriter writer, Action<string> warn) : base(writer, warn) { }

    internal override TrustTarget Target => TrustTarget.System;

    private sealed record Flavour(string Name, string AnchorDirectory, string Extension, string Command, string[] Arguments,
        bool TopLevelOnly = false, string[]? NotAnchors = null);

    /// <summary>Reads os-release; throws with what to do when the family cannot be told.</summary>
    internal override void Prepare() => _flavour ??= Detect();

    /// <summary>True when os-release names a family we know (Get lists System only then, unless asked).</summary>
    internal bool IsDetectable()
    {
        try { Prepare(); return true; }
        catch (RegistryTrustException) { return false; }
    }

    private Flavour Detect()
    {
        string osRelease = Writer.Map("/etc/os-release");
        if (!File.Exists(osRelease)) osRelease = Writer.Map("/usr/lib/os-release");
        if (!File.Exists(osRelease))
            throw new RegistryTrustException("TrustStoreUnavailable", ErrorCategory.ObjectNotFound,
                $"Cannot tell the operating system: '{Writer.Map("/etc/os-release")}' does not exist. " +
                "Give a -Root that holds etc/os-release, or leave System out of -Target.", Writer.Map("/etc/os-release"));
        var values = File.ReadAllLines(osRelease)
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2)
            .GroupBy(p => p[0].Trim()).ToDictionary(g => g.Key, g => g.Last()[1].Trim().Trim('"', '\''));
        // ID first, then each ID_LIKE token in order: Flatcar is ID=flatcar ID_LIKE=coreos.
        var ids = new[] { "ID", "ID_LIKE" }.Where(values.ContainsKey)
            .SelectMany(k => values[k].ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        foreach (string id in ids)
            if (Families.TryGetValue(id, out var flavour)) return flavour;
        throw new RegistryTrustException("TrustStoreUnavailable", ErrorCategory.NotImplemented,
            $"'{osRelease}' names '{ServerText.Quote(string.Join(" ", ids))}', which is none of the families with a known trust store " +
            "(Debian, RHEL, CoreOS/Flatcar, SUSE, Alpine, Arch). " +
            "Leave System out of -Target and install the CA with the distribution's own tool.", Target);
    }

    private Flavour Current => _flavour ?? (_flavour = Detect());

    internal override IEnumerable<RegistryTrustResult> Install(RegistryName? registry, TrustCertificate certificate)
    {
        var flavour = Current;
        string fullDir = Writer.Map(flavour.AnchorDirectory);
        foreach (string existing in AnchorFiles(fullDir))
        {
            if (Holds(existing, certificate))
            {
                yield return Result(registry, existing, FileAction.Unchanged, certificate);
                yield break;
            }
        }
        string name = FreeFileName(fullDir, certificate, flavour.Extension);
        var action = Writer.WriteText(flavour.AnchorDirectory + "/" + name, certificate.Pem, StagedFileWriter.PublicFile, overwrite: false,
            directoryMode: StagedFileWriter.PublicDirectory);
        _changed |= action == FileAction.Created;
        // Skipped under -WhatIf is a file that would be created; an existing one is never overwritten here.
        _wouldChange |= action == FileAction.Skipped && Writer.DryRun && !File.Exists(Path.Combine(fullDir, name));
        yield return Result(registry, Path.Combine(fullDir, name), action, certificate);
    }

    internal override IEnumerable<RegistryTrustResult> Uninstall(IReadOnlyCollection<RegistryName>? registries, TrustCertificate certificate)
    {
        var flavour = Current;
        string fullDir = Writer.Map(flavour.AnchorDirectory);
        foreach (string existing in AnchorFiles(fullDir).Where(f => HoldsOnly(f, certificate)).ToList())
        {
            var action = Writer.Delete(flavour.AnchorDirectory + "/" + Path.GetFileName(existing));
            _changed |= action == FileAction.Removed;
            _wouldChange |= action == FileAction.Skipped && Writer.DryRun;
            yield return Result(null, existing, action, certificate);
        }
    }

    internal override IEnumerable<InstalledRegistryTrust> List(RegistryName? registry)
    {
        string fullDir = Writer.Map(Current.AnchorDirectory);
        foreach (string file in AnchorFiles(fullDir))
        {
            var read = CertificateInput.ReadInstalledFile(file, Writer.Paths);
            if (read.Certificates.Count == 0)
            {
                yield return new InstalledRegistryTrust { Target = Target.ToString(), Path = file, Health = read.Health ?? "NotPem", ReadError = read.Refused };
                continue;
            }
            foreach (var cert in read.Certificates) yield return Describe(Target, null, file, cert);
        }
    }

    internal override IReadOnlyList<X509Certificate2> Anchors(RegistryName registry)
        => AnchorFiles(Writer.Map(Current.AnchorDirectory)).SelectMany(f => CertificateInput.ReadInstalled(f, Writer.Paths)).ToList();

    /// <summary>
    /// Runs the family's update command after an anchor changed. Under -WhatIf an anchor that would
    /// change names the command too (ShouldProcess prints it), so a dry run shows the whole change.
    /// </summary>
    internal override void AfterChange(Func<string, string, bool> shouldProcess, Action<string> verbose)
    {
        if (!_changed && !_wouldChange) return;
        var flavour = Current;
        string commandLine = string.Join(' ', new[] { flavour.Command }.Concat(flavour.Arguments));
        if (Writer.Root != "/")
        {
            verbose($"Not running '{commandLine}': -Root '{Writer.Root}' is a staging root. Run it on the agent after copying the files.");
            return;
        }
        if (!shouldProcess(commandLine, "Rebuild the system trust bundle")) return;
        var result = ProcessRunner.Run(ResolveCommand(flavour.Command), flavour.Arguments.ToArray());
        verbose($"{commandLine}: {(result.Output + result.Error).Trim()}");
        if (!result.Succeeded)
            throw new DcosTlsException("TrustCommandFailed", System.Management.Automation.ErrorCategory.InvalidResult,
                $"{result.Describe()}. The anchor file is in place; run '{commandLine}' by hand.");
    }

    /// <summary>The update commands live in /usr/sbin, which is not on every PATH.</summary>
    private static string ResolveCommand(string command)
    {
        foreach (string dir in new[] { "/usr/sbin", "/usr/bin", "/sbin", "/bin" })
        {
            string candidate = Path.Combine(dir, command);
            if (File.Exists(candidate)) return candidate;
        }
        return command;
    }

    /// <summary>
    /// Entries named *.crt or *.pem in the folder and its sub-folders (followed like
    /// update-ca-certificates does), in path order. Folders and special files with such a name are
    /// listed for the reader to refuse, and so is a linked sub-folder that leads out of the root,
    /// instead of being walked into.
    /// </summary>
    private IEnumerable<string> AnchorFiles(string fullDir)
        => AnchorEntries(fullDir, depth: 0)
            .Where(f => Current.NotAnchors == null || !(Path.GetDirectoryName(f) == fullDir.TrimEnd('/') && Current.NotAnchors.Contains(Path.GetFileName(f))))
            .OrderBy(f => f, StringComparer.Ordinal).ToList();

    private IEnumerable<string> AnchorEntries(string fullDir, int depth)
    {
        if (!Directory.Exists(fullDir)) yield break;
        foreach (var entry in new DirectoryInfo(fullDir).EnumerateFileSystemInfos())
        {
            bool named = entry.Name.EndsWith(".crt", StringComparison.Ordinal) || entry.Name.EndsWith(".pem", StringComparison.Ordinal);
            if (named || (entry.LinkTarget != null && Directory.Exists(entry.FullName) && Writer.Paths.LeavesRoot(entry.FullName)))
            {
                yield return entry.FullName;
                continue;
            }
            // Links inside the root can loop; the depth bounds the walk.
            if (Directory.Exists(entry.FullName) && depth < 8 && !Current.TopLevelOnly)
                foreach (string nested in AnchorEntries(entry.FullName, depth + 1)) yield return nested;
        }
    }
}
