using System.Text.Json.Nodes;
using DcosTls.Tests.Infrastructure;
using Xunit;

namespace DcosTls.Tests.Marathon;

/// <summary>New-MarathonRegistryApp: the marathon-lb and registry app definitions, as valid JSON.</summary>
public class MarathonRegistryAppTests
{
    [Fact]
    public void Emits_marathon_lb_options_and_the_registry_app()
    {
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        var r = ps.Run(@"
            New-MarathonRegistryApp -AppId /shared/registry -MarathonLbName shared/mlbint -HaproxyGroup internal -MarathonLbSecretName mlb-secret `
                -Image registry:2.5.1 -ServicePort 10050 -Node 10.0.0.21 -VirtualHost 10.0.0.21 -HostPath /mnt/nfs/registry `
                -FetchUri 'http://10.0.0.1:8085/domain.crt','http://10.0.0.1:8085/domain.key'").ThrowOnError();
        var app = r.Output.Single();
        string lbText = (string)app.Properties["MarathonLbOptions"].Value;
        string appText = (string)app.Properties["AppDefinition"].Value;
        // A second, independent parser agrees that both are JSON.
        File.WriteAllText(dir["mlbint.json"], lbText);
        File.WriteAllText(dir["registry.json"], appText);
        Assert.Equal(0, Tool.Run("python3", "-m", "json.tool", dir["mlbint.json"]).ExitCode);
        Assert.Equal(0, Tool.Run("python3", "-m", "json.tool", dir["registry.json"]).ExitCode);

        var lb = JsonNode.Parse(lbText)!["marathon-lb"]!;
        Assert.Equal("shared/mlbint", (string)lb["name"]!);
        Assert.False((bool)lb["bind-http-https"]!);
        Assert.Equal("internal", (string)lb["haproxy-group"]!);
        Assert.Equal("mlb-secret", (string)lb["secret_name"]!);

        var a = JsonNode.Parse(appText)!;
        Assert.Equal("/shared/registry", (string)a["id"]!);
        Assert.Equal("internal", (string)a["labels"]!["HAPROXY_GROUP"]!);
        Assert.Equal("/mnt/mesos/sandbox/registry.pem", (string)a["labels"]!["HAPROXY_0_SSL_CERT"]!);
        Assert.Equal("false", (string)a["labels"]!["HAPROXY_0_BACKEND_REDIRECT_HTTP_TO_HTTPS"]!);
        Assert.Equal("10.0.0.21", (string)a["labels"]!["HAPROXY_0_VHOST"]!);
        Assert.Equal(new[] { "http://10.0.0.1:8085/domain.crt", "http://10.0.0.1:8085/domain.key" }, a["fetch"]!.AsArray().Select(f => (string)f!["uri"]!));
        Assert.All(a["fetch"]!.AsArray(), f => Assert.False((bool)f!["cache"]!));
        Assert.Equal("[[\"hostname\",\"LIKE\",\"10.0.0.21\"]]", a["constraints"]!.ToJsonString());
        var volume = a["container"]!["volumes"]![0]!;
        Assert.Equal("/var/lib/registry", (string)volume["containerPath"]!);
        Assert.Equal("/mnt/nfs/registry", (string)volume["hostPath"]!);
        var docker = a["container"]!["docker"]!;
        Assert.Equal("registry:2.5.1", (string)docker["image"]!);
        var mapping = docker["portMappings"]![0]!;
        Assert.Equal(5000, (int)mapping["containerPort"]!);
        Assert.Equal(10050, (int)mapping["servicePort"]!);
        Assert.Equal("/registry:5000", (string)mapping["labels"]!["VIP_0"]!);
        Assert.Equal(10050, (int)a["portDefinitions"]![0]!["port"]!);
        Assert.True((bool)a["requirePorts"]!);
        var health = a["healthChecks"]![0]!;
        Assert.Equal("TCP", (string)health["protocol"]!);
        Assert.Equal(300, (int)health["gracePeriodSeconds"]!);
        Assert.Equal(3, (int)health["maxConsecutiveFailures"]!);
    }

    [Fact]
    public void Values_with_quotes_and_backslashes_stay_valid_JSON_and_optional_parts_are_left_out()
    {
        using var ps = new Pwsh();
        var r = ps.Run("New-MarathonRegistryApp -MarathonLbSecretName 'mlb\"secret\\x' -FetchUri 'https://boot.example/a b\"c.crt'").ThrowOnError();
        var app = r.Output.Single();
        var lb = JsonNode.Parse((string)app.Properties["MarathonLbOptions"].Value)!;
        Assert.Equal("mlb\"secret\\x", (string)lb["marathon-lb"]!["secret_name"]!);
        var a = JsonNode.Parse((string)app.Properties["AppDefinition"].Value)!;
        Assert.Equal("https://boot.example/a b\"c.crt", (string)a["fetch"]![0]!["uri"]!);
        Assert.Empty(a["constraints"]!.AsArray());
        Assert.Empty(a["container"]!["volumes"]!.AsArray());
        Assert.Null(a["labels"]!["HAPROXY_0_VHOST"]);
        var noSecret = JsonNode.Parse((string)ps.Run("(New-MarathonRegistryApp).MarathonLbOptions").ThrowOnError().Value!)!;
        Assert.Null(noSecret["marathon-lb"]!["secret_name"]);
    }

    [Fact]
    public void Bad_parameters_are_reported_with_the_parameter_at_fault()
    {
        using var ps = new Pwsh();
        foreach (var (args, parameter) in new[]
                 {
                     ("-AppId Shared/Registry", "AppId"),
                     ("-AppId /shared/../registry", "AppId"),
                     ("-MarathonLbName /shared/mlbint", "MarathonLbName"),
                     ("-ServicePort 70000", "ServicePort"),
                     ("-Node 'bad host'", "Node"),
                     ("-FetchUri 'ftp://x/domain.crt'", "FetchUri"),
                     ("-SslCertificatePath relative/registry.pem", "SslCertificatePath"),
                     ("-Image 'registry 2'", "Image"),
                 })
        {
            var r = ps.Run("New-MarathonRegistryApp " + args);
            var e = Assert.Single(r.AllErrors);
            Assert.Equal($"InvalidRegistryApp,{parameter},DcosTls.Cmdlets.NewMarathonRegistryAppCommand", e.FullyQualifiedErrorId);
            Assert.Empty(r.Output);
        }
    }

    [Fact]
    public void Rows_bind_by_property_name()
    {
        using var ps = new Pwsh();
        var r = ps.Run("@([pscustomobject]@{ AppId = '/a/registry'; ServicePort = 10051 }, [pscustomobject]@{ AppId = '/b/registry'; ServicePort = 10052 }) | New-MarathonRegistryApp | ForEach-Object { '{0} {1}' -f $_.AppId, $_.ServicePort }").ThrowOnError();
        Assert.Equal(new[] { "/a/registry 10051", "/b/registry 10052" }, r.Output.Select(o => o.ToString()));
    }
}
