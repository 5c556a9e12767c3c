using DcosTls.Certificates;
using DcosTls.Common;
using DcosTls.Files;

namespace DcosTls.Lifecycle;

/// <summary>The pair in a slot and whether it is due for renewal, read before anything is issued.</summary>
internal sealed class RenewalPlan
{
    internal required KeyPairSlot Slot { get; init; }
    internal required string Role { get; init; }
    internal required DcosCertificate Current { get; init; }
    internal required bool Due { get; init; }

    /// <summary>The mapped path of the certificate's fixed name.</summary>
    internal required string Path { get; init; }

    /// <summary>The rule that decided (Days for -RenewWithin, TwoThirds when the certificate is shorter than the default window, Force).</summary>
    internal required RenewalDecision Decision { get; init; }

    /// <summary>-RenewWithin was given as long as the certificate's lifetime: each renewal is due again at once.</summary>
    internal bool WindowExceedsLifetime { get; init; }
}

/// <summary>
/// Re-issues the pair in a <see cref="KeyPairSlot"/>: same subject, names, key type and size and usages,
/// from the issuer given, checked before anything is issued (due? the same CA?) and installed by the
/// slot's one atomic switch. Anything that fails before the switch (a CA that refuses, an answer that
/// lost a name or a usage) leaves the old pair in place.
/// </summary>
internal static class CertificateRenewer
{
    /// <summary>
    /// Reads the pair the fixed names give now, both files from the one folder "current" names
    /// (<see cref="KeyPairSlot.ReadPaths"/>); refuses a missing or mismatched pair.
    /// </summary>
    /// <param name="windowGiven">-RenewWithin was given: a window as long as the lifetime is then kept as
    /// asked (<see cref="RenewalPlan.WindowExceedsLifetime"/> says so); the default window gives way to the
    /// two-thirds rule, so a short certificate is not renewed again on every run.</param>
    internal static RenewalPlan Plan(StagedFileWriter writer, KeyPairSlot slot, string role, int renewWithin, bool force, bool windowGiven = true)
    {
        var (certificateAgentPath, keyAgentPath) = slot.ReadPaths();
        string certPath, keyPath;
        try
        {
            certPath = writer.MapForRead(certificateAgentPath);
            keyPath = writer.MapForRead(keyAgentPath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // A link on the way that leads nowhere (a dangling "current"): there is no pair.
            throw Missing(writer.Map(slot.CertificatePath), e.Message);
        }
        if (!File.Exists(certPath) || !File.Exists(keyPath))
            throw Missing(File.Exists(certPath) ? keyPath : certPath, null);
        string fixedPath = writer.Map(slot.CertificatePath);
        DcosCertificate current;
        try
        {
            current = CertificateFileReader.Read(certPath, keyPath, null)[0];
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // The folder was removed since (two installs after it): nothing is left to renew from it.
            throw Missing(certPath, e.Message);
        }
        catch (Exception e) when (e is InvalidDataException or System.Security.Cryptography.CryptographicException)
        {
            throw new RenewalException("RenewalCertificateUnreadable", ErrorCategory.InvalidData,
                $"The pair '{certPath}' and '{keyPath}' cannot be renewed: {e.Message.TrimEnd('.')}. Put a matching pair in place with Set-DockerDaemonTls or Install-DockerClientCertificate first.");
        }
        if (!current.HasPrivateKey)
            throw new RenewalException("RenewalCertificateUnreadable", ErrorCategory.InvalidData,
                $"'{keyPath}' holds no key for '{certPath}'. Put a matching pair in place with Set-DockerDaemonTls or Install-DockerClientCertificate first.");
        RenewBefore? window = new RenewBefore(renewWithin, null);
        bool exceeds = RenewalRule.WindowExceedsLifetime(current.NotBefore, current.NotAfter, window);
        if (!force && exceeds && !windowGiven) window = null;
        var decision = RenewalRule.Decide(current.NotBefore, current.NotAfter, DateTime.UtcNow, window,
            RenewalRule.JitterFraction(current.Thumbprint, Environment.MachineName), force);
        return new RenewalPlan { Slot = slot, Role = role, Current = current, Due = decision.Due, Path = fixedPath, Decision = decision, WindowExceedsLifetime = exceeds && windowGiven };
    }

    private static RenewalException Missing(string missing, string? why)
        => new("RenewalCertificateMissing", ErrorCategory.ObjectNotFound,
            $"'{missing}' does not exist{(why == null ? "" : $" ({why.TrimEnd('.')})")}, so there is nothing to renew. Install the pair first (Set-DockerDaemonTls or Install-DockerClientCertificate), or check -TlsDirectory / -Path.");

    /// <summary>
    /// Refuses a CA that did not sign the certificate in place: clients trust that CA, and a certificate
    /// from another would be refused by every one of them. A change of CA is its own choice
    /// (-ChangeIssuer, <see cref="AnchorToAdd"/>), never a side effect of renewing now (-Force).
    /// </summary>
    internal static void CheckIssuer(RenewalPlan plan, X509Certificate2? issuerCa, string issuerDescription)
    {
        if (SignedBy(plan, issuerCa, issuerDescription, "Give the CA that signed it as -Issuer")) return;
        throw new RenewalException("RenewalIssuerMismatch", ErrorCategory.InvalidArgument,
            $"'{plan.Path}' was issued by '{plan.Current.Issuer}', not by the {issuerDescription} ('{issuerCa!.Subject}', thumbprint {issuerCa.Thumbprint}). " +
            $"A certificate from another CA would be refused by everyone who trusts the current one. Give the CA that signed it, or add -ChangeIssuer to switch CAs: the new CA is then added to {CaBundleAnchor.FileName} beside the old one, and the peers need it too.");
    }

    /// <summary>
    /// With -ChangeIssuer: the CA to add to the bundle beside the pair, or null when the issuer is the
    /// CA in place (nothing changes but the pair).
    /// </summary>
    internal static X509Certificate2? AnchorToAdd(RenewalPlan plan, X509Certificate2? issuerCa, string issuerDescription)
        => SignedBy(plan, issuerCa, issuerDescription, $"Without it the new CA cannot be added to {CaBundleAnchor.FileName}; give the CA as -Issuer") ? null : issuerCa;

    private static bool SignedBy(RenewalPlan plan, X509Certificate2? issuerCa, string issuerDescription, string whatToDo)
    {
        if (issuerCa == null)
            throw new RenewalException("RenewalIssuerUnknown", ErrorCategory.InvalidData,
                $"The {issuerDescription} did not say which CA it signs with, so it cannot be checked against '{plan.Current.Issuer}'. {whatToDo}.");
        return AnchoredChain.IsSignedBy(plan.Current.Certificate, issuerCa);
    }

    /// <summary>What the current certificate asks for: its subject, names, key type and size.</summary>
    internal static (CertificateSpec Spec, CertificateUsage Usage) SpecOf(RenewalPlan plan, CertificateUsage fallback) => SpecOf(plan.Current, plan.Path, fallback);

    /// <summary>What a certificate asks for (<paramref name="path"/> names it in errors).</summary>
    internal static (CertificateSpec Spec, CertificateUsage Usage) SpecOf(DcosCertificate current, string path, CertificateUsage fallback)
    {
        string? Part(string oid) => current.Certificate.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(r => !r.HasMultipleElements && r.GetSingleElementType().Value == oid)
            .Select(r => r.GetSingleElementValue()).FirstOrDefault();
        if (!Enum.TryParse<KeyAlgorithm>(current.KeyAlgorithm, ignoreCase: true, out var algorithm))
            throw new RenewalException("RenewalKeyUnsupported", ErrorCategory.InvalidData,
                $"'{path}' has a {current.KeyAlgorithm} key; only RSA and ECDSA keys are renewed. Issue a new certificate with New-DcosCertificate and install it.");
        CertificateSpec spec;
        try
        {
            spec = CertificateSpec.Create(current.CommonName, current.DnsNames, current.IPAddresses, algorithm, current.KeySize, forAuthority: false,
                Part("2.5.4.6"), Part("2.5.4.8"), Part("2.5.4.7"), Part("2.5.4.10"), Part("2.5.4.11"));
        }
        catch (CertificateSpecException e)
        {
            throw new RenewalException("RenewalCertificateUnsupported", ErrorCategory.InvalidData,
                $"'{path}' cannot be re-issued as it is: {e.Message} Issue a new certificate with New-DcosCertificate and install it.");
        }
        bool server = current.ExtendedKeyUsages.Contains("serverAuth");
        bool client = current.ExtendedKeyUsages.Contains("clientAuth");
        var usage = server && client ? CertificateUsage.ServerAndClient : server ? CertificateUsage.Server : client ? CertificateUsage.Client : fallback;
        return (spec, usage);
    }

    /// <summary>Issues the new pair and switches to it; the old pair stays when anything before the switch fails.</summary>
    /// <param name="anchorToAdd">With -ChangeIssuer, the new CA: added to the bundle beside the pair
    /// before the pair switches, so there is no moment when the pair's CA is not in the bundle.</param>
    internal static CertificateRenewal Renew(StagedFileWriter writer, RenewalPlan plan, ICertificateIssuer issuer, CertificateUsage fallback,
        X509Certificate2? anchorToAdd = null)
    {
        var (spec, usage) = SpecOf(plan, fallback);
        var issued = issuer.Issue(spec, usage);
        CheckUsages(plan.Current, issued, issuer);
        var utf8 = new UTF8Encoding(false);
        var files = new List<SlotFile>
        {
            new(plan.Slot.CertificateName, utf8.GetBytes(issued.CertificatePem + issued.ChainPem), StagedFileWriter.PublicFile),
            new(plan.Slot.KeyName, utf8.GetBytes(PrivateKeyReader.ExportPem(issued.PrivateKey!, ReadOnlySpan<char>.Empty, encrypt: false)), StagedFileWriter.PrivateFile),
        };
        // The pair's renewal description follows it while the CA stays; after a change of CA it would
        // name the old one, so it is dropped (the slot removes its name).
        if (anchorToAdd == null && DescribedOrigin(writer, plan) is { } origin)
        {
            issued.Origin = origin.ToJson();
            files.AddRange(RenewalDescription.Companions(issued, plan.Slot.CertificateName, plan.Slot.KeyName));
        }
        string version;
        using (AgentFileLock.Acquire(writer))
        {
            if (anchorToAdd != null) CaBundleAnchor.Add(writer, CaBundleAnchor.PathOf(plan.Slot), anchorToAdd);
            version = plan.Slot.Install(files, issued.Thumbprint, plan.Current.Thumbprint);
        }
        return new CertificateRenewal(plan.Role, plan.Path, renewed: true, plan.Current, issued, version, plan.Decision.Rule);
    }

    /// <summary>Refuses a new certificate that lost an extended key usage the one in place has: its peers would refuse it.</summary>
    internal static void CheckUsages(DcosCertificate current, DcosCertificate issued, ICertificateIssuer issuer)
    {
        var lost = current.ExtendedKeyUsages.Except(issued.ExtendedKeyUsages).ToList();
        if (lost.Count > 0)
            throw new RenewalException("RenewalUsageLost", ErrorCategory.InvalidResult,
                $"The {issuer.Description} issued '{issued.CommonName}' without {string.Join(", ", lost)}, which the certificate in place has; the old files are kept. Choose a profile or CA that gives it.");
    }

    /// <summary>The origin in the description beside the pair, when there is one that describes the certificate in place.</summary>
    private static CertificateOrigin? DescribedOrigin(StagedFileWriter writer, RenewalPlan plan)
    {
        string name = RenewalDescription.PathFor(plan.Slot.CertificateName);
        string full = writer.Map(plan.Slot.ReadPaths(new[] { name })[0]);
        if (!File.Exists(full)) return null;
        try
        {
            var description = RenewalDescription.Parse(InstalledFile.Read(full, writer.Paths), full);
            return description.Certificate.Thumbprint.Equals(plan.Current.Thumbprint, StringComparison.OrdinalIgnoreCase) ? description.Issuer : null;
        }
        catch (DcosTlsException)
        {
            return null; // a description that cannot be read is not carried on
        }
    }

    /// <summary>The row for a pair that was not due.</summary>
    internal static CertificateRenewal NotDue(RenewalPlan plan) => new(plan.Role, plan.Path, renewed: false, plan.Current, null, plan.Slot.CurrentVersion, plan.Decision.Rule);
}
