using DcosTls.Common;
using DcosTls.Files;

namespace DcosTls.Trust;

/// <summary>One CA certificate to trust (or no longer trust) for one registry in one store.</summary>
internal sealed record TrustRequest(RegistryName? Registry, TrustCertificate Certificate, TrustTarget Target);

/// <summary>
/// Installs and uninstalls registry CAs across the stores the requests name. Check() looks at every
/// input and store first and throws before the first write; Install/Uninstall then only write.
/// Each file is visited once per command, however many requests lead to it: a shared store (Mesos,
/// System) once per certificate, a certs.d folder once per registry and certificate, so -Confirm
/// asks about a file once and -WhatIf names it once.
/// </summary>
internal sealed class RegistryTrustInstaller
{
    private readonly StagedFileWriter _writer;
    private readonly List<TrustStore> _stores;
    private readonly Action<string> _warn;
    private readonly Action<string> _verbose;
    private readonly Func<string, string, bool> _shouldProcess;

    internal RegistryTrustInstaller(StagedFileWriter writer, IReadOnlyList<TrustRequest> requests, Action<string> warn,
        Action<string> verbose, Func<string, string, bool> shouldProcess)
    {
        _writer = writer;
        _warn = warn;
        _verbose = verbose;
        _shouldProcess = shouldProcess;
        _stores = requests.Select(r => r.Target).Distinct().Select(t => TrustStores.Create(t, writer, warn)).ToList();
    }

    private TrustStore StoreFor(TrustRequest request) => _stores.First(s => s.Target == request.Target);

    /// <summary>Everything that can be refused is refused here, before any file is touched.</summary>
    /// <param name="registryRequired">Install needs a registry for certs.d; Uninstall without one cleans every registry folder.</param>
    internal void Check(IReadOnlyList<TrustRequest> requests, string? legacyBundlePath, bool registryRequired = true)
    {
        if (requests.Count == 0)
            throw new RegistryTrustException("CertificateRequired", ErrorCategory.InvalidArgument,
                "No certificate was given. Pipe the CA (Get-DcosCaCertificate, Import-DcosCertificate, New-TlsCertificateAuthority) or use -Path.");
        foreach (var store in _stores)
        {
            store.Prepare();
            if (registryRequired && store.IsPerRegistry && requests.Any(r => r.Target == store.Target && r.Registry == null))
                throw new RegistryTrustException("RegistryRequired", ErrorCategory.InvalidArgument,
                    $"The {store.Target} target keeps one folder per registry: give -Registry host[:port] as written in image references.");
        }
        if (legacyBundlePath != null && !File.Exists(_writer.Map(legacyBundlePath)))
            throw new RegistryTrustException("LegacyBundleNotFound", ErrorCategory.ObjectNotFound,
                $"The bundle '{_writer.Map(legacyBundlePath)}' does not exist. Give the agent path of the existing cacert.pem (it is appended to, never created).",
                legacyBundlePath);
        var shadow = new ContainersCertsStore(_writer, _warn);
        var withContainers = requests.Where(r => r.Target == TrustTarget.Containers).Select(r => r.Registry?.Value).ToHashSet();
        foreach (var registry in requests.Where(r => r.Target == TrustTarget.Docker && !withContainers.Contains(r.Registry?.Value))
            .Select(r => r.Registry).OfType<RegistryName>().DistinctBy(r => r.Value))
        {
            string dir = _writer.Map(shadow.RegistryDirectory(registry));
            if (Directory.Exists(dir)) _shadowed.Add((registry.Value, dir));
        }
    }

    /// <summary>containers certs.d folders that shadow a Docker one this run installs into (found by Check).</summary>
    private readonly List<(string Registry, string Directory)> _shadowed = new();

    /// <summary>
    /// Warns about a containers certs.d folder only when the Docker folder it shadows changed (or
    /// would, under -WhatIf): a run that finds the CA already in place has nothing new to say.
    /// </summary>
    private void WarnAboutShadowedFolders(IReadOnlyList<RegistryTrustResult> results)
    {
        foreach (var (registry, dir) in _shadowed)
        {
            bool changed = results.Any(r => r.Target == nameof(TrustTarget.Docker) && r.Registry == registry
                && (r.Action is FileAction.Created or FileAction.Updated || (r.Action == FileAction.Skipped && _writer.DryRun)));
            if (changed)
                _warn($"'{dir}' exists: podman and skopeo use it instead of /etc/docker/certs.d/{registry}. Add -Target Containers to install the CA there too.");
        }
    }

