using DcosTls.Cluster;
using DcosTls.Certificates;
using DcosTls.Common;

namespace DcosTls.Cmdlets;

/// <summary>
/// Set-DcosSecret: creates or replaces a secret in the default store from a SecureString, plain text,
/// a file's bytes, or a certificate (its PEM, or with -Format HaproxyPem the certificate, chain and key
/// in one file secret, which marathon-lb reads without any web server serving the key).
/// </summary>
[Cmdlet(VerbsCommon.Set, "DcosSecret", SupportsShouldProcess = true, DefaultParameterSetName = ValueSet)]
[OutputType(typeof(DcosSecretInfo))]
public sealed class SetDcosSecretCommand : DcosClusterCmdlet
{
    private const string ValueSet = "Value";
    private const string TextSet = "PlainText";
    private const string FileSet = "File";
    private const string CertificateSet = "Certificate";

    /// <summary>The secret's path in the default store, e.g. marathon-lb/haproxy-pem.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("SecretPath")]
    public string Path { get; set; } = string.Empty;

    /// <summary>The value, as a text secret.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ParameterSetName = ValueSet)]
    public SecureString Value { get; set; } = null!;

    /// <summary>A value that is not sensitive (a configuration), as a text secret.</summary>
    [Parameter(Mandatory = true, ParameterSetName = TextSet)]
    public string PlainText { get; set; } = string.Empty;

    /// <summary>A file whose bytes become a file (binary) secret.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FileSet)]
    public string FilePath { get; set; } = string.Empty;

    /// <summary>A certificate (New-DcosCertificate, Import-DcosCertificate) stored as a file secret.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = CertificateSet)]
    public DcosCertificate Certificate { get; set; } = null!;

    /// <summary>Pem: the certificate and its chain. HaproxyPem: certificate, chain and unencrypted private key, as marathon-lb's HAPROXY_SSL_CERT wants.</summary>
    [Parameter(ParameterSetName = CertificateSet)]
    [ValidateSet("Pem", "HaproxyPem")]
    public string Format { get; set; } = "Pem";

    protected override void Process()
    {
        string path = DcosSecretClient.Check(Path);
        var session = this.SessionForChange();
        byte[] value;
        DcosSecretKind kind = DcosSecretKind.Text;
        switch (ParameterSetName)
        {
            case ValueSet:
                value = SecureStrings.Use(Value, chars =>
                {
                    var bytes = new byte[Encoding.UTF8.GetByteCount(chars)];
                    Encoding.UTF8.GetBytes(chars, bytes);
                    return bytes;
                });
                break;
            case TextSet:
                value = Encoding.UTF8.GetBytes(PlainText);
                break;
            case FileSet:
                value = DcosSecretClient.ReadValueFile(ResolvePath(FilePath));
                kind = DcosSecretKind.File;
                break;
            default:
                if (Format == "HaproxyPem" && !Certificate.HasPrivateKey)
                {
                    Report("PrivateKeyMissing", ErrorCategory.InvalidArgument,
                        $"'{Certificate.CommonName}' has no private key, which -Format HaproxyPem needs. Store it as Pem, or import it with -KeyPath.", Certificate);
                    return;
                }
                string pem = Certificate.CertificatePem + Certificate.ChainPem
                    + (Format == "HaproxyPem" ? PrivateKeyReader.ExportPem(Certificate.PrivateKey!, ReadOnlySpan<char>.Empty, encrypt: false) : string.Empty);
                value = Encoding.UTF8.GetBytes(pem);
                kind = DcosSecretKind.File;
                break;
        }
        ErrorTarget = path;
        try
        {
            if (value.Length > 1_000_000)
            {
                Report("SecretTooLarge", ErrorCategory.InvalidArgument,
                    $"The value for 'default/{path}' is {value.Length} bytes; the secret store keeps about 1 MB at most.", path);
                return;
            }
            if (!ShouldProcess(ClusterChange.Target($"default/{path}", session), $"Store a {kind.ToString().ToLowerInvariant()} secret of {value.Length} bytes")) return;
            var secrets = new DcosSecretClient(new ClusterRequest(session!, Log, Cancel));
            string action = secrets.Write(path, kind, value, Redactions(value));
            WriteObject(new DcosSecretInfo { Path = path, Kind = kind, Length = value.Length, Action = action, Cluster = session!.ClusterUri.ToString() });
        }
        finally
        {
            Array.Clear(value);
        }
    }

    /// <summary>What a server's echo must not show: the value, and each of its lines (a key's PEM body).</summary>
    private static string[] Redactions(byte[] value)
    {
        string text = Encoding.UTF8.GetString(value);
        return new[] { text }.Concat(text.Split('\n').Select(l => l.Trim()).Where(l => l.Length >= 8)).ToArray();
    }
}
