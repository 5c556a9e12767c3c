using DcosTls.Common;

namespace DcosTls.Credentials;

/// <summary>A docker config that cannot be used; the message says what to do and never quotes an auth string.</summary>
internal sealed class DockerConfigException : DcosTlsException
{
    internal DockerConfigException(string errorId, ErrorCategory category, string message) : base(errorId, category, message) { }
}

/// <summary>One auths entry read from a file: a usable credential, or why it is not one.</summary>
internal sealed record ConfigEntry(string Registry, DockerRegistryCredential? Credential, string? ErrorId, string? Message, bool Repaired);

/// <summary>
/// A docker config.json ({"auths":{...}}), as Docker, skopeo and Mesos read it. Keys are kept
/// as bare host[:port]; other top-level settings of an existing file are kept as they are.
/// </summary>
internal sealed class DockerConfigDocument
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly JsonObject _root;

    private DockerConfigDocument(JsonObject root) => _root = root;

    internal static DockerConfigDocument Empty() => new(new JsonObject { ["auths"] = new JsonObject() });

    /// <summary>Parses a config; anything that is not a JSON object with an object "auths" is refused.</summary>
    /// <param name="remedy">What the caller can do about a bad file, appended to the message.</param>
    internal static DockerConfigDocument Parse(string text, string source, string remedy)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new DockerConfigException("DockerConfigEmpty", ErrorCategory.InvalidData,
                $"'{source}' is empty; an empty docker config stops the Mesos agent from starting. {remedy}");
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException)
        {
            // Deliberately without the parser's message: it can quote the text around the error.
            throw new DockerConfigException("DockerConfigNotJson", ErrorCategory.InvalidData,
                $"'{source}' is not valid JSON, so Docker and Mesos cannot read it either. {remedy}");
        }
        if (Common.JsonDuplicateKeys.Find(System.Text.Encoding.UTF8.GetBytes(text)) is { } duplicate)
            throw new DockerConfigException("DockerConfigDuplicateKey", ErrorCategory.InvalidData,
                $"'{source}' gives the key '{Common.RegistryName.Redact(duplicate)}' twice; Docker keeps the last one, other readers the first. Keep one. {remedy}");
        if (node is not JsonObject root)
            throw new DockerConfigException("DockerConfigNotObject", ErrorCategory.InvalidData,
                $"'{source}' is JSON but not an object like {{\"auths\":{{...}}}}. {remedy}");
        if (root["auths"] is null)
        {
            root["auths"] = new JsonObject();
        }
        else if (root["auths"] is not JsonObject)
        {
            throw new DockerConfigException("DockerConfigAuthsNotObject", ErrorCategory.InvalidData,
                $"In '{source}', \"auths\" is not an object. {remedy}");
        }
        return new DockerConfigDocument(root);
    }

    private JsonObject Auths => (JsonObject)_root["auths"]!;

    internal IReadOnlyList<string> Registries => Auths.Select(p => p.Key).ToList();

    /// <summary>credsStore / credHelpers: settings that agents cannot use (no helper binaries there).</summary>
    internal bool UsesHelpers => _root["credsStore"] != null || _root["credHelpers"] != null;

    /// <summary>Every auths entry (and every credHelpers registry), each a credential or a reason.</summary>
    internal IEnumerable<ConfigEntry> ReadEntries(string source, bool repair)
    {
        string? store = _root["credsStore"] is JsonValue s && s.TryGetValue<string>(out var st) ? st : null;
        var helpers = _root["credHelpers"] as JsonObject;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        // The first key and auth for each registry: a second key for it ('repo:5000' and
        // 'https://repo:5000/v2/') with another login would have one of them dropped unseen.
        var first = new Dictionary<string, (string Key, string? Auth)>(StringComparer.Ordinal);
        foreach (var (rawKey, value) in Auths.ToList())
        {
            string registry;
            string? keyError = null;
            try
            {
                registry = RegistryKey.Normalize(rawKey);
            }
            catch (RegistryKeyException e)
            {
                registry = rawKey;
                keyError = e.Message;
            }
            if (keyError != null)
            {
                yield return new ConfigEntry(rawKey, null, "InvalidRegistryKey", $"In '{source}': {keyError}", false);
                continue;
            }
            seen.Add(registry);
            string? auth = value is JsonObject o && o["auth"] is JsonValue a && a.TryGetValue<string>(out var text) ? text : null;
            if (first.TryGetValue(registry, out var earlier))
            {
                // The same login under two spellings is harmless: writing it back keeps one key.
                if (earlier.Auth != null && earlier.Auth == auth) continue;
                yield return new ConfigEntry(registry, null, "DuplicateRegistryKey",
                    $"In '{source}', the keys '{RegistryName.Redact(earlier.Key)}' and '{RegistryName.Redact(rawKey)}' both name the registry '{registry}' with different logins; only one can be used. Remove one of them, or give this registry's login again.", false);
                continue;
            }
            first[registry] = (rawKey, auth);
            if (string.IsNullOrEmpty(auth))
            {
                string? helper = helpers?[rawKey] is JsonValue h && h.TryGetValue<string>(out var hs) ? hs : store;
                if (helper != null)
                {
                    yield return new ConfigEntry(registry, null, "CredentialsInHelper",
                        $"The credentials for '{registry}' in '{source}' are kept by the credential helper 'docker-credential-{helper}', not in the file. " +
                        "DC/OS agents have no credential helpers. Give the login with New-DockerAuthConfig -Registry -Credential instead.", false);
                }
                else if (value is JsonObject plain && Text(plain["username"]) is { Length: > 0 } plainUser && Text(plain["password"]) is { Length: > 0 } plainPassword)
                {
                    // Docker honours these fields, Mesos and skopeo do not: import them, so they are written back as "auth".
                    yield return PlainEntry(registry, plainUser, plainPassword, source);
                }
                else if (value is JsonObject withToken && withToken["identitytoken"] != null)
                {
                    yield return new ConfigEntry(registry, null, "IdentityTokenNotSupported",
                        $"The entry for '{registry}' in '{source}' holds an identity token, which Mesos ignores (it uses only \"auth\"). Give the login with New-DockerAuthConfig -Registry -Credential.", false);
                }
                else
                {
                    yield return new ConfigEntry(registry, null, "NoAuthForRegistry",
                        $"The entry for '{registry}' in '{source}' has no \"auth\" field (Mesos and skopeo use only \"auth\"). Give the login with New-DockerAuthConfig -Registry -Credential.", false);
                }
                continue;
            }
            var problem = DockerAuth.Decode(auth, repair, out string user, out var password, out bool repaired);
            if (problem != AuthProblem.None)
            {
                yield return new ConfigEntry(registry, null, "InvalidAuth," + problem, DockerAuth.Explain(problem, registry) + $" (in '{source}')", false);
                continue;
            }
            yield return new ConfigEntry(registry, new DockerRegistryCredential(registry, user, password!, source), null, null, repaired);
        }
        if (helpers != null)
        {
            foreach (var (rawKey, value) in helpers)
            {
                string registry = TryNormalize(rawKey);
                if (seen.Contains(registry)) continue;
                string helper = value is JsonValue v && v.TryGetValue<string>(out var hv) ? hv : "?";
                yield return new ConfigEntry(registry, null, "CredentialsInHelper",
                    $"The credentials for '{registry}' in '{source}' are kept by the credential helper 'docker-credential-{helper}' (credHelpers), not in the file. " +
                    "DC/OS agents have no credential helpers. Give the login with New-DockerAuthConfig -Registry -Credential instead.", false);
            }
        }
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static ConfigEntry PlainEntry(string registry, string user, string password, string source)
    {
        if (user.Contains(':') || password.IndexOfAny(new[] { '\r', '\n' }) >= 0)
            return new ConfigEntry(registry, null, "InvalidPlainCredentials",
                $"The username/password of '{registry}' in '{source}' cannot become an auth (a ':' in the user name or a line break in the password). Give the login with New-DockerAuthConfig -Registry -Credential.", false);
        var secure = new System.Security.SecureString();
        foreach (char c in password) secure.AppendChar(c);
        return new ConfigEntry(registry, new DockerRegistryCredential(registry, user, secure, source), null, null, false);
    }

    /// <summary>
    /// Rewrites every usable entry the way Mesos reads it: bare host[:port] keys (not https://host/v2/)
    /// and an "auth" field (not Docker-only username/password). Unusable entries stay for Problems().
    /// </summary>
    internal void RewriteUsableEntries(string source)
    {
        foreach (var entry in ReadEntries(source, repair: false).ToList())
        {
            if (entry.Credential == null) continue;
            Set(entry.Credential);
            entry.Credential.Password.Dispose();
        }
    }

    /// <summary>Sets one registry's auth, dropping older keys that name the same registry (https://host, host/path).</summary>
    internal void Set(DockerRegistryCredential credential)
    {
        foreach (var key in Auths.Select(p => p.Key).ToList())
        {
            if (key != credential.Registry && TryNormalize(key) == credential.Registry) Auths.Remove(key);
        }
        Auths[credential.Registry] = new JsonObject { ["auth"] = DockerAuth.Encode(credential) };
    }

    /// <summary>
    /// What would stop the Mesos agent, or make a pull fail: no auths at all, or an entry whose
    /// auth is missing or broken. Checked before anything is written.
    /// </summary>
    internal IEnumerable<ConfigEntry> Problems(string source)
    {
        if (Auths.Count == 0)
        {
            yield return new ConfigEntry(string.Empty, null, "DockerConfigHasNoAuths",
                $"'{source}' would hold no registry logins; an empty docker config stops the Mesos agent from starting. Give at least one credential.", false);
            yield break;
        }
        foreach (var entry in ReadEntries(source, repair: false))
        {
            if (entry.ErrorId != null) yield return entry;
            else entry.Credential!.Password.Dispose();
        }
    }

    internal string ToJson() => _root.ToJsonString(Indented) + "\n";

    internal byte[] ToBytes() => new UTF8Encoding(false).GetBytes(ToJson());

    /// <summary>A config holding exactly these credentials.</summary>
    internal static DockerConfigDocument From(IEnumerable<DockerRegistryCredential> credentials)
    {
        var document = Empty();
        foreach (var c in credentials) document.Set(c);
        return document;
    }

    private static string TryNormalize(string key)
    {
        try { return RegistryKey.Normalize(key); }
        catch (RegistryKeyException) { return key; }
    }
}
