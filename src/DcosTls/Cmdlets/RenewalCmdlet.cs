using DcosTls.Acme;
using DcosTls.Certificates;
using DcosTls.Common;
using DcosTls.Files;
using DcosTls.Lifecycle;
using DcosTls.Session;

namespace DcosTls.Cmdlets;

/// <summary>
/// What Update-DockerDaemonCertificate and Update-DockerClientCertificate share: the issuer (the
/// cluster through a session, a local CA object, or an ACME CA), the renewal window, -Force, -PassThru, and one
/// ShouldProcess per pair (the pair is switched in one step, so there is nothing to confirm per file).
/// </summary>
public abstract partial class RenewalCmdlet : DcosSessionCmdlet
{
    private protected const string ClusterSet = "Cluster";
    private protected const string IssuerSet = "Issuer";

    /// <summary>A local CA with its key: the one that signed the certificate in place.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = IssuerSet)]
    public DcosCertificate Issuer { get; set; } = null!;

    /// <summary>Validity of the new certificate from a local CA; by default that of the certificate in place.</summary>
    [Parameter(ParameterSetName = IssuerSet, ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 36500)]
    public int ValidDays { get; set; }

    /// <summary>The cfssl signing profile of the DC/OS CA.</summary>
    [Parameter(ParameterSetName = ClusterSet, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProfileCompleter))]
    public string? Profile { get; set; }

    /// <summary>Renew only when the certificate expires within this many days.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(0, 36500)]
    public int RenewWithin { get; set; } = 30;

    /// <summary>Renew even when not due. It never switches CAs: that is -ChangeIssuer.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>
    /// Accept an issuer that did not sign the certificate in place: the new CA is added to the ca.pem
    /// beside the pair (the old one stays) before the pair switches.
    /// </summary>
    [Parameter]
    public SwitchParameter ChangeIssuer { get; set; }

    /// <summary>Emits a CertificateRenewal row (also when the certificate was not due).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>
    /// Plans, checks and renews one slot. True when a new pair was switched in. Errors are terminating
    /// for this input: nothing was written unless the switch happened.
    /// </summary>
    private protected bool Renew(StagedFileWriter writer, KeyPairSlot slot, string role, CertificateUsage fallback)
    {
        // Errors name the file as it is found here: under a staging root, the staged path.
        _renewing = writer.Map(slot.CertificatePath);
        _issuing = null;
        var plan = CertificateRenewer.Plan(writer, slot, role, RenewWithin, Force, MyInvocation.BoundParameters.ContainsKey(nameof(RenewWithin)));
        _renewing = plan.Path;
        if (plan.WindowExceedsLifetime)
            WriteWarning($"'{plan.Path}' lives {(plan.Current.NotAfter - plan.Current.NotBefore).TotalDays:0.#} days, and -RenewWithin {RenewWithin} is as long: a certificate of the same lifetime is due again at once, so every run renews it. Give fewer days, or leave -RenewWithin out (a certificate shorter than the default window is renewed after two thirds of its lifetime).");
        if (plan.Decision.Rule == RenewalRule.TwoThirds)
            WriteVerbose($"'{plan.Path}' lives {(plan.Current.NotAfter - plan.Current.NotBefore).TotalDays:0.#} days, less than the default window of {RenewWithin} days: it is renewed after two thirds of its lifetime (from {plan.Decision.RenewAt:yyyy-MM-dd HH:mm} UTC), so a renewal is not due again at once.");
        if (!plan.Due)
        {
            WriteVerbose(plan.Decision.Rule == RenewalRule.TwoThirds
                ? $"'{plan.Path}' expires on {plan.Current.NotAfter:yyyy-MM-dd}; not renewed before {plan.Decision.RenewAt:yyyy-MM-dd HH:mm} UTC (use -Force to renew now)."
                : $"'{plan.Path}' expires on {plan.Current.NotAfter:yyyy-MM-dd}, more than {RenewWithin} days away; not renewed (use -Force to renew now).");
            if (PassThru) WriteResult(CertificateRenewer.NotDue(plan));
            return false;
        }

        ICertificateIssuer issuer = IsAcme ? CreateAcmeIssuer()
            : ParameterSetName == IssuerSet
            ? new LocalCaIssuer(Issuer, ValidDays > 0 ? ValidDays : Math.Max(1, (int)Math.Round((plan.Current.NotAfter - plan.Current.NotBefore).TotalDays)))
            : new ClusterIssuer(RequireSession(), Profile, serverGeneratedKey: false, Log, Cancel);
        _issuing = (plan, issuer);
        issuer.Validate();
        if (IsAcme)
        {
            // An ACME CA signs with intermediates it rotates on its own, so the signer of the
            // certificate in place says nothing about the next one; what is checked is the new
            // certificate itself (our key, the same names, a chain that signs it).
            WriteVerbose($"'{plan.Path}' was issued by '{plan.Current.Issuer}'; the {issuer.Description} may sign with another intermediate.");
        }
        X509Certificate2? anchorToAdd = null;
        if (!IsAcme)
        {
            // A change of CA is asked for on its own (-ChangeIssuer); -Force only renews now.
            var ca = issuer is ClusterIssuer cluster ? cluster.SigningCa() : Issuer.Certificate;
            if (ChangeIssuer) anchorToAdd = CertificateRenewer.AnchorToAdd(plan, ca, issuer.Description);
            else CertificateRenewer.CheckIssuer(plan, ca, issuer.Description);
        }
        string bundle = writer.Map(CaBundleAnchor.PathOf(plan.Slot));
        string action = $"Renew '{plan.Current.Subject}' (expires {plan.Current.NotAfter:yyyy-MM-dd}) with a new key from the {issuer.Description}" +
            (anchorToAdd == null ? "" : $", after adding '{anchorToAdd.Subject}' to '{bundle}' beside '{plan.Current.Issuer}'");
        if (!ShouldProcess(plan.Path, action)) { _issuing = null; return false; }
        var renewed = WithAcmeProgress(plan.Path, () => CertificateRenewer.Renew(writer, plan, issuer, fallback, anchorToAdd));
        if (anchorToAdd != null) WriteWarning(CaChangeAdvice(plan, anchorToAdd, bundle));
        WriteVerbose($"Renewed '{plan.Path}': {renewed.PreviousThumbprint} -> {renewed.Thumbprint}, now read from {renewed.Version}.");
        _issuing = null;
        if (PassThru) WriteResult(renewed);
        return true;
    }

    /// <summary>The pair being renewed and its issuer, from the issuer's check to the switch.</summary>
    private (RenewalPlan Plan, ICertificateIssuer Issuer)? _issuing;

    /// <summary>
    /// What these mean while a pair is renewed: a certificate the issuer cannot renew (ACME) or an issuer
    /// that cannot sign, an answer with no readable certificate, a write beside the pair that failed.
    /// </summary>
    protected override DcosTlsException? Meaning(Exception e)
    {
        if (_issuing is not { } issuing) return null;
        var (plan, issuer) = issuing;
        return e switch
        {
            CertificateSpecException when IsAcme => new DcosTlsException("RenewalCertificateUnsupported", ErrorCategory.InvalidData,
                $"'{plan.Path}' cannot be renewed from the {issuer.Description}: {e.Message} The old pair is kept.", plan.Path),
            CertificateSpecException spec => new DcosTlsException("InvalidIssuer," + spec.Parameter, ErrorCategory.InvalidArgument, e.Message, Issuer),
            CryptographicException => new DcosTlsException("CaResponseInvalid", ErrorCategory.ProtocolError,
                $"The answer for '{plan.Current.CommonName}' holds no readable certificate; the old pair is kept. Check that the session's cluster address is a DC/OS Enterprise master.", plan.Path),
            IOException or UnauthorizedAccessException => new DcosTlsException("RenewalWriteFailed", ErrorCategory.WriteError,
                $"Writing the new pair beside '{plan.Path}' failed ({e.GetType().Name}); the pair the names give is still the old one. Check that the folder is writable (run as root on an agent).", plan.Path),
            _ => null,
        };
    }

    /// <summary>What the peers of the renewed pair need after a change of CA, said where it happened.</summary>
    private protected abstract string CaChangeAdvice(RenewalPlan plan, X509Certificate2 newCa, string bundle);

    private string? _renewing;

    /// <summary>A refusal of the renewal itself (plan, issuer, CA, ACME) names the pair being renewed.</summary>
    protected override object? TargetOf(DcosTlsException error)
        => _renewing != null && error is RenewalException or AcmeProblemException or DcosApiException ? _renewing : base.TargetOf(error);
}
