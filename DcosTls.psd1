@{
    # The root manifest is the importable module once `dotnet build` (or ./build.ps1) has assembled
    # module/bin: `Import-Module ./DcosTls.psd1` loads module/bin/DcosTls.dll, whose private load
    # context loads module/bin/Dependencies. Help is read from en-US/ beside this file.
    RootModule           = 'module/bin/DcosTls.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f0c8a52-3d7e-4c1b-9a8e-2b5f1d4c7e90'
    Author               = 'DcosTls developers'
    CompanyName          = 'DcosTls'
    Copyright            = '(c) DcosTls developers. MIT License.'
    Description          = 'DC/OS cluster TLS from PowerShell: log in, get certificates from the DC/OS CA or a local CA, make Docker, Mesos and the OS trust a private registry, hand registry credentials to Docker and Mesos, and put the Docker daemon behind mutual TLS.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('module/DcosTls.Format.ps1xml', 'module/DcosTls.Trust.Format.ps1xml', 'module/DcosTls.Daemon.Format.ps1xml', 'module/DcosTls.Credentials.Format.ps1xml', 'module/DcosTls.Results.Format.ps1xml', 'module/DcosTls.Requests.Format.ps1xml', 'module/DcosTls.Lifecycle.Format.ps1xml', 'module/DcosTls.Fleet.Format.ps1xml', 'module/DcosTls.Acme.Format.ps1xml', 'module/DcosTls.Cluster.Format.ps1xml')
    TypesToProcess       = @('module/DcosTls.Types.ps1xml')
    CmdletsToExport      = @(
        'Connect-DcosCluster'
        'Disconnect-DcosCluster'
        'Get-DcosCaCertificate'
        'New-DcosCertificate'
        'New-TlsCertificateAuthority'
        'Export-DcosCertificate'
        'Import-DcosCertificate'
        'New-DcosCertificateRequest'
        'Import-DcosCertificateRequest'
        'Export-DcosCertificateRequest'
        # Registry trust
        'Get-DockerRegistryTrust'
        'Install-DockerRegistryTrust'
        'Test-DockerRegistryTrust'
        'Uninstall-DockerRegistryTrust'
        # Docker daemon TLS and the marathon-lb registry
        'Install-DockerClientCertificate'
        'New-MarathonRegistryApp'
        'Set-DockerDaemonTls'
        'Test-DockerDaemonTls'
        # Registry credentials
        'Import-DockerAuthConfig'
        'New-DockerAuthArchive'
        'New-DockerAuthConfig'
        'Set-MesosDockerConfig'
        'Get-DcosTlsCertificate'
        'Export-DcosTlsMetric'
        'Update-DockerDaemonCertificate'
        'Update-DockerClientCertificate'
        'Update-DcosCertificate'
        'Install-DcosTlsRenewalTimer'
        'Uninstall-DcosTlsRenewalTimer'
        # The fleet
        'Get-DcosAgent'
        'Invoke-DcosAgentProvisioning'
        'Get-DcosAcmeAccount'
        'New-DcosAcmeAccount'
        # The cluster side: Marathon apps, secrets, service accounts and permissions
        'Get-MarathonApp'
        'Set-MarathonApp'
        'Remove-MarathonApp'
        'Restart-MarathonApp'
        'Install-MarathonLb'
        'Get-DcosSecret'
        'Set-DcosSecret'
        'Remove-DcosSecret'
        'New-DcosServiceAccount'
        'Get-DcosServiceAccount'
        'Remove-DcosServiceAccount'
        'Grant-DcosPermission'
        'Revoke-DcosPermission'
        'Get-DcosPermission'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('DCOS', 'Mesos', 'Docker', 'TLS', 'Certificate', 'cfssl', 'Linux')
            ReleaseNotes = 'See README.md.'
        }
    }
}
