using DcosTls.Common;
using DcosTls.Files;

namespace DcosTls.Trust;

/// <summary>
/// One trust store on an agent. Install/Uninstall write only through the StagedFileWriter (so -Root
/// and -WhatIf hold); List and Anchors only read. Certificates are recognised by their bytes
/// (fingerprint), never by file name.
/// </summary>
internal abstract class TrustStore
{
    protected TrustStore(StagedFileWriter writer, Action<string> warn)
    {
        Writer = writer;
        Warn = warn;
    }

    protected StagedFileWriter Writer { get; }
    protected Action<string> Warn { get; }

    internal abstract TrustTarget Target { get; }

    /// <summary>True when the store has one folder per registry (certs.d).</summary>
    internal virtual bool IsPerRegistry => false;

    /// <summary>Checks that the store can be written, before anything is written anywhere.</summary>
    internal virtual void Prepare() { }

    internal abstract IEnumerable<RegistryTrustResult> Install(RegistryName? registry, TrustCertificate certificate);

    /// <summary>
    /// Removes the certificate for the given registries; null = for every registry. A per-registry
    /// store cleans those registries' folders; a shared store (Mesos) keeps the certificate while a
    /// registry that is not leaving still trusts it.
    /// </summary>
    internal abstract IEnumerable<RegistryTrustResult> Uninstall(IReadOnlyCollection<RegistryName>? registries, TrustCertificate certificate);

    /// <summary>What is installed; registry null = every registry.</summary>
    internal abstract IEnumerable<InstalledRegistryTrust> List(RegistryName? registry);

    /// <summary>The certificates a client of this store would trust for the registry.</summary>
    internal abstract IReadOnlyList<X509Certificate2> Anchors(RegistryName registry);

    /// <summary>Runs after Install/Uninstall changed something (the System store's update command).</summary>
    internal virtual void AfterChange(Func<string, string, bool> shouldProcess, Action<string> verbose) { }

    protected RegistryTrustResult Result(RegistryName? registry, string fullPath, FileAction action, TrustCertificate certificate)
        => new()
        {
            Target = Target.ToString(),
            Registry = IsPerRegistry ? registry?.Value : null,
            Path = fullPath,
            AgentPath = Writer.AgentPathOf(fullPath),
            Action = action,
            SubjectHash = certificate.SubjectHash,
            Thumbprint = certificate.Thumbprint,
            Sha256Fingerprint = certificate.Sha256Fingerprint,
        };

    protected static InstalledRegistryTrust Describe(TrustTarget target, string? registry, string path, X509Certificate2 certificate)
    {
        var described = new TrustCertificate(certificate);
        var row = new InstalledRegistryTrust
        {
            Target = target.ToString(),
            Registry = registry,
            Path = path,
            Subject = certificate.Subject,
            CommonName = described.CommonName,
            NotAfter = certificate.NotAfter.ToUniversalTime(),
            SubjectHash = described.SubjectHash,
            Thumbprint = described.Thumbprint,
            Sha256Fingerprint = described.Sha256Fingerprint,
            CertificatePem = described.Pem,
        };
        if (certificate.NotAfter.ToUniversalTime() < DateTime.UtcNow) row.Health = "Expired";
        return row;
    }

    /// <summary>A name for the certificate's file in a folder: its stem, or stem-2, -3... when another file has the name.</summary>
    protected string FreeFileName(string fullDirectory, TrustCertificate certificate, string extension)
    {
        for (int n = 1; ; n++)
        {
            string name = certificate.FileStem + (n == 1 ? "" : "-" + n) + extension;
            string full = Path.Combine(fullDirectory, name);
            if (StagedFileWriter.Entry(full) == null) return name;
            if (HoldsOnly(full, certificate)) return name;
        }
    }

    /// <summary>The file holds exactly this certificate (and nothing else that would be lost by deleting it).</summary>
    protected bool HoldsOnly(string fullPath, TrustCertificate certificate)
    {
        var certs = CertificateInput.ReadInstalled(fullPath, Writer.Paths);
        return certs.Count == 1 && certificate.IsSame(certs[0]);
    }

    protected bool Holds(string fullPath, TrustCertificate certificate)
        => CertificateInput.ReadInstalled(fullPath, Writer.Paths).Any(certificate.IsSame);
}
