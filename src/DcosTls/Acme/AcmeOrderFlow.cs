using DcosTls.Common;

namespace DcosTls.Acme;

/// <summary>
/// One order from newOrder to the downloaded chain: every pending authorization is proved with the
/// solver (its answer removed again whatever happens), then the order is finalized with our CSR. An
/// order that fails leaves no authorization pending: the ones not yet valid are deactivated.
/// </summary>
internal static class AcmeOrderFlow
{
    private static readonly TimeSpan PollLimit = TimeSpan.FromSeconds(120);

    /// <param name="waiting">Told what is awaited at each poll, for a status line: polls are where an order spends its time.</param>
    internal static string Run(AcmeClient client, IReadOnlyList<AcmeIdentifier> identifierList, byte[] csrDer, IAcmeChallengeSolver solver,
        Action<string> log, CancellationToken cancel, Action<string>? waiting = null)
    {
        waiting ??= _ => { };
        var names = identifierList.Select(i => i.Value).ToList();
        var identifiers = new JsonArray();
        foreach (var identifier in identifierList) identifiers.Add(new JsonObject { ["type"] = identifier.Type, ["value"] = identifier.Value });
        var created = client.Post(AcmeJson.Url(client.Directory(), "newOrder", "directory"), new JsonObject { ["identifiers"] = identifiers }, identifier: names[0]);
        string orderUrl = created.Location ?? throw Invalid("newOrder answer has no Location (order URL)");
        var authorizations = (created.Json["authorizations"] as JsonArray)?.Select(a => AcmeJson.Text(a) is { } u && Uri.IsWellFormedUriString(u, UriKind.Absolute) ? u : throw Invalid("order lists an authorization that is not a URL")).ToList()
            ?? throw Invalid("order has no authorizations");
        try
        {
            foreach (string url in authorizations) Authorize(client, url, solver, log, waiting, cancel);
        }
        catch
        {
            Deactivate(client, authorizations, log);
            throw;
        }

        var order = Poll(client, orderUrl, s => s is not "pending", waiting, $"the order for '{names[0]}' to be ready", cancel, names[0]);
        if (OrderStatus(order) == "ready")
        {
            client.Post(AcmeJson.Url(order, "finalize", $"order for '{names[0]}'"), new JsonObject { ["csr"] = Base64Url.Encode(csrDer) }, identifier: names[0]);
            order = Poll(client, orderUrl, s => s is not ("ready" or "processing"), waiting, $"the certificate for '{names[0]}' to be issued", cancel, names[0]);
        }
        if (OrderStatus(order) != "valid")
            throw Failed(order["error"] as JsonObject, $"the order for '{names[0]}' ended {OrderStatus(order)}", names[0]);
        string certificateUrl = AcmeJson.Url(order, "certificate", $"valid order for '{names[0]}'");
        return client.Post(certificateUrl, null, identifier: names[0], accept: "application/pem-certificate-chain").Body;
    }

