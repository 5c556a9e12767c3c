using DcosTls.Acme;

namespace DcosTls.Cmdlets;

/// <summary>Get-DcosAcmeAccount: the account of the stored key at an ACME directory (status, contacts). Creates nothing.</summary>
[Cmdlet(VerbsCommon.Get, "DcosAcmeAccount", DefaultParameterSetName = DirectorySet)]
[OutputType(typeof(AcmeAccount))]
public sealed class GetDcosAcmeAccountCommand : AcmeAccountCmdlet
{
    protected override void Process() => Run(create: false, agree: false, contacts: null);
}
