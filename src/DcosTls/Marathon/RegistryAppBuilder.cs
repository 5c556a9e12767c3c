using System.Text.Encodings.Web;
using DcosTls.Certificates;

namespace DcosTls.Marathon;

/// <summary>
/// Builds marathon-lb's mlbint.json and registry.json as JSON trees (never by pasting strings), so
/// that any value, quotes and backslashes included, comes out as valid JSON.
/// </summary>
internal static class RegistryAppBuilder
{
    private static readonly Regex AppIdSegment = new("^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$", RegexOptions.CultureInvariant);
    private static readonly Regex GroupName = new("^[A-Za-z0-9_-]+$", RegexOptions.CultureInvariant);

    private static readonly JsonSerializerOptions Output = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    internal static MarathonRegistryApp Build(RegistryAppSpec spec)
    {
        Validate(spec);
        return new MarathonRegistryApp
        {
            AppId = spec.AppId,
            MarathonLbName = spec.MarathonLbName,
            ServicePort = spec.ServicePort,
            MarathonLbOptions = BuildMarathonLbOptions(spec).ToJsonString(Output),
            AppDefinition = BuildApp(spec).ToJsonString(Output),
        };
    }

    private static JsonObject BuildMarathonLbOptions(RegistryAppSpec spec)
    {
        var options = new JsonObject
        {
            ["name"] = spec.MarathonLbName,
            ["bind-http-https"] = false,
            ["haproxy-group"] = spec.HaproxyGroup,
            ["role"] = string.Empty,
        };
        // Only DC/OS Enterprise has service-account secrets.
        if (spec.MarathonLbSecretName != null) options["secret_name"] = spec.MarathonLbSecretName;
        return new JsonObject { ["marathon-lb"] = options };
    }

    private static JsonObject BuildApp(RegistryAppSpec spec)
    {
        string vipName = spec.AppId.TrimEnd('/').Split('/').Last();
        var constraints = new JsonArray();
        if (spec.Node != null) constraints.Add(new JsonArray("hostname", "LIKE", spec.Node));
        var fetch = new JsonArray();
        foreach (string uri in spec.FetchUris)
            fetch.Add(new JsonObject { ["uri"] = uri, ["extract"] = true, ["executable"] = false, ["cache"] = false });
        var volumes = new JsonArray();
        if (spec.HostPath != null)
            volumes.Add(new JsonObject { ["containerPath"] = spec.StoragePath, ["hostPath"] = spec.HostPath, ["mode"] = "RW" });
        var labels = new JsonObject
        {
            ["HAPROXY_GROUP"] = spec.HaproxyGroup,
            ["HAPROXY_0_SSL_CERT"] = spec.SslCertificatePath,
            ["HAPROXY_0_BACKEND_REDIRECT_HTTP_TO_HTTPS"] = "false",
        };
        if (spec.VirtualHost != null) labels["HAPROXY_0_VHOST"] = spec.VirtualHost;

        return new JsonObject
        {
            ["id"] = spec.AppId,
            ["env"] = new JsonObject { ["STORAGE_PATH"] = spec.StoragePath },
            ["instances"] = spec.Instances,
            ["cpus"] = spec.Cpus,
            ["mem"] = spec.Memory,
            ["disk"] = 0,
            ["gpus"] = 0,
            ["constraints"] = constraints,
            ["fetch"] = fetch,
            ["backoffSeconds"] = 1,
            ["backoffFactor"] = 1.15,
            ["maxLaunchDelaySeconds"] = 3600,
            ["container"] = new JsonObject
            {
                ["type"] = "DOCKER",
                ["volumes"] = volumes,
                ["docker"] = new JsonObject
                {
                    ["image"] = spec.Image,
                    ["network"] = "BRIDGE",
                    ["portMappings"] = new JsonArray(new JsonObject
                    {
                        ["containerPort"] = spec.ContainerPort,
                        ["hostPort"] = spec.HostPort,
                        ["servicePort"] = spec.ServicePort,
                        ["protocol"] = "tcp",
                        ["name"] = "registry",
                        ["labels"] = new JsonObject { ["VIP_0"] = $"/{vipName}:{spec.ContainerPort.ToString(CultureInfo.InvariantCulture)}" },
                    }),
                    ["privileged"] = false,
                    ["parameters"] = new JsonArray(),
                    ["forcePullImage"] = false,
                },
            },
            ["healthChecks"] = new JsonArray(new JsonObject
            {
                ["protocol"] = "TCP",
                ["portIndex"] = 0,
                ["gracePeriodSeconds"] = 300,
                ["intervalSeconds"] = 60,
                ["timeoutSeconds"] = 20,
                ["maxConsecutiveFailures"] = 3,
                ["ignoreHttp1xx"] = false,
            }),
            ["upgradeStrategy"] = new JsonObject { ["minimumHealthCapacity"] = 0, ["maximumOverCapacity"] = 0 },
            ["labels"] = labels,
            ["portDefinitions"] = new JsonArray(new JsonObject { ["port"] = spec.ServicePort, ["protocol"] = "tcp", ["labels"] = new JsonObject() }),
            ["requirePorts"] = true,
        };
    }

