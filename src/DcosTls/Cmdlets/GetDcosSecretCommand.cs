using DcosTls.Cluster;
using DcosTls.Session;

namespace DcosTls.Cmdlets;

/// <summary>
/// Get-DcosSecret: a secret's path and kind (never its value, unless -AsSecureString or -AsByteArray
/// asks for it), or every secret under a folder (-Folder).
/// </summary>
[Cmdlet(VerbsCommon.Get, "DcosSecret", DefaultParameterSetName = InfoSet)]
[OutputType(typeof(DcosSecretInfo), ParameterSetName = new[] { InfoSet, ListSet })]
[OutputType(typeof(SecureString), ParameterSetName = new[] { SecureSet })]
[OutputType(typeof(byte[]), ParameterSetName = new[] { BytesSet })]
public sealed class GetDcosSecretCommand : DcosClusterCmdlet
{
    private const string InfoSet = "Info";
    private const string SecureSet = "SecureString";
    private const string BytesSet = "Bytes";
    private const string ListSet = "List";

    /// <summary>Secret paths in the default store, e.g. marathon-lb/service-account-secret.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = InfoSet)]
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = SecureSet)]
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = BytesSet)]
    [Alias("SecretPath")]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Outputs the value as a SecureString (a file secret's bytes read as UTF-8).</summary>
    [Parameter(Mandatory = true, ParameterSetName = SecureSet)]
    public SwitchParameter AsSecureString { get; set; }

    /// <summary>Outputs the value as one byte array.</summary>
    [Parameter(Mandatory = true, ParameterSetName = BytesSet)]
    public SwitchParameter AsByteArray { get; set; }

    /// <summary>Lists the secrets under this folder ('' or '/' for the whole store); their values are not read.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ListSet)]
    [AllowEmptyString]
    public string Folder { get; set; } = string.Empty;

    protected override void Process()
    {
        var session = RequireSession();
        var secrets = new DcosSecretClient(new ClusterRequest(session, Log, Cancel));
        if (ParameterSetName == ListSet)
        {
            ErrorTarget = Folder;
            string folder = Folder.Trim().Trim('/').Length == 0 ? string.Empty : DcosSecretClient.Check(Folder);
            foreach (string path in secrets.List(folder))
                WriteObject(new DcosSecretInfo { Path = path, Cluster = session.ClusterUri.ToString() });
            return;
        }
        ForEachInput(Path, given =>
        {
            ErrorTarget = given;
            string path = DcosSecretClient.Check(given);
            var read = secrets.Read(path) ?? throw new DcosApiException("SecretNotFound",
                $"There is no secret 'default/{path}'. List the folder with Get-DcosSecret -Folder.", 404, ErrorCategory.ObjectNotFound) { TargetObject = path };
            byte[] value = read.Value;
            try
            {
                if (AsByteArray) WriteObject(value.Clone(), enumerateCollection: false);
                else if (AsSecureString) WriteObject(ToSecureString(value));
                else WriteObject(new DcosSecretInfo { Path = path, Kind = read.Kind, Length = value.Length, Cluster = session.ClusterUri.ToString() });
            }
            finally
            {
                Array.Clear(value);
            }
        });
    }

    private static SecureString ToSecureString(byte[] value)
    {
        char[] chars = Encoding.UTF8.GetChars(value);
        try
        {
            var secure = new SecureString();
            foreach (char c in chars) secure.AppendChar(c);
            secure.MakeReadOnly();
            return secure;
        }
        finally
        {
            Array.Clear(chars);
        }
    }
}
