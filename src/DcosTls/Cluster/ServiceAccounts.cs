using DcosTls.Common;
using DcosTls.Session;

namespace DcosTls.Cluster;

/// <summary>
/// Service accounts as a whole: IAM's account and the secret that holds its login. Made together
/// (an account whose secret cannot be stored is removed again), read from IAM, and removed together
/// (the account first: a secret whose account is gone logs in nowhere).
/// </summary>
internal sealed class ServiceAccounts
{
    private readonly ClusterRequest _call;
    private readonly IamClient _iam;

    internal ServiceAccounts(ClusterRequest call)
    {
        _call = call;
        _iam = new IamClient(call);
    }

    private string Cluster => _call.Session.ClusterUri.ToString();

    /// <summary>
    /// Makes an RSA-2048 key, registers its public half as account <paramref name="uid"/> and stores the
    /// create-sa-secret document in <paramref name="secretPath"/>. When the secret cannot be stored the
    /// account is removed again (<paramref name="warn"/> is told when that fails too) and the refusal goes on,
    /// saying so.
    /// </summary>
    internal DcosServiceAccount Create(string uid, string description, string secretPath, Uri loginEndpoint, Action<string> warn)
    {
        using var key = RSA.Create(2048);
        string publicPem = key.ExportSubjectPublicKeyInfoPem();
        string fingerprint = Convert.ToHexString(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));
        _iam.CreateServiceAccount(uid, description, publicPem);
        byte[]? body = null;
        try
        {
            body = SecretBody.ServiceAccountSecret(key, uid, loginEndpoint.AbsoluteUri);
            new DcosSecretClient(_call).WriteJsonBody(secretPath, body);
        }
        catch (DcosTlsException e)
        {
            // Without its secret the account cannot log in: take it away again rather than leave it half made.
            bool rolledBack = _iam.TryRollBackAccount(uid);
            if (!rolledBack)
                warn($"The account '{uid}' was made but its secret was not stored, and removing the account failed too: remove it with Remove-DcosServiceAccount {uid}.");
            throw WithNote(e, rolledBack
                ? $" The account '{uid}' made a moment ago was removed again: nothing is left half made. Run New-DcosServiceAccount again once the secret store takes the secret."
                : $" The account '{uid}' is left without a secret: remove it with Remove-DcosServiceAccount {uid}.", secretPath);
        }
        finally
        {
            if (body != null) Array.Clear(body);
        }
        return new DcosServiceAccount
        {
            Uid = uid,
            Description = description,
            SecretPath = secretPath,
            LoginEndpoint = loginEndpoint.AbsoluteUri,
            PublicKeySha256 = fingerprint,
            Cluster = Cluster,
        };
    }

    /// <summary>One service account; ServiceAccountNotFound when IAM has none, NotAServiceAccount for a user's account.</summary>
    internal DcosServiceAccount Get(string uid)
    {
        var account = _iam.GetAccount(uid) ?? throw NotFound(uid);
        if (!IsService(account)) throw NotAService(uid, "Get-DcosServiceAccount");
        return From(account);
    }

    /// <summary>Every service account IAM lists.</summary>
    internal IEnumerable<DcosServiceAccount> List() => _iam.ListServiceAccounts().Select(From);

    /// <summary>
    /// Removes the account, then (when <paramref name="secretPath"/> is given) its secret. Returns whether
    /// the secret was there. A secret that cannot be removed is named in the refusal (the account is gone).
    /// </summary>
    internal bool? Remove(string uid, string? secretPath)
    {
        var account = _iam.GetAccount(uid) ?? throw NotFound(uid);
        if (!IsService(account)) throw NotAService(uid, "Remove-DcosServiceAccount");
        if (!_iam.DeleteAccount(uid)) throw NotFound(uid);
        if (secretPath == null) return null;
        try
        {
            return new DcosSecretClient(_call).Delete(secretPath);
        }
        catch (DcosTlsException e)
        {
            throw WithNote(e, $" The account '{uid}' was removed; its secret default/{secretPath} was not: remove it with Remove-DcosSecret {secretPath}.", secretPath);
        }
    }

    private DcosServiceAccount From(JsonObject account)
    {
        static string? Str(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        return new DcosServiceAccount
        {
            Uid = ServerText.Quote(Str(account["uid"]) ?? string.Empty),
            Description = ServerText.Quote(Str(account["description"]) ?? string.Empty),
            PublicKeySha256 = KeyHash(Str(account["public_key"])),
            Cluster = Cluster,
        };
    }

    /// <summary>SHA-256 of the SubjectPublicKeyInfo in a PEM "PUBLIC KEY" block, hex (as New-DcosServiceAccount gives it); empty when there is none.</summary>
    private static string KeyHash(string? pem)
    {
        if (pem == null || !PemEncoding.TryFind(pem, out var fields) || pem[fields.Label] is not "PUBLIC KEY") return string.Empty;
        byte[] der = new byte[fields.DecodedDataLength];
        return Convert.TryFromBase64Chars(pem.AsSpan()[fields.Base64Data], der, out int written)
            ? Convert.ToHexString(SHA256.HashData(der.AsSpan(0, written))) : string.Empty;
    }

    /// <summary>IAM marks service accounts with is_service; an answer without it is taken as one.</summary>
    private static bool IsService(JsonObject account) => account["is_service"] is not JsonValue v || !v.TryGetValue<bool>(out var b) || b;

    private static DcosApiException NotFound(string uid)
        => new("ServiceAccountNotFound", $"IAM has no account '{uid}'. Check the id with Get-DcosServiceAccount.", 404, ErrorCategory.ObjectNotFound) { TargetObject = uid };

    private static DcosTlsException NotAService(string uid, string command)
        => new("NotAServiceAccount", ErrorCategory.InvalidArgument,
            $"'{uid}' is a user's account, not a service account: {command} works on service accounts only. Manage users in the DC/OS UI (Organization, Users).", uid);

    /// <summary>The same refusal (id, category, status, kind) with what became of the other half added.</summary>
    private static DcosTlsException WithNote(DcosTlsException e, string note, object target) => e switch
    {
        DcosAuthenticationException a => new DcosAuthenticationException(a.ErrorId, a.Message + note, a.StatusCode) { TargetObject = target },
        DcosApiException api => new DcosApiException(api.ErrorId, api.Message + note, api.StatusCode, api.Category) { TargetObject = target },
        _ => new DcosTlsException(e.ErrorId, e.Category, e.Message + note, target, e),
    };
}