    private static void Authorize(AcmeClient client, string url, IAcmeChallengeSolver solver, Action<string> log, Action<string> waiting, CancellationToken cancel)
    {
        var authz = client.Post(url, null).Json;
        string name = AcmeJson.Text(authz["identifier"], "value") ?? "?";
        if (authz["wildcard"] is JsonValue wildcard && wildcard.TryGetValue(out bool isWildcard) && isWildcard) name = "*." + name;
        string status = AcmeJson.Text(authz, "status") ?? string.Empty;
        if (status == "valid") return;
        if (status != "pending")
            throw new AcmeProblemException("AcmeAuthorizationInvalid", ErrorCategory.InvalidResult,
                $"The ACME server's authorization for '{name}' is {status}, not pending. Start a new order (run the command again).", identifier: name);
        var challenges = (authz["challenges"] as JsonArray)?.OfType<JsonObject>().ToList() ?? new List<JsonObject>();
        var challenge = challenges.FirstOrDefault(c => AcmeJson.Text(c, "type") == solver.ChallengeType);
        if (challenge == null)
            throw new AcmeProblemException("AcmeChallengeNotOffered", ErrorCategory.InvalidOperation,
                $"The ACME server offers no {solver.ChallengeType} challenge for '{name}' (it offers: {string.Join(", ", challenges.Select(c => AcmeJson.Text(c, "type")))}). " +
                (name.StartsWith("*.", StringComparison.Ordinal) ? "Wildcard names need DNS-01: use -DnsServer." : "Choose another challenge method."), identifier: name);
        string token = AcmeChallengeToken.Require(AcmeJson.Text(challenge, "token"), name);
        string challengeUrl = AcmeJson.Url(challenge, "url", $"{solver.ChallengeType} challenge for '{name}'");
        log($"ACME: proving '{name}' with {solver.Description}.");
        using (solver.Publish(name.TrimStart('*', '.'), token, client.Jws.KeyAuthorization(token)))
        {
            client.Post(challengeUrl, new JsonObject(), identifier: name);
            authz = Poll(client, url, s => s is not "pending", waiting, $"the {solver.ChallengeType} validation of '{name}'", cancel, name);
        }
        if (AcmeJson.Text(authz, "status") == "valid") return;
        var failed = (authz["challenges"] as JsonArray)?.OfType<JsonObject>()
            .FirstOrDefault(c => AcmeJson.Text(c, "type") == solver.ChallengeType);
        throw Failed(failed?["error"] as JsonObject, $"{solver.ChallengeType} for '{name}' failed", name);
    }

    private static JsonObject Poll(AcmeClient client, string url, Func<string, bool> done, Action<string> waiting, string awaited, CancellationToken cancel, string name)
    {
        var started = DateTime.UtcNow;
        while (true)
        {
            // Said before every poll, with the time so far: a wait of minutes must not look like a hang.
            waiting($"Waiting for {awaited} ({(DateTime.UtcNow - started).TotalSeconds:0} s)");
            var response = client.Post(url, null, identifier: name);
            var json = response.Json;
            if (done(OrderStatus(json))) return json;
            if (DateTime.UtcNow - started > PollLimit)
                throw new AcmeProblemException("AcmeTimeout", ErrorCategory.OperationTimeout,
                    $"The ACME server left '{name}' {OrderStatus(json)} for {PollLimit.TotalSeconds:0} seconds. Try again later.", identifier: name);
            var wait = response.RetryAfter ?? TimeSpan.FromMilliseconds(300);
            if (wait < TimeSpan.FromMilliseconds(100)) wait = TimeSpan.FromMilliseconds(100);
            if (wait > TimeSpan.FromSeconds(5)) wait = TimeSpan.FromSeconds(5);
            Task.Delay(wait, cancel).GetAwaiter().GetResult();
        }
    }

    private static string OrderStatus(JsonObject json) => AcmeJson.Text(json, "status") ?? string.Empty;

    private static void Deactivate(AcmeClient client, IEnumerable<string> authorizations, Action<string> log)
    {
        foreach (string url in authorizations)
        {
            try
            {
                var authz = client.Post(url, null).Json;
                if (AcmeJson.Text(authz, "status") != "pending") continue;
                client.Post(url, new JsonObject { ["status"] = "deactivated" });
                log($"ACME: deactivated the pending authorization {url}.");
            }
            catch (AcmeProblemException) { }
        }
    }

    /// <summary>The server's validation error, naming the identifier.</summary>
    private static AcmeProblemException Failed(JsonObject? error, string what, string name)
    {
        string? type = AcmeJson.Text(error, "type");
        string? detail = AcmeJson.Text(error, "detail");
        string? shortType = AcmeClient.ShortType(type);
        var (_, category, advice) = AcmeClient.Classify(shortType, null);
        string message = $"The ACME server says {what}: {shortType ?? "no reason given"}" +
            (string.IsNullOrEmpty(detail) ? "." : $" ({detail.TrimEnd('.')}).") + " " + advice;
        return new AcmeProblemException("AcmeChallengeFailed", category, message, type, detail, name);
    }

    private static AcmeProblemException Invalid(string what) => AcmeJson.Invalid(what);
}
