using DcosTls.Certificates;
using DcosTls.Common;

namespace DcosTls.Session;

/// <summary>
/// The DC/OS CA: cfssl's API behind Admin Router at /ca/api/v2/*. Every answer is cfssl's
/// envelope {success, result, errors, messages}; errors come as text/plain but are still JSON.
/// </summary>
internal sealed class CfsslClient(DcosSession session, Action<string> log, CancellationToken cancel)
{

    /// <summary>The signing CA certificate (PEM) for a profile.</summary>
    internal string Info(string? profile)
    {
        var body = new JsonObject();
        if (!string.IsNullOrEmpty(profile)) body["profile"] = profile;
        return Text(Call("info", body), "certificate", "info")
            ?? throw new DcosApiException("CaResponseInvalid", "The CA's info answer holds no certificate.");
    }

    /// <summary>What a profile gives: its usages and expiry, as /info reports them.</summary>
    internal (string[] Usages, string Expiry) ProfileInfo(string? profile)
    {
        var body = new JsonObject();
        if (!string.IsNullOrEmpty(profile)) body["profile"] = profile;
        var result = Call("info", body);
        var usageNode = result is JsonObject o ? o["usages"] : null;
        if (usageNode != null && (usageNode is not JsonArray list || list.Any(u => u is not JsonValue v || !v.TryGetValue<string>(out _))))
            throw new DcosApiException("CaResponseInvalid", "The CA's info answer has \"usages\" that is not a list of strings.");
        string[] usages = (usageNode as JsonArray)?.Select(u => u!.GetValue<string>()).ToArray() ?? Array.Empty<string>();
        return (usages, Text(result, "expiry", "info") ?? string.Empty);
    }

    /// <summary>Signs a CSR made here: only the CSR crosses the network, never the key.</summary>
    internal string Sign(string csrPem, IEnumerable<string> hosts, string? profile)
    {
        var body = new JsonObject { ["certificate_request"] = csrPem };
        var hostList = hosts.ToList();
        // cfssl: "hosts": [] strips every SAN, so send the list only when there is one.
        if (hostList.Count > 0) body["hosts"] = new JsonArray(hostList.Select(h => (JsonNode)h!).ToArray());
        if (!string.IsNullOrEmpty(profile)) body["profile"] = profile;
        return Text(Call("sign", body), "certificate", "sign")
            ?? throw new DcosApiException("CaResponseInvalid", "The CA's sign answer holds no certificate.");
    }

    /// <summary>The hand-run flow: the CA makes the key and CSR (the key comes back over TLS).</summary>
    internal (string PrivateKeyPem, string CsrPem) NewKey(CertificateSpec spec)
    {
        var name = new JsonObject();
        if (spec.Country != null) name["C"] = spec.Country;
        if (spec.State != null) name["ST"] = spec.State;
        if (spec.Locality != null) name["L"] = spec.Locality;
        if (spec.Organization != null) name["O"] = spec.Organization;
        if (spec.OrganizationalUnit != null) name["OU"] = spec.OrganizationalUnit;
        var body = new JsonObject
        {
            ["CN"] = spec.CommonName,
            ["hosts"] = new JsonArray(spec.Hosts.Select(h => (JsonNode)h!).ToArray()),
            // Both fields, always: cfssl decodes a partial key object over its {ecdsa,256} default.
            ["key"] = new JsonObject { ["algo"] = spec.KeyAlgorithm == KeyAlgorithm.RSA ? "rsa" : "ecdsa", ["size"] = spec.KeySize },
        };
        if (name.Count > 0) body["names"] = new JsonArray(name);
        var result = Call("newkey", body);
        return (Text(result, "private_key", "newkey") ?? throw new DcosApiException("CaResponseInvalid", "The CA's newkey answer holds no key."),
                Text(result, "certificate_request", "newkey") ?? throw new DcosApiException("CaResponseInvalid", "The CA's newkey answer holds no CSR."));
    }

    private JsonNode Call(string endpoint, JsonObject body)
    {
        var response = session.Client.Send(HttpMethod.Post, "/ca/api/v2/" + endpoint, body, log, cancel);
        JsonNode? envelope = null;
        try { envelope = JsonNode.Parse(response.Body); }
        catch (JsonException) { }
        if (envelope is not JsonObject obj || !obj.ContainsKey("success"))
        {
            if (response.Status == HttpStatusCode.NotFound)
                throw new DcosApiException("CaNotAvailable", $"The cluster has no CA at /ca/api/v2/{endpoint} (404). DC/OS Enterprise is needed.", 404);
            throw new DcosApiException("CaResponseInvalid",
                $"The CA answered /ca/api/v2/{endpoint} with HTTP {(int)response.Status} and no cfssl envelope ({response.ContentType ?? "no content type"}).", (int)response.Status);
        }
        if (!(obj["success"] is JsonValue ok && ok.TryGetValue<bool>(out bool succeeded) && succeeded))
        {
            var error = (obj["errors"] as JsonArray)?.FirstOrDefault() as JsonObject;
            int code = error?["code"] is JsonValue c && c.TryGetValue<int>(out int n) ? n : (int)response.Status;
            // cfssl may quote the request (a CSR, names); quote its message with credentials cut out.
            string message = ServerText.Quote(error?["message"] is JsonValue m && m.TryGetValue<string>(out var t) ? t : null);
            throw new DcosCaException(code, message.Length > 0 ? message : "no message", (int)response.Status);
        }
        foreach (var m in (obj["messages"] as JsonArray) ?? new JsonArray())
            log($"CA message {ServerText.Quote((m as JsonObject)?["code"]?.ToJsonString())}: {ServerText.Quote((m as JsonObject)?["message"]?.ToJsonString())}");
        return obj["result"] ?? throw new DcosApiException("CaResponseInvalid", $"The CA's {endpoint} answer holds no result.");
    }

    /// <summary>A string field of a result; another type is an invalid answer, not a crash.</summary>
    private static string? Text(JsonNode result, string field, string endpoint)
    {
        if (result is not JsonObject obj)
            throw new DcosApiException("CaResponseInvalid", $"The CA's {endpoint} answer has a result that is not an object.");
        var node = obj[field];
        if (node == null) return null;
        if (node is JsonValue v && v.TryGetValue<string>(out var s)) return s;
        throw new DcosApiException("CaResponseInvalid", $"The CA's {endpoint} answer has \"{field}\" that is not a string ({node.GetValueKind()}).");
    }
}
