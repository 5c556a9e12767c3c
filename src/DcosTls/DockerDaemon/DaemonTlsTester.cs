using DcosTls.Certificates;
using DcosTls.Files;

namespace DcosTls.DockerDaemon;

/// <summary>What Test-DockerDaemonTls was asked to check.</summary>
internal sealed class DaemonTlsTestRequest
{
    /// <summary>The daemon to connect to; null = the file checks only.</summary>
    internal DockerHostAddress? Address { get; init; }

    /// <summary>The CA to verify the daemon with online; null = the daemon.json tlscacert file.</summary>
    internal DcosCertificate? CaCertificate { get; init; }

    /// <summary>Presented to the daemon (with its key); null = none.</summary>
    internal DcosCertificate? ClientCertificate { get; init; }
}

/// <summary>
/// Proves an agent's Docker daemon TLS is valid, read-only: daemon.json and the files it names
/// (read under the staging root, never written), then optionally a real handshake and
/// GET /version. Trust anchors are only the daemon's CA (CustomRootTrust), never the machine's.
/// A check whose input could not be read (e.g. no tlscert) is left out; the check that could not
/// read it has failed already.
/// </summary>
internal sealed class DaemonTlsTester
{
    internal const string DaemonConfigPath = "/etc/docker/daemon.json";

    /// <summary>Fewer days left than this passes, with a warning: renewals take time to roll out.</summary>
    internal const int ExpiryWarningDays = 30;

    private readonly AgentRoot _files;
    private readonly TimeSpan _timeout;
    private readonly List<DockerDaemonTlsCheck> _checks = new();

    internal DaemonTlsTester(AgentRoot root, TimeSpan timeout)
    {
        // A writer whose every write is declined: this class only maps and reads agent paths.
        _files = root;
        _timeout = timeout;
    }

    /// <summary>Soon-to-expire certificates: passed checks the user should still hear about.</summary>
    internal List<string> Warnings { get; } = new();

    internal IReadOnlyList<DockerDaemonTlsCheck> Test(DaemonTlsTestRequest request)
    {
        _checks.Clear();
        Warnings.Clear();
        var config = CheckDaemonConfig();
        X509Certificate2[]? caFile = null;
        if (config != null)
        {
            CheckTlsVerify(config);
            var files = CheckTlsFiles(config);
            caFile = files.Ca;
            CheckServerCertificate(config, files.Ca, files.Server, files.ServerChain);
            if (files.Server != null && files.Key != null) CheckKeyMatch(files.Server, files.Key);
            if (files.KeyPath != null) CheckKeyPermissions(files.KeyPath);
            files.Key?.Dispose();
        }
        if (request.Address != null)
        {
            var anchors = request.CaCertificate != null ? new[] { request.CaCertificate.Certificate } : caFile;
            CheckConnection(request.Address, anchors, request.CaCertificate != null ? "-CaCertificate" : "tlscacert", request.ClientCertificate);
        }
        return _checks.ToList();
    }

    private void Add(DaemonTlsCheckName check, bool passed, string detail, System.Management.Automation.ErrorCategory? category = null)
        => _checks.Add(new DockerDaemonTlsCheck(check, passed, detail, category));

    // ---- daemon.json --------------------------------------------------------------------------

    private JsonObject? CheckDaemonConfig()
    {
        string full = _files.Map(DaemonConfigPath);
        if (!File.Exists(full))
        {
            Add(DaemonTlsCheckName.DaemonConfig, false, $"{DaemonConfigPath} does not exist ({full}). Run Set-DockerDaemonTls.",
                System.Management.Automation.ErrorCategory.ObjectNotFound);
            return null;
        }
        try
        {
            byte[] bytes = File.ReadAllBytes(full);
            if (Encoding.UTF8.GetString(bytes).Trim().Length == 0)
            {
                Add(DaemonTlsCheckName.DaemonConfig, false, $"{DaemonConfigPath} is empty. Run Set-DockerDaemonTls.");
                return null;
            }
            var config = DaemonJson.Parse(bytes, full);
            Add(DaemonTlsCheckName.DaemonConfig, true, $"{DaemonConfigPath} is a JSON object.");
            return config;
        }
        catch (DockerTlsException e)
        {
            Add(DaemonTlsCheckName.DaemonConfig, false, e.Message.Replace(" then run again; nothing was written.", " then run Set-DockerDaemonTls."));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Add(DaemonTlsCheckName.DaemonConfig, false, $"{DaemonConfigPath} cannot be read: {e.Message}");
        }
        return null;
    }

