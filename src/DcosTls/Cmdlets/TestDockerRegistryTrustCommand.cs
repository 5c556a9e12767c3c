using DcosTls.Common;
using DcosTls.Trust;

namespace DcosTls.Cmdlets;

/// <summary>
/// Test-DockerRegistryTrust: true when a TLS handshake with the registry verifies against only the
/// CAs installed for it in the target store(s), and GET /v2/ answers like a registry. A false
/// comes with a non-terminating error per failed target that says why (unknown authority, name
/// mismatch, expired, unreachable), so `-ErrorAction Stop` turns the reason into the exception a
/// test runner reports. -Detailed returns the reasons as objects instead, without errors.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "DockerRegistryTrust")]
[OutputType(typeof(bool), typeof(RegistryTrustTestResult))]
public sealed class TestDockerRegistryTrustCommand : DcosCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RegistryCompleter))]
    public string Registry { get; set; } = string.Empty;

    /// <summary>Stores whose CAs are the only trust anchors; default Docker. With several, all must pass.</summary>
    [Parameter]
    public TrustTarget[] Target { get; set; } = { TrustTarget.Docker };

    /// <summary>Staging root standing in for the agent's / (default /; relative to the pwsh location).</summary>
    [Parameter]
    public string Root { get; set; } = "/";

    /// <summary>Returns one object per target with the reason, instead of $true/$false.</summary>
    [Parameter]
    public SwitchParameter Detailed { get; set; }

    /// <summary>Connects to this address instead of resolving the registry's host (as curl --resolve); the name is still verified.</summary>
    [Parameter]
    public string? ConnectAddress { get; set; }

    [Parameter]
    [ValidateRange(1, 300)]
    public int TimeoutSec { get; set; } = 10;

    protected override void Process()
    {
        var registry = RegistryName.Parse(Registry); // InvalidRegistryName, naming the name (redacted)

        var writer = CreateWriter(Root);
        var tester = new RegistryTrustTester(TimeSpan.FromSeconds(TimeoutSec));
        bool all = true;
        foreach (var target in Target.Distinct())
        {
            var store = TrustStores.Create(target, writer, WriteWarning);
            RegistryTrustTestResult result;
            ErrorTarget = target;
            result = tester.Test(registry, target, store.Anchors(registry), ConnectAddress);
            ErrorTarget = null;
            WriteVerbose($"{target}: {result.Reason}: {result.Message}");
            all &= result.Trusted;
            if (Detailed) WriteObject(result);
            else if (!result.Trusted)
                Report(result.ErrorId, result.Category, $"{result.Registry} is not trusted through the {target} store ({result.Reason}): {result.Message}", result);
        }
        if (!Detailed) WriteObject(all);
    }
}
