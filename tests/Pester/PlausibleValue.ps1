<#
    New-PlausibleValue: a value for a cmdlet parameter that its binder accepts. Dot-source in a
    BeforeAll that defines $TestDrive-based values: $password, $credential, $ca, $leaf, $request,
    $login and $row (an inventory row) are read from the caller's scope.
#>
# A value of the parameter's type that passes its validation attributes: the binder, not the
# cmdlet, is under test, so anything it accepts will do. Nothing named here answers slowly:
# 127.0.0.1 port 1 refuses at once.
function New-PlausibleValue([System.Management.Automation.ParameterMetadata] $Parameter) {
    $type = $Parameter.ParameterType
    $element = if ($type.IsArray) { $type.GetElementType() } else { $type }
    $element = [Nullable]::GetUnderlyingType($element) ?? $element
    $set = $Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | Select-Object -First 1
    $range = $Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateRangeAttribute] } | Select-Object -First 1
    $name = $Parameter.Name
    $value = switch ($element) {
        ([System.Management.Automation.SwitchParameter]) { [switch]$true; break }
        ([string]) {
            if ($set) { $set.ValidValues[0] }
            elseif ($name -match 'Registry') { '127.0.0.1:1' }
            elseif ($name -match 'Path|Root|Directory|File|SkipIfValid|AsConfigYaml') { Join-Path $TestDrive $name }
            elseif ($name -match 'Host') { 'tcp://127.0.0.1:1' }
            elseif ($name -match 'Address|Node|DnsServer') { '127.0.0.1' }
            elseif ($name -match 'Pem') { '-----BEGIN CERTIFICATE-----' }
            elseif ($name -eq 'Contact') { 'ops@example.com' }
            else { 'syntax.internal' }
            break
        }
        ([uri]) { [uri]'https://127.0.0.1:1/'; break }
        ([int]) { if ($range) { [int]$range.MinRange } else { 1 }; break }
        ([double]) { 1.0; break }
        ([timespan]) { [timespan]::FromMinutes(1); break }
        ([hashtable]) { @{}; break }
        ([securestring]) { $password; break }
        ([pscredential]) { $credential; break }
        ([psobject]) { if ($name -match 'Agent') { '127.0.0.1' } else { $ca }; break }
        ([DcosTls.Certificates.DcosCertificate]) { if ($name -match 'Ca|Issuer') { $ca } else { $leaf }; break }
        ([DcosTls.Requests.DcosCertificateRequest]) { $request; break }
        ([DcosTls.Credentials.DockerRegistryCredential]) { $login; break }
        ([DcosTls.Lifecycle.AgentCertificate]) { $row; break }
        ([DcosTls.Marathon.MarathonRegistryApp]) { New-MarathonRegistryApp; break }
        default {
            if ($element.IsEnum) { [Enum]::GetValues($element)[0] }
            else { throw "No plausible value for -$name of type $($type.FullName): add one to New-PlausibleValue." }
        }
    }
    if ($type.IsArray) { , @($value) } else { $value }
}
