using DcosTls.Acme;
using DcosTls.Common;

namespace DcosTls.Cmdlets;

/// <summary>
/// Renewal from an ACME CA: the order is run again for the names of the certificate in place, with a
/// new key of the same type, proved by the challenge method given here (the account in -AccountPath is
/// reused). The ACME parameters are declared on each renewal cmdlet by DcosTls.Generators
/// ([AcmeParameters(AcmeRole.Renew, ...)]), so that SYNTAX lists them after the cmdlet's own parameters and
/// before the ones of this class, as it did when they were declared here.
/// </summary>
public abstract partial class RenewalCmdlet
{
    private protected const string AcmeSet = "Acme";
    private protected const string AcmeNamedSet = "AcmeNamed";

    private protected bool IsAcme => ParameterSetName is AcmeSet or AcmeNamedSet;

    /// <summary>The ACME parameters the renewal cmdlet was given (it is marked [AcmeParameters(AcmeRole.Renew, ...)]).</summary>
    private IAcmeParameters AcmeGiven => this as IAcmeParameters
        ?? throw new InvalidOperationException($"{GetType().Name} renews from an ACME CA but is not marked [AcmeParameters(AcmeRole.Renew, ...)].");

    /// <summary>
    /// The one activity of an ACME renewal: shown when the order starts, told what each poll waits for,
    /// completed when the renewal ends (also when it fails or the command is stopped).
    /// </summary>
    private BatchProgress? _acmeProgress;

    private protected AcmeIssuer CreateAcmeIssuer()
    {
        _acmeProgress = ProgressReporter.Batch(this, ProgressReporter.AcmeRenewal, MyInvocation.MyCommand.Name);
        return AcmeParameters.CreateIssuer(AcmeGiven, ParameterSetName == AcmeNamedSet, MyInvocation.BoundParameters, ResolveOptionalPath, Log, Cancel, _acmeProgress.Status);
    }

    /// <summary>Runs the switch of one pair; from an ACME CA under the renewal's one progress activity.</summary>
    private protected T WithAcmeProgress<T>(string path, Func<T> renew)
    {
        if (!IsAcme || _acmeProgress == null) return renew();
        T result = default!;
        _acmeProgress.Next(path);
        _acmeProgress.CompleteOnStop(() => result = renew());
        _acmeProgress.Complete();
        return result;
    }
}