    private void CheckTlsVerify(JsonObject config)
    {
        var node = config["tlsverify"];
        if (node?.GetValueKind() == JsonValueKind.True)
            Add(DaemonTlsCheckName.TlsVerify, true, "\"tlsverify\" is true: only clients with a certificate from tlscacert are accepted.");
        else
            Add(DaemonTlsCheckName.TlsVerify, false,
                $"\"tlsverify\" is {(node == null ? "not set" : node.ToJsonString())}, so any client that can connect controls Docker. Run Set-DockerDaemonTls without -SkipClientVerification.");
    }

    private sealed class TlsFileSet
    {
        internal X509Certificate2[]? Ca;
        internal X509Certificate2? Server;
        internal X509Certificate2[] ServerChain = Array.Empty<X509Certificate2>();
        internal AsymmetricAlgorithm? Key;
        internal string? KeyPath;
    }

    private TlsFileSet CheckTlsFiles(JsonObject config)
    {
        var set = new TlsFileSet();
        var problems = new List<string>();
        var found = new List<string>();

        string? ReadSetting(string key)
        {
            var node = config[key];
            if (node?.GetValueKind() != JsonValueKind.String || string.IsNullOrWhiteSpace(node.GetValue<string>()))
            {
                problems.Add($"\"{key}\" is not set");
                return null;
            }
            string agentPath = node.GetValue<string>();
            if (!agentPath.StartsWith('/'))
            {
                problems.Add($"\"{key}\" '{agentPath}' is not an absolute path");
                return null;
            }
            string full;
            try { full = _files.Map(agentPath); }
            catch (Exception e) when (e is ArgumentException or Files.PathOutsideRootException) { problems.Add($"\"{key}\" '{agentPath}' leaves the root"); return null; }
            if (!File.Exists(full))
            {
                problems.Add($"\"{key}\" {agentPath} does not exist");
                return null;
            }
            try
            {
                string text = File.ReadAllText(full);
                found.Add(agentPath);
                return text;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add($"\"{key}\" {agentPath} cannot be read ({e.Message})");
                return null;
            }
        }

        X509Certificate2[]? Certificates(string key, string? text)
        {
            if (text == null) return null;
            try
            {
                var certs = PemBlock.ReadCertificates(text).ToArray();
                if (certs.Length > 0) return certs;
            }
            catch (Exception e) when (e is CryptographicException or InvalidDataException) { }
            problems.Add($"\"{key}\" {config[key]!.GetValue<string>()} holds no PEM certificate");
            return null;
        }

        set.Ca = Certificates("tlscacert", ReadSetting("tlscacert"));
        var server = Certificates("tlscert", ReadSetting("tlscert"));
        if (server != null)
        {
            set.Server = server[0];
            set.ServerChain = server[1..];
        }
        string? keyText = ReadSetting("tlskey");
        if (keyText != null)
        {
            set.KeyPath = _files.Map(config["tlskey"]!.GetValue<string>());
            try
            {
                var block = PemBlock.ReadAll(keyText).FirstOrDefault(PrivateKeyReader.IsKey);
                if (block == null) problems.Add($"\"tlskey\" {config["tlskey"]!.GetValue<string>()} holds no PEM private key");
                else set.Key = PrivateKeyReader.Read(block, ReadOnlySpan<char>.Empty, hasPassword: false);
            }
            catch (KeyPasswordException)
            {
                problems.Add($"\"tlskey\" {config["tlskey"]!.GetValue<string>()} is encrypted, and dockerd cannot read an encrypted key");
            }
            catch (Exception e) when (e is CryptographicException or InvalidDataException)
            {
                problems.Add($"\"tlskey\" {config["tlskey"]!.GetValue<string>()} holds a private key that cannot be read");
            }
        }
        if (problems.Count == 0)
            Add(DaemonTlsCheckName.TlsFiles, true, "tlscacert, tlscert and tlskey exist: " + string.Join(", ", found) + ".");
        else
            Add(DaemonTlsCheckName.TlsFiles, false, string.Join("; ", problems) + ". Run Set-DockerDaemonTls.");
        return set;
    }