    private static void Validate(RegistryAppSpec spec)
    {
        var segments = spec.AppId.Trim('/').Split('/');
        if (!spec.AppId.StartsWith('/') || segments.Any(s => !AppIdSegment.IsMatch(s)))
            throw new RegistryAppSpecException("AppId",
                $"'{spec.AppId}' is not a Marathon app id: '/' then lower-case segments of letters, digits, '-' and '.', e.g. /shared/registry.");
        var lbSegments = spec.MarathonLbName.Split('/');
        if (lbSegments.Any(s => !AppIdSegment.IsMatch(s)))
            throw new RegistryAppSpecException("MarathonLbName",
                $"'{spec.MarathonLbName}' is not a marathon-lb service name: lower-case segments separated by '/', no leading '/', e.g. shared/mlbint.");
        if (!GroupName.IsMatch(spec.HaproxyGroup))
            throw new RegistryAppSpecException("HaproxyGroup", $"'{spec.HaproxyGroup}' is not an HAProxy group name (letters, digits, '-', '_'), e.g. internal.");
        if (spec.MarathonLbSecretName != null && (spec.MarathonLbSecretName.Length == 0 || spec.MarathonLbSecretName.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
            throw new RegistryAppSpecException("MarathonLbSecretName", "The secret name must not be empty or contain spaces.");
        if (string.IsNullOrWhiteSpace(spec.Image) || spec.Image.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            throw new RegistryAppSpecException("Image", $"'{spec.Image}' is not an image reference, e.g. registry:2.");
        foreach (var (name, port) in new[] { ("ServicePort", spec.ServicePort), ("ContainerPort", spec.ContainerPort), ("HostPort", spec.HostPort) })
            if (port is < 0 or > 65535)
                throw new RegistryAppSpecException(name, $"-{name} {port} is not a port (0-65535).");
        foreach (var (name, host) in new[] { ("Node", spec.Node), ("VirtualHost", spec.VirtualHost) })
            if (host != null && !IPAddress.TryParse(host, out _) && !CertificateSpec.IsValidDnsName(host))
                throw new RegistryAppSpecException(name, $"-{name} '{host}' is neither an IP address nor a host name.");
        foreach (string uri in spec.FetchUris)
            if (!Uri.TryCreate(uri, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https" or "file"))
                throw new RegistryAppSpecException("FetchUri", $"'{uri}' is not an absolute http(s):// or file:// URI the Mesos fetcher can get.");
        foreach (var (name, path) in new[] { ("SslCertificatePath", (string?)spec.SslCertificatePath), ("HostPath", spec.HostPath), ("StoragePath", spec.StoragePath) })
            if (path != null && (!path.StartsWith('/') || path.Split('/').Contains("..") || path.Any(char.IsControl)))
                throw new RegistryAppSpecException(name, $"-{name} '{path}' must be an absolute path without '..'.");
        if (spec.Cpus <= 0 || spec.Memory < 32 || spec.Instances < 0)
            throw new RegistryAppSpecException("Cpus", "-Cpus must be above 0, -Memory at least 32 (MiB), -Instances 0 or more.");
    }
}
