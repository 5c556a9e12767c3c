namespace DcosTls.Marathon;

/// <summary>What a marathon-lb run as a plain Marathon app needs (no package manager in between).</summary>
internal sealed record MarathonLbAppSpec(
    string Name,
    string HaproxyGroup,
    int Instances,
    string Image,
    string MarathonUri,
    string? ServiceAccountSecret,
    string? SslCertificateSecret);

/// <summary>
/// marathon-lb as a plain Marathon app, for clusters where the package manager is not used: the
/// Docker image on the public agents' host network, bound to 80, 443 and 9090 (HAProxy's stats and
/// health check), watching Marathon's event stream for the apps of one HAProxy group. The service
/// account's login reaches it as DCOS_SERVICE_ACCOUNT_CREDENTIAL and the HAProxy pem as
/// HAPROXY_SSL_CERT, both from the secret store (marathon-lb writes the pem to /etc/ssl/cert.pem at start).
/// </summary>
internal static class MarathonLbApp
{
    internal const string DefaultImage = "mesosphere/marathon-lb:v1.15.0";
    internal const string DefaultMarathonUri = "http://marathon.mesos:8080";
    private const string CredentialKey = "serviceCredential";
    private const string PemKey = "haproxy-pem";

    internal static JsonObject Build(MarathonLbAppSpec spec)
    {
        var env = new JsonObject();
        var secrets = new JsonObject();
        if (spec.ServiceAccountSecret != null)
        {
            env["DCOS_SERVICE_ACCOUNT_CREDENTIAL"] = new JsonObject { ["secret"] = CredentialKey };
            secrets[CredentialKey] = new JsonObject { ["source"] = spec.ServiceAccountSecret };
        }
        if (spec.SslCertificateSecret != null)
        {
            env["HAPROXY_SSL_CERT"] = new JsonObject { ["secret"] = PemKey };
            secrets[PemKey] = new JsonObject { ["source"] = spec.SslCertificateSecret };
        }
        static JsonObject Port(int port, string name) => new() { ["port"] = port, ["protocol"] = "tcp", ["name"] = name };
        var app = new JsonObject
        {
            ["id"] = "/" + spec.Name,
            ["instances"] = spec.Instances,
            ["cpus"] = 2,
            ["mem"] = 1024,
            ["args"] = new JsonArray("sse", "-m", spec.MarathonUri, "--group", spec.HaproxyGroup, "--health-check"),
            ["container"] = new JsonObject
            {
                ["type"] = "DOCKER",
                ["docker"] = new JsonObject { ["image"] = spec.Image, ["privileged"] = true, ["forcePullImage"] = false },
            },
            ["networks"] = new JsonArray(new JsonObject { ["mode"] = "host" }),
            ["portDefinitions"] = new JsonArray(Port(80, "http"), Port(443, "https"), Port(9090, "stats")),
            ["requirePorts"] = true,
            ["acceptedResourceRoles"] = new JsonArray("slave_public"),
            // Fixed host ports: one instance per public agent (public agents carry public_ip:true).
            ["constraints"] = new JsonArray(new JsonArray("hostname", "UNIQUE"), new JsonArray("public_ip", "IS", "true")),
            ["healthChecks"] = new JsonArray(new JsonObject
            {
                ["protocol"] = "MESOS_HTTP",
                ["path"] = "/_haproxy_health_check",
                ["portIndex"] = 2,
                ["gracePeriodSeconds"] = 60,
                ["intervalSeconds"] = 5,
                ["timeoutSeconds"] = 2,
                ["maxConsecutiveFailures"] = 2,
            }),
            // Stop one before starting one: the ports are fixed, so a new instance cannot join the old on its agent.
            ["upgradeStrategy"] = new JsonObject { ["minimumHealthCapacity"] = 0.5, ["maximumOverCapacity"] = 0 },
            ["labels"] = new JsonObject { ["DCOS_SERVICE_NAME"] = spec.Name },
        };
        if (env.Count > 0) app["env"] = env;
        if (secrets.Count > 0) app["secrets"] = secrets;
        return app;
    }
}