    // ---- the server certificate ---------------------------------------------------------------

    private void CheckServerCertificate(JsonObject config, X509Certificate2[]? ca, X509Certificate2? server, X509Certificate2[] serverChain)
    {
        if (server == null) return;
        var leaf = new DcosCertificate(server);
        X509Certificate2[]? path = null;
        if (ca != null)
        {
            // Dates are the Validity check's concern: here only the signatures and the anchor.
            using var chain = AnchoredChain.Create(ca, serverChain, X509VerificationFlags.IgnoreNotTimeValid | X509VerificationFlags.IgnoreNotTimeNested);
            bool built = chain.Build(server);
            if (built)
            {
                path = chain.ChainElements.Select(e => e.Certificate).ToArray();
                var anchor = path[^1];
                Add(DaemonTlsCheckName.ServerChain, true, $"'{leaf.CommonName}' chains to '{anchor.GetNameInfo(X509NameType.SimpleName, false)}' from tlscacert.");
            }
            else
            {
                string why = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
                Add(DaemonTlsCheckName.ServerChain, false,
                    $"'{leaf.CommonName}' (issued by '{leaf.Issuer}') does not chain to the CA in tlscacert ({string.Join(", ", ca.Select(c => "'" + c.Subject + "'"))}): {why}." +
                    IssuerKeyMismatch.Explain(server, ca) +
                    " Clients trusting that CA refuse the daemon; issue the server certificate from it and run Set-DockerDaemonTls.");
            }
        }

        if (leaf.ExtendedKeyUsages.Contains("serverAuth"))
            Add(DaemonTlsCheckName.ServerAuth, true, $"'{leaf.CommonName}' has extended key usage serverAuth.");
        else if (leaf.ExtendedKeyUsages.Count == 0)
            Add(DaemonTlsCheckName.ServerAuth, true, $"'{leaf.CommonName}' has no extended key usage extension, so it is valid for any use (serverAuth included).");
        else
            Add(DaemonTlsCheckName.ServerAuth, false,
                $"'{leaf.CommonName}' has extended key usage [{string.Join(", ", leaf.ExtendedKeyUsages)}] without serverAuth: clients refuse it as a server. Issue it with New-DcosCertificate -Usage Server.");

        CheckValidity(leaf, path);
        CheckHostNames(config, leaf);
    }

    private void CheckValidity(DcosCertificate leaf, X509Certificate2[]? path)
    {
        var now = DateTime.UtcNow;
        if (leaf.NotBefore > now)
        {
            Add(DaemonTlsCheckName.Validity, false, $"'{leaf.CommonName}' is valid only from {leaf.NotBefore:yyyy-MM-dd HH:mm} UTC. Check the clock.");
            return;
        }
        if (leaf.NotAfter <= now)
        {
            Add(DaemonTlsCheckName.Validity, false, $"'{leaf.CommonName}' expired on {leaf.NotAfter:yyyy-MM-dd HH:mm} UTC. Issue a new one and run Set-DockerDaemonTls.");
            return;
        }
        // The CA (and intermediates) must be in their period too, or no client accepts the chain.
        foreach (var issuer in (path ?? Array.Empty<X509Certificate2>()).Skip(1))
        {
            if (issuer.NotAfter.ToUniversalTime() <= now || issuer.NotBefore.ToUniversalTime() > now)
            {
                Add(DaemonTlsCheckName.Validity, false,
                    $"'{issuer.Subject}' in the chain of '{leaf.CommonName}' is valid only {issuer.NotBefore.ToUniversalTime():yyyy-MM-dd} to {issuer.NotAfter.ToUniversalTime():yyyy-MM-dd} UTC. Renew the CA and the certificates it issued.");
                return;
            }
        }
        string detail = $"'{leaf.CommonName}' is valid until {leaf.NotAfter:yyyy-MM-dd HH:mm} UTC ({leaf.DaysLeft} days left).";
        if (leaf.DaysLeft < ExpiryWarningDays)
        {
            detail += $" Less than {ExpiryWarningDays} days: renew it now.";
            Warnings.Add($"The Docker daemon's certificate '{leaf.CommonName}' expires on {leaf.NotAfter:yyyy-MM-dd} ({leaf.DaysLeft} days left). Issue a new one and run Set-DockerDaemonTls.");
        }
        Add(DaemonTlsCheckName.Validity, true, detail);
    }

