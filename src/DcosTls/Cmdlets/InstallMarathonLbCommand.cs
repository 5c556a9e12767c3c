using DcosTls.Cluster;
using DcosTls.Common;
using DcosTls.Marathon;

namespace DcosTls.Cmdlets;

/// <summary>
/// Install-MarathonLb: installs marathon-lb through the package manager (POST /package/install) with its
/// name, HAProxy group and service-account secret, or with the options New-MarathonRegistryApp made
/// (pipe it in), then waits for the first deployment of its Marathon app (unless -NoWait). A marathon-lb
/// that is already installed under that name is left as it is (AlreadyInstalled). With -AsMarathonApp
/// the package manager is not used: marathon-lb becomes a plain Marathon app (MarathonLbApp), applied
/// as Set-MarathonApp applies one (compared first, then its deployment waited for).
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "MarathonLb", SupportsShouldProcess = true, DefaultParameterSetName = OptionsSet)]
[OutputType(typeof(DcosPackageInstall), ParameterSetName = new[] { OptionsSet, RegistryAppSet })]
[OutputType(typeof(MarathonDeployment), ParameterSetName = new[] { AppSet, RegistryAppAsAppSet })]
public sealed class InstallMarathonLbCommand : MarathonChangeCmdlet
{
    private const string OptionsSet = "Options";
    private const string RegistryAppSet = "RegistryApp";
    private const string AppSet = "MarathonApp";
    private const string RegistryAppAsAppSet = "RegistryMarathonApp";
    private const string PackageName = "marathon-lb";
    private static readonly Regex NameSegment = new("^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$", RegexOptions.CultureInvariant);
    private static readonly Regex GroupName = new("^[A-Za-z0-9_-]+$", RegexOptions.CultureInvariant);

    /// <summary>The service name, which is also its Marathon app id (without the leading '/'), e.g. marathon-lb or shared/mlbint.</summary>
    [Parameter(Position = 0, ParameterSetName = OptionsSet)]
    [Parameter(Position = 0, ParameterSetName = AppSet)]
    public string Name { get; set; } = "marathon-lb";

    /// <summary>The HAProxy group it serves: apps with the label HAPROXY_GROUP set to it are exposed.</summary>
    [Parameter(ParameterSetName = OptionsSet)]
    [Parameter(ParameterSetName = AppSet)]
    public string HaproxyGroup { get; set; } = "external";

    /// <summary>How many instances run (one per public agent at most, as they bind fixed ports).</summary>
    [Parameter(ParameterSetName = OptionsSet)]
    [Parameter(ParameterSetName = AppSet)]
    [Parameter(ParameterSetName = RegistryAppAsAppSet)]
    [ValidateRange(1, 1000)]
    public int? Instances { get; set; }

