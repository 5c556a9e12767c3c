using System.Net.Http.Headers;
using DcosTls.Session;

namespace DcosTls.Acme;

/// <summary>
/// RFC 8555 over HTTPS: the directory, nonces, signed POSTs and the account. A badNonce answer is
/// retried with the fresh nonce the server sent; a rateLimited answer with a short Retry-After is waited
/// out. Every other problem document becomes an <see cref="AcmeProblemException"/>. -Verbose lines name
/// the method, URL and status only (never a JWS, key or body).
/// </summary>
internal sealed class AcmeClient : IDisposable
{
    private const int MaxNonceRetries = 15;
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(60);
    private readonly HttpClient _http;
    private readonly Action<string> _log;
    private readonly CancellationToken _cancel;
    private JsonObject? _directory;
    private string? _nonce;
    private AcmeJws? _jws;
    private string? _kid;

    internal AcmeClient(Uri directoryUrl, X509Certificate2? trustedCa, Action<string> log, CancellationToken cancel)
    {
        DirectoryUrl = directoryUrl;
        _log = log;
        _cancel = cancel;
        var tls = new TlsPolicy(trustedCa, skip: false);
        var handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, cert, chain, errors) => tls.Validate(cert, chain, errors) },
            UseCookies = false,
            AllowAutoRedirect = false,
        };
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("DcosTls/0.1");
    }

    internal Uri DirectoryUrl { get; }

    internal string? AccountUrl => _kid;

    internal AcmeJws Jws => _jws ?? throw new InvalidOperationException("No account key yet.");

    internal void UseKey(System.Security.Cryptography.ECDsa key) => _jws = new AcmeJws(key);

    /// <summary>The directory's terms of service URL, or null when it has none.</summary>
    internal string? TermsOfService => AcmeJson.Text(Directory()["meta"], "termsOfService");

    internal JsonObject Directory()
    {
        if (_directory != null) return _directory;
        using var request = new HttpRequestMessage(HttpMethod.Get, DirectoryUrl);
        var (status, _, body) = Send(request);
        if (status != HttpStatusCode.OK)
            throw new AcmeProblemException("AcmeDirectoryUnavailable", ErrorCategory.ConnectionError,
                $"The ACME directory {DirectoryUrl} answered HTTP {(int)status}. Check -AcmeDirectory.");
        try
        {
            _directory = JsonNode.Parse(body) as JsonObject;
        }
        catch (System.Text.Json.JsonException) { }
        // Each endpoint must be an absolute URL: a number or an object there is a broken server, not a directory.
        if (new[] { "newNonce", "newAccount", "newOrder" }.Any(name => !Uri.TryCreate(AcmeJson.Text(_directory, name), UriKind.Absolute, out _)))
        {
            _directory = null;
            throw new AcmeProblemException("AcmeDirectoryInvalid", ErrorCategory.ProtocolError,
                $"{DirectoryUrl} is not an ACME directory (no newNonce, newAccount and newOrder URLs). Check -AcmeDirectory: it is the directory URL, e.g. https://acme-v02.api.letsencrypt.org/directory.");
        }
        return _directory!;
    }

    private string Endpoint(string name) => AcmeJson.Text(Directory(), name)!;

    private string Nonce()
    {
        if (_nonce != null)
        {
            string n = _nonce;
            _nonce = null;
            return n;
        }
        using var request = new HttpRequestMessage(HttpMethod.Head, Endpoint("newNonce"));
        Send(request);
        if (_nonce == null)
            throw new AcmeProblemException("AcmeNonceMissing", ErrorCategory.ProtocolError,
                $"The ACME server's newNonce ({Endpoint("newNonce")}) gave no Replay-Nonce header. Check -AcmeDirectory.");
        string fresh = _nonce;
        _nonce = null;
        return fresh;
    }

    /// <summary>
    /// Creates the account, or finds the one of this key. Without an agreement the server is only asked
    /// for an existing account.
    /// </summary>
    internal AcmeAccountState Account(bool create, bool agree, IEnumerable<string> contacts)
    {
        var payload = new JsonObject();
        if (create)
        {
            var list = new JsonArray();
            foreach (string c in contacts) list.Add("mailto:" + c);
            if (list.Count > 0) payload["contact"] = list;
            if (agree) payload["termsOfServiceAgreed"] = true;
        }
        else
        {
            payload["onlyReturnExisting"] = true;
        }
        var response = Post(Endpoint("newAccount"), payload, useKid: false, null);
        _kid = response.Location ?? throw new AcmeProblemException("AcmeResponseInvalid", ErrorCategory.ProtocolError,
            $"The ACME server's newAccount answer has no Location (account URL). Check -AcmeDirectory.");
        return AcmeAccountState.Read(_kid, response.Json);
    }

    /// <summary>A signed POST (a null payload is a POST-as-GET); problem documents are thrown.</summary>
    internal AcmeResponse Post(string url, JsonNode? payload, bool useKid = true, string? identifier = null, string? accept = null)
    {
        int nonceRetries = 0;
        int rateWaits = 0;
        while (true)
        {
            _cancel.ThrowIfCancellationRequested();
            string body = Jws.Sign(url, Nonce(), useKid ? _kid : null, payload?.DeepClone());
            using var request = new HttpRequestMessage(HttpMethod.Post, url)
            {
                Content = new StringContent(body, Encoding.UTF8),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/jose+json");
            if (accept != null) request.Headers.Accept.ParseAdd(accept);
            var (status, headers, text) = Send(request);
            if ((int)status < 400)
                return new AcmeResponse(url, status, headers.Location?.ToString() is { } l ? new Uri(new Uri(url), l).ToString() : null,
                    text, RetryAfter(headers));

            var problem = Problem(status, text, RetryAfter(headers), url, identifier);
            if (problem.ShortType == "badNonce" && nonceRetries++ < MaxNonceRetries)
            {
                _log($"ACME: badNonce from {url}; retrying with the server's fresh nonce ({nonceRetries}).");
                continue;
            }
            if (problem.ShortType == "rateLimited" && problem.RetryAfter is { } wait && wait <= LongestWait && rateWaits++ < 2)
            {
                _log($"ACME: rateLimited by {url}; waiting {wait.TotalSeconds:0} s as the server asks (Retry-After).");
                Task.Delay(wait, _cancel).GetAwaiter().GetResult();
                continue;
            }
            throw problem;
        }
    }

    /// <summary>
    /// An unauthenticated GET (RFC 9773 renewalInfo): the status, Retry-After and the body, read only up
    /// to <paramref name="maxBytes"/>; a longer body is not read to its end and comes back as null (the
    /// caller names what it expected), so a hostile server cannot make us buffer gigabytes.
    /// </summary>
    internal (HttpStatusCode Status, TimeSpan? RetryAfter, string? Body) GetBounded(string url, int maxBytes)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        using var response = Open(request, HttpCompletionOption.ResponseHeadersRead);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_cancel);
        timeout.CancelAfter(_http.Timeout);
        var buffer = new byte[maxBytes + 1];
        int read = 0;
        try
        {
            using var stream = response.Content.ReadAsStream(timeout.Token);
            int n;
            while (read < buffer.Length && (n = stream.ReadAsync(buffer.AsMemory(read), timeout.Token).AsTask().GetAwaiter().GetResult()) > 0) read += n;
        }
        catch (OperationCanceledException) when (!_cancel.IsCancellationRequested)
        {
            throw new AcmeProblemException("AcmeServerTimeout", ErrorCategory.OperationTimeout,
                $"The ACME server {request.RequestUri} did not finish its answer within {_http.Timeout.TotalSeconds:0} seconds. Try again later.");
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw new AcmeProblemException("AcmeServerUnreachable", ErrorCategory.ConnectionError,
                $"The ACME server {request.RequestUri} broke off its answer. Check -AcmeDirectory and the network.");
        }
        _log($"ACME: GET {request.RequestUri} -> {(int)response.StatusCode}");
        return (response.StatusCode, RetryAfter(response.Headers), read > maxBytes ? null : Encoding.UTF8.GetString(buffer, 0, read));
    }

    private (HttpStatusCode, HttpResponseHeaders, string) Send(HttpRequestMessage request)
    {
        using (var response = Open(request, HttpCompletionOption.ResponseContentRead))
        {
            if (response.Headers.TryGetValues("Replay-Nonce", out var nonces)) _nonce = nonces.FirstOrDefault();
            string text = response.Content.ReadAsStringAsync(_cancel).GetAwaiter().GetResult();
            _log($"ACME: {request.Method} {request.RequestUri} -> {(int)response.StatusCode}");
            return (response.StatusCode, response.Headers, text);
        }
    }

    private HttpResponseMessage Open(HttpRequestMessage request, HttpCompletionOption completion)
    {
        try
        {
            return _http.Send(request, completion, _cancel);
        }
        catch (HttpRequestException e)
        {
            string why = e.InnerException is System.Security.Authentication.AuthenticationException
                ? "its TLS certificate is not trusted: give the CA that issued it with -CaCertificatePath, or add it to the system trust"
                : e.HttpRequestError.ToString();
            throw new AcmeProblemException("AcmeServerUnreachable", ErrorCategory.ConnectionError,
                $"The ACME server {request.RequestUri} could not be reached ({why}). Check -AcmeDirectory and the network.");
        }
        catch (TaskCanceledException) when (!_cancel.IsCancellationRequested)
        {
            throw new AcmeProblemException("AcmeServerTimeout", ErrorCategory.OperationTimeout,
                $"The ACME server {request.RequestUri} did not answer within 60 seconds. Try again later.");
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseHeaders headers)
    {
        var value = headers.RetryAfter;
        if (value?.Delta is { } delta) return delta;
        if (value?.Date is { } date) return date - DateTimeOffset.UtcNow is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero;
        return null;
    }

    /// <summary>RFC 7807 problem document to exception; the detail is the server's, the advice ours.</summary>
    internal static AcmeProblemException Problem(HttpStatusCode status, string text, TimeSpan? retryAfter, string url, string? identifier)
    {
        string? type = null, detail = null;
        try
        {
            if (JsonNode.Parse(text) is JsonObject doc)
            {
                type = AcmeJson.Text(doc, "type");
                detail = AcmeJson.Text(doc, "detail");
                if (doc["subproblems"] is JsonArray subs && subs.Count > 0)
                {
                    var first = subs[0] as JsonObject;
                    identifier ??= AcmeJson.Text(first?["identifier"], "value");
                }
            }
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException) { }
        return FromProblem(type, detail, (int)status, retryAfter, url, identifier);
    }

    internal static AcmeProblemException FromProblem(string? type, string? detail, int status, TimeSpan? retryAfter, string url, string? identifier)
    {
        string shortType = ShortType(type) ?? $"HTTP {status}";
        var (id, category, advice) = Classify(shortType, retryAfter);
        string about = identifier != null ? $" for '{identifier}'" : string.Empty;
        string message = $"The ACME server refused {ShortUrl(url)}{about}: {shortType}" +
            (string.IsNullOrEmpty(detail) ? "." : $" ({detail.TrimEnd('.')}).") + " " + advice;
        return new AcmeProblemException(id, category, message, type, detail, identifier, retryAfter);
    }

    internal static string? ShortType(string? type)
        => type != null && type.StartsWith(AcmeProblemException.ProblemPrefix, StringComparison.Ordinal)
            ? type[AcmeProblemException.ProblemPrefix.Length..] : type;

    /// <summary>Error id, category and what to do, per RFC 8555 problem type.</summary>
    internal static (string Id, ErrorCategory Category, string Advice) Classify(string? shortType, TimeSpan? retryAfter)
    {
        return shortType switch
        {
            "rateLimited" => ("AcmeRateLimited", ErrorCategory.LimitsExceeded,
                retryAfter is { } w ? $"The server asks to wait {Math.Ceiling(w.TotalMinutes)} minute(s) (Retry-After); try again after that." : "Try again later."),
            "badNonce" => ("AcmeBadNonce", ErrorCategory.ProtocolError, "The server kept refusing fresh nonces; try again later."),
            "unauthorized" => ("AcmeUnauthorized", ErrorCategory.PermissionDenied, "Check that the name's challenge can be answered from here (web root, listener port or DNS)."),
            "rejectedIdentifier" => ("AcmeRejectedIdentifier", ErrorCategory.InvalidArgument, "The CA will not issue for this name; use another name."),
            "caa" => ("AcmeCaa", ErrorCategory.PermissionDenied, "The name's CAA records do not allow this CA; add a CAA record for it."),
            "dns" => ("AcmeDns", ErrorCategory.ObjectNotFound, "Check that the name and its _acme-challenge record resolve publicly."),
            "connection" => ("AcmeConnection", ErrorCategory.ConnectionError, "Check that the CA can reach this name on the challenge port (HTTP 80 unless the test CA says otherwise)."),
            "incorrectResponse" => ("AcmeIncorrectResponse", ErrorCategory.InvalidResult, "The CA read something else than the key authorization: check the web root is the one the name's server serves."),
            "accountDoesNotExist" => ("AcmeAccountDoesNotExist", ErrorCategory.ObjectNotFound, "Create the account with New-DcosAcmeAccount or give -AcceptTermsOfService."),
            "userActionRequired" => ("AcmeUserActionRequired", ErrorCategory.PermissionDenied, "Read the terms of service the server names and agree with -AcceptTermsOfService."),
            "malformed" => ("AcmeMalformed", ErrorCategory.InvalidArgument, "Check the names asked for."),
            "badCSR" => ("AcmeBadCsr", ErrorCategory.InvalidArgument, "Check -KeyAlgorithm and -KeySize; the CA refused the request's key or names."),
            "orderNotReady" => ("AcmeOrderNotReady", ErrorCategory.InvalidOperation, "Try again: an authorization was not valid yet."),
            _ => ("AcmeProblem", ErrorCategory.ProtocolError, "See the server's detail."),
        };
    }

    private static string ShortUrl(string url) => Uri.TryCreate(url, UriKind.Absolute, out var u) ? u.GetLeftPart(UriPartial.Path) : url;

    public void Dispose() => _http.Dispose();
}

/// <summary>An ACME answer that is not a problem: status, resolved Location, body and Retry-After.</summary>
internal sealed record AcmeResponse(string Url, HttpStatusCode Status, string? Location, string Body, TimeSpan? RetryAfter)
{
    internal JsonObject Json => AcmeJson.Object(Body, Url);
}

/// <summary>The account's status and contacts as the server reports them.</summary>
internal sealed record AcmeAccountState(string Url, string Status, IReadOnlyList<string> Contacts)
{
    internal static AcmeAccountState Read(string url, JsonObject json)
    {
        var contacts = (json["contact"] as JsonArray)?.Select(c => AcmeJson.Text(c) ?? string.Empty)
            .Select(c => c.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase) ? c[7..] : c).ToList() ?? new List<string>();
        return new AcmeAccountState(url, AcmeJson.Text(json, "status") ?? "unknown", contacts);
    }
}