/// <summary>
/// The secrets service's JSON body for the service-account secret, built in byte arrays that the caller
/// clears: the private key is never a string. Every part is ASCII (a PEM, a checked uid, an absolute URI
/// in its ASCII form), so escaping is by byte and nothing passes through an encoder's pooled buffers.
/// </summary>
internal static class SecretBody
{
    /// <summary>{"value":"&lt;the create-sa-secret document, escaped&gt;"}; the document is {"scheme":"RS256","uid":...,"private_key":"&lt;PEM&gt;","login_endpoint":...}.</summary>
    internal static byte[] ServiceAccountSecret(RSA key, string uid, string loginEndpoint)
    {
        byte[] der = key.ExportPkcs8PrivateKey();
        char[] pem = Array.Empty<char>();
        byte[] document = Array.Empty<byte>();
        try
        {
            pem = PemEncoding.Write("PRIVATE KEY", der);
            Array.Clear(der);
            string head = "{\"scheme\":\"RS256\",\"uid\":" + Quoted(uid) + ",\"private_key\":\"";
            string tail = "\",\"login_endpoint\":" + Quoted(loginEndpoint) + "}";
            // The PEM as ExportPkcs8PrivateKeyPem writes it (lines of 64, no newline after the END line).
            document = new byte[head.Length + EscapedLength(pem) + tail.Length];
            int at = Ascii(head, document, 0);
            at = Escape(pem, document, at);
            at = Ascii(tail, document, at);
            if (at != document.Length) throw new InvalidOperationException("The secret body was sized wrongly.");

            const string Open = "{\"value\":\"", Close = "\"}";
            byte[] body = new byte[Open.Length + EscapedLength(document) + Close.Length];
            at = Ascii(Open, body, 0);
            at = Escape(document, body, at);
            Ascii(Close, body, at);
            return body;
        }
        finally
        {
            Array.Clear(der);
            Array.Clear(pem);
            Array.Clear(document);
        }
    }

    /// <summary>A non-secret value as a JSON string (ASCII only, as every part of the document is).</summary>
    private static string Quoted(string value)
    {
        if (value.Any(c => c > 0x7e)) throw new ArgumentException("Only ASCII values go into the service-account secret.", nameof(value));
        return JsonSerializer.Serialize(value);
    }

    private static int Ascii(string text, byte[] into, int at)
    {
        foreach (char c in text) into[at++] = checked((byte)c);
        return at;
    }

    private static int EscapedLength(ReadOnlySpan<char> text)
    {
        int n = 0;
        foreach (char c in text) n += Width(c);
        return n;
    }

    private static int EscapedLength(ReadOnlySpan<byte> text)
    {
        int n = 0;
        foreach (byte b in text) n += Width((char)b);
        return n;
    }

    private static int Width(char c)
    {
        if (c > 0x7e) throw new ArgumentException("Only ASCII goes into the service-account secret.");
        return c is '"' or '\\' or '\n' or '\r' or '\t' ? 2 : c < 0x20 ? 6 : 1;
    }

    private static int Escape(ReadOnlySpan<char> text, byte[] into, int at)
    {
        foreach (char c in text) at = Escape(c, into, at);
        return at;
    }

    private static int Escape(ReadOnlySpan<byte> text, byte[] into, int at)
    {
        foreach (byte b in text) at = Escape((char)b, into, at);
        return at;
    }

    private static int Escape(char c, byte[] into, int at)
    {
        switch (c)
        {
            case '"' or '\\':
                into[at++] = (byte)'\\';
                into[at++] = (byte)c;
                return at;
            case '\n':
                into[at++] = (byte)'\\';
                into[at++] = (byte)'n';
                return at;
            case '\r':
                into[at++] = (byte)'\\';
                into[at++] = (byte)'r';
                return at;
            case '\t':
                into[at++] = (byte)'\\';
                into[at++] = (byte)'t';
                return at;
            case < (char)0x20:
                const string Hex = "0123456789abcdef";
                foreach (char h in $"\\u00{Hex[c >> 4]}{Hex[c & 0xf]}") into[at++] = (byte)h;
                return at;
            default:
                into[at++] = (byte)c;
                return at;
        }
    }
}