    private void CheckHostNames(JsonObject config, DcosCertificate leaf)
    {
        var missing = new List<string>();
        var covered = new List<string>();
        foreach (string text in DaemonJson.Hosts(config))
        {
            var host = DockerHostAddress.TryParse(text, out string? problem);
            if (host == null)
            {
                missing.Add($"'{text}' is not a valid host ({problem})");
                continue;
            }
            if (host.Kind != DockerHostKind.Tcp || host.IsAnyInterface) continue;
            bool ok = host.IPAddress is { } ip
                ? leaf.IPAddresses.Any(a => System.Net.IPAddress.Parse(a).Equals(ip))
                : leaf.DnsNames.Any(d => DockerCertificateCheck.DnsNameMatches(d, host.Host));
            if (ok) covered.Add(host.Text);
            else missing.Add($"'{host.Text}' needs {(host.IPAddress != null ? "an IP" : "a DNS")} SAN {host.Host}");
        }
        string sans = string.Join(", ", leaf.DnsNames.Select(d => "DNS:" + d).Concat(leaf.IPAddresses.Select(i => "IP:" + i)));
        if (sans.Length == 0) sans = "none";
        if (missing.Count > 0)
            Add(DaemonTlsCheckName.HostNames, false,
                $"{string.Join("; ", missing)} (the certificate has {sans}); docker --tlsverify would fail with 'certificate is valid for ...'. Issue it again with -IPAddress/-DnsName and run Set-DockerDaemonTls.");
        else if (covered.Count == 0)
            Add(DaemonTlsCheckName.HostNames, true, "\"hosts\" has no tcp:// host with a specific address to check (SANs: " + sans + ").");
        else
            Add(DaemonTlsCheckName.HostNames, true, $"{string.Join(", ", covered)} covered by the certificate's SANs ({sans}).");
    }

    private void CheckKeyMatch(X509Certificate2 server, AsymmetricAlgorithm key)
    {
        if (PrivateKeyReader.Matches(server, key))
            Add(DaemonTlsCheckName.KeyMatch, true, "tlskey is the private key of tlscert.");
        else
            Add(DaemonTlsCheckName.KeyMatch, false,
                "tlskey is not the private key of tlscert, so dockerd cannot start its TLS listener. Install the pair together with Set-DockerDaemonTls.");
    }

    private void CheckKeyPermissions(string keyFile)
    {
        var mode = File.GetUnixFileMode(keyFile);
        const UnixFileMode groupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        string octal = Convert.ToString((int)mode, 8).PadLeft(4, '0');
        if ((mode & groupOrOther) == 0)
            Add(DaemonTlsCheckName.KeyPermissions, true, $"tlskey has mode {octal}.");
        else
            Add(DaemonTlsCheckName.KeyPermissions, false,
                $"tlskey {keyFile} has mode {octal}: group or others can reach the daemon's private key. It must be 0600; run Set-DockerDaemonTls (or chmod 600 it).");
    }

    // ---- the running daemon -------------------------------------------------------------------

