using DcosTls.Common;
using DcosTls.Marathon;

namespace DcosTls.Cmdlets;

/// <summary>
/// New-MarathonRegistryApp: the marathon-lb options (mlbint.json) and the registry app
/// (registry.json) from parameters, as valid JSON; with -Path / -MarathonLbOptionsPath it also
/// writes them to those files.
/// </summary>
[Cmdlet(VerbsCommon.New, "MarathonRegistryApp", SupportsShouldProcess = true)]
[OutputType(typeof(MarathonRegistryApp))]
public sealed class NewMarathonRegistryAppCommand : DcosCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)] public string AppId { get; set; } = RegistryAppSpec.Defaults.AppId;
    [Parameter(ValueFromPipelineByPropertyName = true)] public string MarathonLbName { get; set; } = RegistryAppSpec.Defaults.MarathonLbName;
    [Parameter(ValueFromPipelineByPropertyName = true)] public string HaproxyGroup { get; set; } = RegistryAppSpec.Defaults.HaproxyGroup;

    /// <summary>DC/OS Enterprise: the service-account secret marathon-lb logs in with.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? MarathonLbSecretName { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string Image { get; set; } = RegistryAppSpec.Defaults.Image;
    [Parameter(ValueFromPipelineByPropertyName = true)] public int ServicePort { get; set; } = RegistryAppSpec.Defaults.ServicePort;
    [Parameter(ValueFromPipelineByPropertyName = true)] public int ContainerPort { get; set; } = RegistryAppSpec.Defaults.ContainerPort;
    [Parameter(ValueFromPipelineByPropertyName = true)] public int HostPort { get; set; } = RegistryAppSpec.Defaults.HostPort;

    /// <summary>The private agent to pin the registry to (hostname LIKE constraint).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? Node { get; set; }

    /// <summary>URIs the Mesos fetcher puts in the sandbox (usually domain.crt and domain.key).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] public string[]? FetchUri { get; set; }

    /// <summary>HAPROXY_0_SSL_CERT: the combined PEM (Export-DcosCertificate -Format HaproxyPem) in marathon-lb's sandbox.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] public string SslCertificatePath { get; set; } = RegistryAppSpec.Defaults.SslCertificatePath;

    /// <summary>HAPROXY_0_VHOST.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? VirtualHost { get; set; }

    /// <summary>Host folder for the registry's storage (often an NFS mount).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? HostPath { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public double Cpus { get; set; } = RegistryAppSpec.Defaults.Cpus;
    [Parameter(ValueFromPipelineByPropertyName = true)] public int Memory { get; set; } = RegistryAppSpec.Defaults.Memory;
    [Parameter(ValueFromPipelineByPropertyName = true)] public int Instances { get; set; } = RegistryAppSpec.Defaults.Instances;

    /// <summary>Writes AppDefinition to this file (for `dcos marathon app add`), relative to the current location.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? Path { get; set; }

    /// <summary>Writes MarathonLbOptions to this file (for `dcos package install --options`).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? MarathonLbOptionsPath { get; set; }

    /// <summary>Replaces files that hold other content.</summary>
    [Parameter] public SwitchParameter Force { get; set; }

    // A bad option or a file in the way ends this app only; an option names the app.
    protected override bool EndsOnlyThisInput(DcosTlsException error) => error is RegistryAppSpecException or RegistryAppFileException;

    protected override object? TargetOf(DcosTlsException error) => error is RegistryAppSpecException ? AppId : null;

    protected override void Process()
    {
        var app = RegistryAppBuilder.Build(new RegistryAppSpec
        {
            AppId = AppId,
            MarathonLbName = MarathonLbName,
            HaproxyGroup = HaproxyGroup,
            MarathonLbSecretName = MarathonLbSecretName,
            Image = Image,
            ServicePort = ServicePort,
            ContainerPort = ContainerPort,
            HostPort = HostPort,
            Node = Node,
            FetchUris = FetchUri ?? Array.Empty<string>(),
            SslCertificatePath = SslCertificatePath,
            VirtualHost = VirtualHost,
            HostPath = HostPath,
            Cpus = Cpus,
            Memory = Memory,
            Instances = Instances,
        });
        if (Path != null || MarathonLbOptionsPath != null)
        {
            var files = new RegistryAppFiles((target, action) => ShouldProcess(target, action), Force);
            (app.Path, app.MarathonLbOptionsPath) = files.Write(app,
                ResolveOptionalPath(Path), ResolveOptionalPath(MarathonLbOptionsPath));
            // -WhatIf shows what would be written and emits no result.
            if (IsWhatIf()) return;
        }
        WriteObject(app);
    }
}
