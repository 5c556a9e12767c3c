using System.Net.Http.Headers;
using DcosTls.Common;

namespace DcosTls.Session;

/// <summary>What came back from a call: status, content type and body text.</summary>
internal sealed record DcosResponse(HttpStatusCode Status, string? ContentType, string Body, byte[] Bytes)
{
    internal bool IsJson => ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true;
}

/// <summary>
/// HTTP to one cluster: TLS per the session's policy, the token in the Authorization header (and
/// nowhere else), a fresh login for service accounts on expiry or 401, and a one-line log per call
/// (method, URL, status) for -Verbose — never headers or bodies.
/// </summary>
internal sealed class DcosApiClient : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly DcosSession _session;
    private readonly HttpClient _http;

    internal DcosApiClient(DcosSession session)
    {
        _session = session;
        var handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, cert, chain, errors) => session.Tls.Validate(cert, chain, errors) },
            UseCookies = false, // the login's dcos-acs-auth-cookie is for browsers; we must not keep a second copy
            AllowAutoRedirect = false,
            UseProxy = false,
        };
        _http = new HttpClient(handler) { Timeout = Timeout };
    }

    /// <summary>Logs in with a password or a service-account login token; sets the session token.</summary>
    internal void Login(string uid, ReadOnlySpan<char> password, string? serviceLoginToken, Action<string> log, CancellationToken cancel)
    {
        var body = new JsonObject { ["uid"] = uid };
        if (serviceLoginToken != null) body["token"] = serviceLoginToken; else body["password"] = password.ToString();
        var response = SendRaw(HttpMethod.Post, "/acs/api/v1/auth/login", new RequestBody(body.ToJsonString(), null, "application/json"), authenticated: false, log, cancel);
        body.Clear();
        if (response.Status != HttpStatusCode.OK)
        {
            string detail = DescribeIamError(response, password.ToString(), serviceLoginToken);
            if (response.Status == HttpStatusCode.Unauthorized)
                throw new DcosAuthenticationException("LoginRefused",
                    $"The cluster refused the login for '{uid}' ({detail}). Check the user name and password, or the service account's key.");
            throw new DcosApiException("LoginFailed", $"Login to {_session.ClusterUri} failed with HTTP {(int)response.Status} ({detail}).", (int)response.Status);
        }
        string? token = null;
        try
        {
            using var doc = JsonDocument.Parse(response.Body);
            token = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("token", out var t)
                && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        }
        catch (JsonException) { }
        if (string.IsNullOrEmpty(token))
            throw new DcosApiException("LoginResponseInvalid", $"The login response from {_session.ClusterUri} holds no token (a string under \"token\"). Is this a DC/OS master?", 200);
        // The token goes into every Authorization header: refuse what is not a compact JWS before it is kept.
        string? problem = JwtClaims.Problem(token);
        if (problem != null)
            throw new DcosApiException("LoginTokenInvalid", $"The login response from {_session.ClusterUri} holds a token that {problem}. Is this a DC/OS master?", 200);
        var secure = new SecureString();
        foreach (char c in token) secure.AppendChar(c);
        var (_, expires) = JwtClaims.Read(token);
        _session.SetToken(secure, expires);
    }

    /// <summary>An authenticated call. Re-logs a service account in once on expiry or 401.</summary>
    internal DcosResponse Send(HttpMethod method, string path, JsonNode? body, Action<string> log, CancellationToken cancel)
        => Send(method, path, body == null ? null : new RequestBody(body.ToJsonString(), null, "application/json"), "application/json", log, cancel);

    /// <summary>
    /// An authenticated call with a body of any media type (e.g. a binary secret) and the Accept header
    /// given. The body is built again for a retry after a fresh login and is never logged.
    /// </summary>
    internal DcosResponse Send(HttpMethod method, string path, RequestBody? body, string accept, Action<string> log, CancellationToken cancel)
    {
        if (!_session.IsConnected)
            throw new DcosAuthenticationException("NotConnected", "The session was disconnected. Run Connect-DcosCluster again.", 0);
        if (_session.IsExpired) RefreshOrFail(log, cancel, expired: true);
        var response = SendRaw(method, path, body, authenticated: true, log, cancel, accept);
        if (response.Status == HttpStatusCode.Unauthorized)
        {
            RefreshOrFail(log, cancel, expired: false);
            response = SendRaw(method, path, body, authenticated: true, log, cancel, accept);
            if (response.Status == HttpStatusCode.Unauthorized)
                throw new DcosAuthenticationException("TokenRefused", $"The cluster refused the token for {method} {path} (401). Run Connect-DcosCluster again.");
        }
        if (response.Status == HttpStatusCode.Forbidden)
            throw new DcosAuthenticationException("PermissionDenied",
                $"'{_session.UserId}' may not {method} {path} (403). Ask a cluster administrator for the permission.", 403);
        return response;
    }

    /// <summary>An unauthenticated GET (e.g. /ca/dcos-ca.crt).</summary>
    internal DcosResponse Get(string path, Action<string> log, CancellationToken cancel)
        => SendRaw(HttpMethod.Get, path, null, authenticated: false, log, cancel);

    private void RefreshOrFail(Action<string> log, CancellationToken cancel, bool expired)
    {
        if (_session.ServiceAccount == null)
        {
            throw new DcosAuthenticationException(expired ? "TokenExpired" : "TokenRefused",
                expired
                    ? $"The DC/OS token for '{_session.UserId}' expired at {_session.ExpiresAt:yyyy-MM-dd HH:mm}Z. Run Connect-DcosCluster again."
                    : $"The cluster refused the token for '{_session.UserId}' (401). Run Connect-DcosCluster again.");
        }
        log($"Token {(expired ? "expired" : "refused")}: logging in again as service account '{_session.ServiceAccount.Uid}'");
        Login(_session.ServiceAccount.Uid, ReadOnlySpan<char>.Empty, _session.ServiceAccount.CreateLoginToken(), log, cancel);
    }

    private DcosResponse SendRaw(HttpMethod method, string path, RequestBody? body, bool authenticated, Action<string> log, CancellationToken cancel, string accept = "application/json")
    {
        var uri = new Uri(_session.ClusterUri, path);
        using var request = new HttpRequestMessage(method, uri);
        if (body != null) request.Content = body.ToContent();
        if (authenticated)
        {
            string? header = _session.AuthorizationHeader();
            if (header == null) throw new DcosAuthenticationException("NotConnected", "The session was disconnected. Run Connect-DcosCluster again.", 0);
            request.Headers.TryAddWithoutValidation("Authorization", header);
        }
        request.Headers.TryAddWithoutValidation("Accept", accept);
        HttpResponseMessage response;
        try
        {
            response = _http.SendAsync(request, cancel).GetAwaiter().GetResult();
        }
        catch (HttpRequestException e)
        {
            log($"{method} {uri} -> no response");
            bool tls = e.InnerException is System.Security.Authentication.AuthenticationException;
            // A certificate from the right CA made for other names: pinning cannot help, the address can.
            if (tls && _session.Tls.LastRejectionWasName)
                throw new DcosApiException("TlsCertificateNameMismatch",
                    $"{method} {uri} failed: the cluster's TLS certificate is trusted but not valid for the host name '{uri.IdnHost}'. "
                    + "Connect with a name or address the certificate lists (its subject alternative names), or reissue the master's certificate with this name.", 0);
            string why = tls
                ? "the cluster's TLS certificate was not accepted. Pin its CA with -CaCertificatePath or -CaFingerprint"
                : "the cluster did not answer. Check the address and that the master is up";
            throw new DcosApiException(tls ? "TlsCertificateRejected" : "ClusterUnreachable",
                $"{method} {uri} failed: {why}.", 0);
        }
        catch (TaskCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw new DcosApiException("ClusterTimeout", $"{method} {uri} timed out after {Timeout.TotalSeconds} s. Check the address and the network.", 0);
        }
        using (response)
        {
            byte[] bytes = response.Content.ReadAsByteArrayAsync(cancel).GetAwaiter().GetResult();
            log($"{method} {uri} -> {(int)response.StatusCode} {response.StatusCode}");
            return new DcosResponse(response.StatusCode, response.Content.Headers.ContentType?.MediaType, Encoding.UTF8.GetString(bytes), bytes);
        }
    }

    private static string DescribeIamError(DcosResponse response, params string?[] secrets)
    {
        // IAM errors are {title, description, code}; Admin Router's are HTML. Quote only the code and
        // the description, with anything that could be a credential cut out (a server may echo the body).
        try
        {
            using var doc = JsonDocument.Parse(response.Body);
            var root = doc.RootElement;
            string? Field(string name) => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
                ? ServerText.Quote(v.GetString(), secrets) : null;
            string? code = Field("code");
            string? description = Field("description");
            return string.Join(": ", new[] { code, description }.Where(s => !string.IsNullOrEmpty(s)).DefaultIfEmpty($"HTTP {(int)response.Status}"));
        }
        catch (JsonException)
        {
            return $"HTTP {(int)response.Status}";
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>A request body: text or bytes with its media type (the full Content-Type value).</summary>
internal sealed record RequestBody(string? Text, byte[]? Bytes, string ContentType)
{
    internal HttpContent ToContent()
    {
        var content = Bytes != null ? new ByteArrayContent(Bytes) : new ByteArrayContent(Encoding.UTF8.GetBytes(Text ?? string.Empty));
        content.Headers.TryAddWithoutValidation("Content-Type", ContentType.Contains("json", StringComparison.Ordinal) && !ContentType.Contains("charset", StringComparison.Ordinal)
            ? ContentType + "; charset=utf-8" : ContentType);
        return content;
    }
}