    /// <summary>
    /// Held while a change runs: another run on the same root (here or in another process) waits, so it
    /// never picks the same free file name or hash-link index.
    /// </summary>
    private AgentFileLock LockStores() => AgentFileLock.Acquire(_writer);

    /// <summary>
    /// Installs as one change across the stores: a failed write rolls back every file and link
    /// written before it (AgentChangeException naming them), so Docker and Mesos never disagree.
    /// </summary>
    internal List<RegistryTrustResult> Install(IReadOnlyList<TrustRequest> requests, string? legacyBundlePath)
    {
        var results = AsOneChange(() => InstallSteps(requests, legacyBundlePath));
        WarnAboutShadowedFolders(results);
        return results;
    }

    internal List<RegistryTrustResult> Uninstall(IReadOnlyList<TrustRequest> requests)
        => AsOneChange(() => UninstallSteps(requests));

    private List<RegistryTrustResult> AsOneChange(Func<IEnumerable<RegistryTrustResult>> steps)
    {
        using var held = LockStores();
        List<RegistryTrustResult> results;
        using (var change = _writer.BeginChange())
        {
            try
            {
                results = steps().ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not AgentChangeException and not AgentFileLockException)
            {
                throw change.Fail(e);
            }
        }
        // Rebuilding the OS bundle is not a file change to undo: it reads what is now in place.
        foreach (var store in _stores) store.AfterChange(_shouldProcess, _verbose);
        return results;
    }

    private IEnumerable<RegistryTrustResult> InstallSteps(IReadOnlyList<TrustRequest> requests, string? legacyBundlePath)
    {
        var done = new HashSet<(TrustTarget, string?, string)>();
        foreach (var request in requests)
        {
            var store = StoreFor(request);
            var registry = store.IsPerRegistry ? request.Registry : null;
            if (!done.Add((store.Target, registry?.Value, request.Certificate.Thumbprint))) continue;
            foreach (var result in store.Install(request.Registry, request.Certificate)) yield return result;
        }
        if (legacyBundlePath != null)
        {
            foreach (var request in requests.DistinctBy(r => r.Certificate.Thumbprint))
                yield return AppendToBundle(legacyBundlePath, request);
        }
    }

    /// <summary>
    /// Per store and certificate, one call with every registry the requests name (null when a request
    /// names none: every registry), in the order the requests came.
    /// </summary>
    private IEnumerable<RegistryTrustResult> UninstallSteps(IReadOnlyList<TrustRequest> requests)
    {
        var groups = requests.GroupBy(r => (r.Target, r.Certificate.Thumbprint));
        foreach (var group in groups)
        {
            var store = StoreFor(group.First());
            IReadOnlyCollection<RegistryName>? registries = group.Any(r => r.Registry == null)
                ? null
                : group.Select(r => r.Registry!).DistinctBy(r => r.Value).ToList();
            foreach (var result in store.Uninstall(registries, group.First().Certificate)) yield return result;
        }
    }

    /// <summary>DC/OS 1.8's Python requests bundle: the CA appended once to a PEM bundle, after a backup.</summary>
    private RegistryTrustResult AppendToBundle(string agentPath, TrustRequest request)
    {
        var certificate = request.Certificate;
        string full = _writer.Map(agentPath);
        RegistryTrustResult Make(FileAction action)
            => new()
            {
                Target = "LegacyBundle",
                Path = full,
                AgentPath = agentPath,
                Action = action,
                SubjectHash = certificate.SubjectHash,
                Thumbprint = certificate.Thumbprint,
                Sha256Fingerprint = certificate.Sha256Fingerprint,
            };
        if (CertificateInput.ReadInstalled(full).Any(certificate.IsSame)) return Make(FileAction.Unchanged);
        string text = File.ReadAllText(full);
        string separator = text.Length > 0 && !text.EndsWith('\n') ? "\n" : string.Empty;
        var mode = OperatingSystem.IsWindows() ? StagedFileWriter.PublicFile : File.GetUnixFileMode(full);
        var action = _writer.WriteText(agentPath, text + separator + certificate.Pem, mode, overwrite: true, backup: true);
        if (action == FileAction.Updated) _verbose($"Backed up '{full}' to '{StagedFileWriter.BackupPathOf(full)}' before appending.");
        return Make(action);
    }
}
