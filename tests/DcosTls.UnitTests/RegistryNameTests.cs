using DcosTls.Common;
using DcosTls.Credentials;
using Xunit;

namespace DcosTls.UnitTests;

public class RegistryNameTests
{
    [Theory]
    [InlineData("repo.internal:5000", "repo.internal", 5000)]
    [InlineData("repo.internal", "repo.internal", null)]
    [InlineData("Repo.Internal:05000", "Repo.Internal", 5000)]
    [InlineData("[::1]:5000", "::1", 5000)]
    [InlineData("10.0.0.1", "10.0.0.1", null)]
    public void Parses_host_and_port_keeping_the_text(string name, string host, int? port)
    {
        var parsed = RegistryName.Parse(name);
        Assert.Equal(name, parsed.Value);
        Assert.Equal(host, parsed.Host);
        Assert.Equal(port, parsed.Port);
        Assert.Equal(port ?? 443, parsed.EffectivePort);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("https://repo.internal", "scheme")]
    [InlineData("repo.internal/library", "path separator")]
    [InlineData("../etc", "'..'")]
    [InlineData("repo internal", "whitespace")]
    [InlineData("repo.internal:0", "invalid port")]
    [InlineData("repo.internal:65536", "invalid port")]
    [InlineData("a:b:c", "more than one ':'")]
    [InlineData("[10.0.0.1]:5000", "not an IPv6 address")]
    [InlineData("-repo.internal", "invalid host")]
    public void Refuses_names_that_cannot_be_a_folder_or_an_image_reference(string name, string reason)
    {
        var e = Assert.Throws<RegistryNameException>(() => RegistryName.Parse(name));
        Assert.Contains(reason, e.Message);
    }

    [Theory]
    [InlineData("user:hunter2@repo.internal:5000")]
    [InlineData("https://user:hunter2@repo.internal")]
    public void Never_quotes_a_password_given_before_an_at_sign(string name)
    {
        var e = Assert.Throws<RegistryNameException>(() => RegistryName.Parse(name));
        Assert.DoesNotContain("hunter2", e.Message);
        Assert.DoesNotContain("hunter2", e.Name ?? string.Empty);
        Assert.Contains("***@repo.internal", e.Message);
    }

    [Theory]
    [InlineData("repo.internal:5000", "repo.internal:5000", false)]
    [InlineData("https://Repo.Internal:5000/v2/", "repo.internal:5000", true)]
    [InlineData("docker.io", RegistryKey.DockerHub, true)]
    [InlineData("https://index.docker.io/v1/", RegistryKey.DockerHub, false)]
    [InlineData("registry-1.docker.io:443", RegistryKey.DockerHub, true)]
    public void Config_json_keys_are_bare_host_and_port_except_docker_hub(string input, string key, bool changed)
    {
        Assert.Equal(key, RegistryKey.Normalize(input, out bool normalised));
        Assert.Equal(changed, normalised);
    }

    [Theory]
    [InlineData("ftp://repo.internal")]
    [InlineData("repo.internal/../x")]
    [InlineData("user:pw@repo.internal")]
    [InlineData("  ")]
    public void Config_json_keys_refuse_what_mesos_would_never_match(string input)
    {
        var e = Assert.Throws<RegistryKeyException>(() => RegistryKey.Normalize(input));
        Assert.DoesNotContain("pw@", e.Message);
    }
}