    /// <summary>The registry app from New-MarathonRegistryApp, whose marathon-lb options (name, group, secret) are used.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = RegistryAppSet)]
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = RegistryAppAsAppSet)]
    public MarathonRegistryApp InputObject { get; set; } = null!;

    /// <summary>Runs marathon-lb as a plain Marathon app instead of through the package manager.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AppSet)]
    [Parameter(Mandatory = true, ParameterSetName = RegistryAppAsAppSet)]
    public SwitchParameter AsMarathonApp { get; set; }

    /// <summary>The secret holding the HAProxy pem (Set-DcosSecret -Format HaproxyPem), handed to marathon-lb as HAPROXY_SSL_CERT; without it marathon-lb makes a self-signed certificate.</summary>
    [Parameter(ParameterSetName = AppSet)]
    [Parameter(ParameterSetName = RegistryAppAsAppSet)]
    public string? SslCertificateSecret { get; set; }

    /// <summary>The marathon-lb image (-AsMarathonApp).</summary>
    [Parameter(ParameterSetName = AppSet)]
    [Parameter(ParameterSetName = RegistryAppAsAppSet)]
    public string Image { get; set; } = MarathonLbApp.DefaultImage;

    /// <summary>Cancels a deployment that is changing the marathon-lb app (Marathon's force=true; -AsMarathonApp).</summary>
    [Parameter(ParameterSetName = AppSet)]
    [Parameter(ParameterSetName = RegistryAppAsAppSet)]
    public SwitchParameter Force { get; set; }

    /// <summary>The secret holding the service account's login (New-DcosServiceAccount -SecretPath), e.g. marathon-lb/service-account-secret. Enterprise clusters only.</summary>
    [Parameter]
    [Alias("SecretName")]
    public string? ServiceAccountSecret { get; set; }

    /// <summary>Where marathon-lb reaches Marathon, e.g. https://marathon.mesos:8443 on a strict cluster; the package's default when omitted.</summary>
    [Parameter]
    public Uri? MarathonUri { get; set; }

    /// <summary>Further package options (cpus, mem, role, bind-http-https, ...), set under "marathon-lb" after the others.</summary>
    [Parameter(ParameterSetName = OptionsSet)]
    [Parameter(ParameterSetName = RegistryAppSet)]
    public System.Collections.Hashtable? Option { get; set; }

    /// <summary>The package version, e.g. 1.15.0; the newest in the cluster's repositories when omitted.</summary>
    [Parameter(ParameterSetName = OptionsSet)]
    [Parameter(ParameterSetName = RegistryAppSet)]
    public string? PackageVersion { get; set; }

    protected override void Process()
    {
        var options = ParameterSetName is RegistryAppSet or RegistryAppAsAppSet
            ? JsonNode.Parse(InputObject.MarathonLbOptions)?["marathon-lb"]?.DeepClone() as JsonObject ?? new JsonObject()
            : new JsonObject { ["name"] = Name, ["haproxy-group"] = HaproxyGroup };
        if (Instances is int n) options["instances"] = n;
        if (ServiceAccountSecret != null) options["secret_name"] = DcosSecretClient.Check(ServiceAccountSecret);
        if (MarathonUri != null)
        {
            if (!MarathonUri.IsAbsoluteUri || MarathonUri.Scheme is not ("https" or "http") || MarathonUri.UserInfo.Length > 0)
                throw Invalid("MarathonUri", $"-MarathonUri '{MarathonUri.GetLeftPart(UriPartial.Path)}' is not an http(s) address without a user, e.g. https://marathon.mesos:8443.", MarathonUri);
            options["marathon-uri"] = MarathonUri.GetLeftPart(UriPartial.Path).TrimEnd('/');
        }
        if (Option != null)
            foreach (System.Collections.DictionaryEntry entry in Option)
                options[Convert.ToString(entry.Key, CultureInfo.InvariantCulture)!] = MarathonDefinition.ToNode(entry.Value, 0);
        string name = options["name"] is JsonValue nv && nv.TryGetValue<string>(out var s) ? s : "marathon-lb";
        if (name.Split('/').Any(seg => !NameSegment.IsMatch(seg)))
            throw Invalid("Name", $"'{name}' is not a marathon-lb service name: lower-case segments separated by '/', no leading '/', e.g. marathon-lb or shared/mlbint.", name);
        string group = options["haproxy-group"] is JsonValue gv && gv.TryGetValue<string>(out var g) ? g : "external";
        if (!GroupName.IsMatch(group))
            throw Invalid("HaproxyGroup", $"'{group}' is not an HAProxy group name (letters, digits, '-', '_'), e.g. external.", group);
        options["name"] = name;
        options["haproxy-group"] = group;
        string appId = "/" + name;
        if (AsMarathonApp)
        {
            if (string.IsNullOrWhiteSpace(Image) || Image.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
                throw Invalid("Image", $"'{Image}' is not an image reference, e.g. {MarathonLbApp.DefaultImage}.", Image);
            string? Text(string key) => options[key] is JsonValue v && v.TryGetValue<string>(out var t) ? t : null;
            var app = MarathonLbApp.Build(new MarathonLbAppSpec(name, group,
                options["instances"] is JsonValue iv && iv.TryGetValue<int>(out var count) ? count : 1,
                Image,
                Text("marathon-uri") ?? MarathonLbApp.DefaultMarathonUri,
                Text("secret_name") is { } account ? DcosSecretClient.Check(account) : null,
                SslCertificateSecret == null ? null : DcosSecretClient.Check(SslCertificateSecret)));
            Apply(app, appId, Force);
            return;
        }

        var session = this.SessionForChange();
        string secretNote = options["secret_name"] is JsonValue sv ? $", logging in with secret default/{sv}" : string.Empty;
        if (!ShouldProcess(ClusterChange.Target(appId, session), $"Install {PackageName}{(PackageVersion != null ? " " + PackageVersion : string.Empty)} for HAProxy group '{group}'{secretNote}")) return;
        ErrorTarget = appId;
        var body = CosmosClient.InstallBody(PackageName, PackageVersion, new JsonObject { [PackageName] = options }, appId: null);
        var answer = new CosmosClient(new ClusterRequest(session!, Log, Cancel)).Install(body);
        if (!answer.Installed)
            WriteWarning($"{PackageName} is already installed as {appId}; its options were not changed. To change them, uninstall it first (or change the app with Set-MarathonApp).");
        var result = new DcosPackageInstall
        {
            PackageName = PackageName,
            PackageVersion = answer.PackageVersion,
            AppId = answer.AppId ?? appId,
            Action = answer.Installed ? "Installed" : "AlreadyInstalled",
            Status = "Started",
            Options = options.ToJsonString(),
            Cluster = session!.ClusterUri.ToString(),
        };
        // The package manager names no deployment: the app's own list does (Marathon starts one for the new app).
        var marathon = Marathon(session!);
        string? deploymentId = answer.Installed && !NoWait ? DeploymentOf(marathon.GetApp(result.AppId, embedTasks: false)) : null;
        if (deploymentId == null)
        {
            result.Status = !answer.Installed ? "NotNeeded" : NoWait ? "Started" : "Succeeded";
            WriteObject(result);
            return;
        }
        bool done = WaitFor(marathon, deploymentId, result.AppId, result.Action);
        result.Status = done ? "Succeeded" : "TimedOut";
        WriteObject(result);
        if (!done) ReportTimedOut(deploymentId, result.AppId);
    }

    private static string? DeploymentOf(JsonObject? app)
        => app?["deployments"] is JsonArray list && list.FirstOrDefault()?["id"] is JsonValue v && v.TryGetValue<string>(out var id) ? id : null;

    private static DcosTlsException Invalid(string parameter, string message, object target)
        => new("InvalidMarathonLbOption", ErrorCategory.InvalidArgument, $"-{parameter}: {message}", target);
}
