using DcosTls.Acme;

namespace DcosTls.Cmdlets;

/// <summary>New-DcosAcmeAccount: creates the account (key made here, 0600) or returns the existing one of the stored key.</summary>
[Cmdlet(VerbsCommon.New, "DcosAcmeAccount", SupportsShouldProcess = true, DefaultParameterSetName = DirectorySet)]
[OutputType(typeof(AcmeAccount))]
public sealed class NewDcosAcmeAccountCommand : AcmeAccountCmdlet
{
    /// <summary>E-mail addresses the CA may write to about the account.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string[]? Contact { get; set; }

    /// <summary>Agrees to the server's terms of service (never done silently).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public SwitchParameter AcceptTermsOfService { get; set; }

    protected override void Process() => Run(create: true, AcceptTermsOfService, Contact);
}
