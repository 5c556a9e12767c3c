using System.Management.Automation;
using DcosTls.Common;
using DcosTls.Files;

namespace DcosTls.Trust;

/// <summary>One registry and the CA certificates to trust for it.</summary>
internal sealed record TrustRequest(RegistryName? Registry, TrustCertificate Certificate);

/// <summary>
/// Installs and uninstalls registry CAs across the chosen stores. Check() looks at every input
/// and store first and throws before the first write; Install/Uninstall then only write.
/// </summary>
internal sealed class RegistryTrustInstaller
{
    private readonly StagedFileWriter _writer;
    private readonly List<TrustStore> _stores;
    private readonly Action<string> _warn;
    private readonly Action<string> _verbose;
    private readonly Func<string, string, bool> _shouldProcess;

    internal RegistryTrustInstaller(StagedFileWriter writer, IEnumerable<TrustTarget> targets, Action<string> warn,
        Action<string> verbose, Func<string, string, bool> shouldProcess)
    {
        _writer = writer;
        _warn = warn;
        _verbose = verbose;
        _shouldProcess = shouldProcess;
        _stores = targets.Distinct().Select(t => TrustStores.Create(t, writer, warn)).ToList();
    }

    /// <summary>Everything that can be refused is refused here, before any file is touched.</summary>
    /// <param name="registryRequired">Install needs a registry for certs.d; Uninstall without one cleans every registry folder.</param>
    internal void Check(IReadOnlyList<TrustRequest> requests, string? legacyBundlePath, bool registryRequired = true)
    {
        if (requests.Count == 0)
            throw new RegistryTrustException("CertificateRequired", ErrorCategory.InvalidArgument,
                "No certificate was given. Pipe the CA (Get-DcosCaCertificate, Import-DcosCertificate, New-TlsCertificateAuthority) or use -Path.");
        foreach (var store in _stores)
        {
            try { store.Prepare(); }
            catch (InvalidOperationException e) { throw new RegistryTrustException("TrustStoreUnavailable", ErrorCategory.NotImplemented, e.Message, store.Target); }
            if (registryRequired && store.IsPerRegistry && requests.Any(r => r.Registry == null))
                throw new RegistryTrustException("RegistryRequired", ErrorCategory.InvalidArgument,
                    $"The {store.Target} target keeps one folder per registry: give -Registry host[:port] as written in image references.");
        }
        if (legacyBundlePath != null && !File.Exists(_writer.Map(legacyBundlePath)))
            throw new RegistryTrustException("LegacyBundleNotFound", ErrorCategory.ObjectNotFound,
                $"The bundle '{_writer.Map(legacyBundlePath)}' does not exist. Give the agent path of the existing cacert.pem (it is appended to, never created).",
                legacyBundlePath);
        bool docker = _stores.Any(s => s.Target == TrustTarget.Docker);
        bool containers = _stores.Any(s => s.Target == TrustTarget.Containers);
        if (docker && !containers)
        {
            var shadow = new ContainersCertsStore(_writer, _warn);
            foreach (var registry in requests.Select(r => r.Registry).OfType<RegistryName>().DistinctBy(r => r.Value))
            {
                string dir = _writer.Map(shadow.RegistryDirectory(registry));
                if (Directory.Exists(dir))
                    _warn($"'{dir}' exists: podman and skopeo use it instead of /etc/docker/certs.d/{registry.Value}. Add -Target Containers to install the CA there too.");
            }
        }
    }

    internal IEnumerable<RegistryTrustResult> Install(IReadOnlyList<TrustRequest> requests, string? legacyBundlePath)
    {
        foreach (var request in requests)
        {
            foreach (var store in _stores)
            {
                foreach (var result in store.Install(request.Registry, request.Certificate)) yield return result;
            }
        }
        if (legacyBundlePath != null)
        {
            foreach (var request in requests.DistinctBy(r => r.Certificate.Thumbprint))
                yield return AppendToBundle(legacyBundlePath, request);
        }
        foreach (var store in _stores) store.AfterChange(_shouldProcess, _verbose);
    }

    internal IEnumerable<RegistryTrustResult> Uninstall(IReadOnlyList<TrustRequest> requests)
    {
        foreach (var request in requests)
        {
            foreach (var store in _stores)
            {
                foreach (var result in store.Uninstall(request.Registry, request.Certificate)) yield return result;
            }
        }
        foreach (var store in _stores) store.AfterChange(_shouldProcess, _verbose);
    }

    /// <summary>DC/OS 1.8's Python requests bundle: the CA appended once to a PEM bundle, after a backup.</summary>
    private RegistryTrustResult AppendToBundle(string agentPath, TrustRequest request)
    {
        var certificate = request.Certificate;
        string full = _writer.Map(agentPath);
        RegistryTrustResult Make(FileAction action)
            => new("LegacyBundle", null, full, action, certificate.SubjectHash, certificate.Thumbprint);
        if (CertificateInput.ReadInstalled(full).Any(certificate.IsSame)) return Make(FileAction.Unchanged);
        string text = File.ReadAllText(full);
        string separator = text.Length > 0 && !text.EndsWith('\n') ? "\n" : string.Empty;
        var mode = OperatingSystem.IsWindows() ? StagedFileWriter.PublicFile : File.GetUnixFileMode(full);
        var action = _writer.WriteText(agentPath, text + separator + certificate.Pem, mode, overwrite: true, backup: true);
        if (action == FileAction.Updated) _verbose($"Backed up '{full}' to '{StagedFileWriter.BackupPathOf(full)}' before appending.");
        return Make(action);
    }
}