    private void CheckConnection(DockerHostAddress address, X509Certificate2[]? anchors, string anchorSource, DcosCertificate? client)
    {
        string target = address.Host.Contains(':') ? $"[{address.Host}]:{address.Port}" : $"{address.Host}:{address.Port}";
        if (anchors == null || anchors.Length == 0)
        {
            Add(DaemonTlsCheckName.Handshake, false, $"No CA to verify {target} with: give -CaCertificate, or fix tlscacert in {DaemonConfigPath}.");
            return;
        }
        string hostHeader = (address.Host.Contains(':') ? $"[{address.Host}]" : address.Host) + $":{address.Port}";
        var probe = TlsProbe.Get(address.Host, address.Port, address.Host, hostHeader, "/version", anchors, client, _timeout);
        string noClientHint = client == null
            ? " No client certificate was presented (-ClientCertificate), and a daemon with tlsverify requires one."
            : string.Empty;
        switch (probe.Outcome)
        {
            case TlsProbeOutcome.Unreachable:
                Add(DaemonTlsCheckName.Handshake, false, $"Could not connect to {target}: {probe.Error}", System.Management.Automation.ErrorCategory.ConnectionError);
                return;
            case TlsProbeOutcome.NoCertificate:
                Add(DaemonTlsCheckName.Handshake, false, $"The daemon at {target} is not trusted: the daemon sent no certificate.");
                return;
            case TlsProbeOutcome.Expired or TlsProbeOutcome.Untrusted:
                Add(DaemonTlsCheckName.Handshake, false,
                    $"The daemon at {target} is not trusted: '{probe.ServerSubject}' (issued by '{probe.ServerIssuer}') does not verify against {anchorSource}: {probe.ChainProblem}.");
                return;
            case TlsProbeOutcome.NameMismatch:
                Add(DaemonTlsCheckName.Handshake, false,
                    $"The daemon at {target} is not trusted: '{probe.ServerSubject}' is trusted but not valid for '{address.Host}': it needs that name or IP among its SANs.");
                return;
            case TlsProbeOutcome.HandshakeFailed:
                Add(DaemonTlsCheckName.Handshake, false, $"The TLS handshake with {target} failed: {probe.InnermostError}." + noClientHint);
                return;
            case TlsProbeOutcome.ClosedAfterHandshake:
                // With TLS 1.3 the client's side of the handshake ends before the daemon has checked
                // the client certificate: a refusal arrives as an alert (or a reset) on first use.
                Add(DaemonTlsCheckName.Handshake, false,
                    $"{target} closed the connection right after the TLS handshake: it refused the client{(client != null ? $" certificate '{client.CommonName}'" : " without a certificate")} ({probe.InnermostError})." +
                    (client == null ? noClientHint : " A daemon with tlsverify accepts only client certificates issued by its tlscacert CA, with clientAuth."));
                return;
        }
        Add(DaemonTlsCheckName.Handshake, true, $"{target} verified against {anchorSource} ({probe.Protocol})" +
            (client != null ? $", client certificate '{client.CommonName}' accepted." : ", no client certificate needed."));
        if (probe.Outcome == TlsProbeOutcome.NoAnswer)
        {
            Add(DaemonTlsCheckName.VersionRequest, false, $"GET /version got no answer within {_timeout.TotalSeconds:0} s: is {target} a Docker daemon?");
            return;
        }

        string statusLine = probe.StatusLine;
        if (probe.StatusCode == 200)
        {
            var version = Regex.Match(probe.Response, "\"Version\"\\s*:\\s*\"(?<v>[^\"]+)\"");
            Add(DaemonTlsCheckName.VersionRequest, true,
                $"GET /version answered 200{(version.Success ? $" (Docker {version.Groups["v"].Value})" : string.Empty)}.");
        }
        else
        {
            Add(DaemonTlsCheckName.VersionRequest, false,
                statusLine.Length == 0
                    ? $"GET /version got no answer: {target} closed the connection. Is it a Docker daemon?"
                    : $"GET /version answered '{statusLine}', not 200: is {target} a Docker daemon?");
        }
    }
}
