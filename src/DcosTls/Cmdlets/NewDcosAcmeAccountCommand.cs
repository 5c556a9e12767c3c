using DcosTls.Acme;

namespace DcosTls.Cmdlets;

/// <summary>New-DcosAcmeAccount: creates the account (key made here, 0600) or returns the existing one of the stored key.</summary>
[Cmdlet(VerbsCommon.New, "DcosAcmeAccount", SupportsShouldProcess = true, DefaultParameterSetName = DirectorySet)]
[OutputType(typeof(AcmeAccount))]
// -Contact and -AcceptTermsOfService are declared by DcosTls.Generators from its one table.
[AcmeParameters(AcmeRole.AccountCreation)]
public sealed partial class NewDcosAcmeAccountCommand : AcmeAccountCmdlet
{
    protected override void Process() => Run(create: true, AcceptTermsOfService, Contact);
}
