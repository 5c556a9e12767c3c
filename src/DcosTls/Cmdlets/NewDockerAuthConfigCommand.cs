using DcosTls.Common;
using DcosTls.Credentials;

namespace DcosTls.Cmdlets;

/// <summary>
/// New-DockerAuthConfig: a registry login as an object (the password stays a SecureString), for
/// New-DockerAuthArchive and Set-MesosDockerConfig. Several registries may come down the pipeline.
/// </summary>
[Cmdlet(VerbsCommon.New, "DockerAuthConfig")]
[OutputType(typeof(DockerRegistryCredential))]
public sealed class NewDockerAuthConfigCommand : DcosCmdlet
{
    /// <summary>host[:port] as written in image references; Docker Hub names map to https://index.docker.io/v1/.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Registries", "Server")]
    [ArgumentCompleter(typeof(RegistryCompleter))]
    public string[] Registry { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [Credential]
    public PSCredential Credential { get; set; } = null!;

    protected override void Process()
    {
        foreach (string registry in Registry)
        {
            try
            {
                var credential = CredentialFactory.Create(registry, Credential, out string? normalisedFrom);
                if (normalisedFrom != null)
                    WriteWarning(CredentialFactory.NormalisedWarning(normalisedFrom, credential.Registry));
                WriteObject(credential);
            }
            catch (CredentialInputException e)
            {
                Report(e, RegistryName.Redact(registry));
            }
        }
    }
}
