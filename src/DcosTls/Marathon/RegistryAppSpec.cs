using DcosTls.Common;

namespace DcosTls.Marathon;

/// <summary>The parameters of a private registry behind an internal marathon-lb (its values are the defaults).</summary>
internal sealed class RegistryAppSpec
{
    /// <summary>The defaults, which New-MarathonRegistryApp's parameters start from.</summary>
    internal static readonly RegistryAppSpec Defaults = new();

    internal string AppId { get; init; } = "/shared/registry";
    internal string MarathonLbName { get; init; } = "shared/mlbint";
    internal string HaproxyGroup { get; init; } = "internal";
    internal string? MarathonLbSecretName { get; init; }
    internal string Image { get; init; } = "registry:2";
    internal int ServicePort { get; init; } = 10050;
    internal int ContainerPort { get; init; } = 5000;
    internal int HostPort { get; init; } = 5000;
    internal string? Node { get; init; }
    internal IReadOnlyList<string> FetchUris { get; init; } = Array.Empty<string>();
    internal string SslCertificatePath { get; init; } = "/mnt/mesos/sandbox/registry.pem";
    internal string? VirtualHost { get; init; }
    internal string? HostPath { get; init; }
    internal string StoragePath { get; init; } = "/var/lib/registry";
    internal double Cpus { get; init; } = 0.2;
    internal int Memory { get; init; } = 256;
    internal int Instances { get; init; } = 1;
}

/// <summary>A registry app parameter that Marathon or marathon-lb would refuse, naming the parameter.</summary>
internal sealed class RegistryAppSpecException : DcosTlsException
{
    internal RegistryAppSpecException(string parameter, string message)
        : base("InvalidRegistryApp," + parameter, ErrorCategory.InvalidArgument, message) => Parameter = parameter;

    internal string Parameter { get; }
}
