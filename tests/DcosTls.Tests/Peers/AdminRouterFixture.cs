using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DcosTls.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DcosTls.Tests.Peers;

/// <summary>
/// A stand-in for DC/OS Admin Router + IAM (no real one runs here), in front of a REAL cfssl:
/// TLS with a certificate from the cfssl CA; IAM login for users (password) and service accounts
/// (RS256 login JWT verified against the registered public key); tokens are RS256 JWTs with uid and
/// exp; /ca/api/v2/* checks the token (401 HTML + WWW-Authenticate: acsjwt otherwise) and is proxied
/// to cfssl's /api/v1/cfssl/*; /ca/dcos-ca.crt is unauthenticated. Every request is recorded with its
/// body, so tests can prove what crossed the wire. Shared by the tests of one collection.
/// </summary>
public sealed partial class AdminRouterFixture : IDisposable
{
    private readonly WebApplication _app;
    private readonly RSA _tokenKey = RSA.Create(2048);
    private readonly HttpClient _toCfssl = new();
    private readonly ConcurrentDictionary<string, string> _passwords = new();
    private readonly ConcurrentDictionary<string, RSA> _serviceAccounts = new();
    private readonly ConcurrentDictionary<string, byte> _revoked = new();
    private readonly TempDir _dir = new("dcostls-ar-");

    public AdminRouterFixture()
    {
        // xunit never disposes a fixture whose constructor threw: stop what was started, then fail.
        try
        {
            Cfssl = new CfsslPeer(_dir["cfssl"]);
            _app = Build();
            _app.StartAsync().GetAwaiter().GetResult();
            // Kestrel bound port 0 itself, so no other process can take the port in between.
            var addresses = _app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
                .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses;
            Port = new System.Uri(addresses.Single()).Port;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private WebApplication Build()
    {
        var (certPath, keyPath) = Cfssl.IssueServerCertificate("adminrouter", "127.0.0.1", "localhost", "master.dcos.test");
        using var pemCert = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        // Kestrel on Linux wants a key it can use for the handshake: round-trip through PKCS#12.
        var serverCert = X509CertificateLoader.LoadPkcs12(pemCert.Export(X509ContentType.Pkcs12), null);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(serverCert)));
        var app = builder.Build();
        app.Use(async (ctx, next) =>
        {
            ctx.Request.EnableBuffering();
            string body = await new StreamReader(ctx.Request.Body, Encoding.UTF8, leaveOpen: true).ReadToEndAsync();
            ctx.Request.Body.Position = 0;
            Requests.Enqueue(new RecordedRequest(ctx.Request.Method, ctx.Request.Path + ctx.Request.QueryString,
                ctx.Request.Headers.Authorization.ToString(), body));
            await next();
        });
        // Cast: a bare method group would bind to the RequestDelegate overload and drop the IResult.
        app.MapPost("/acs/api/v1/auth/login", (Func<HttpContext, Task<IResult>>)Login);
        app.MapGet("/ca/dcos-ca.crt", () => Results.Text(Cfssl.CaPem, "application/x-x509-ca-cert"));
        app.MapPost("/ca/api/v2/{endpoint}", ProxyToCfssl);
        MapExtraEndpoints(app);
        MapMesosEndpoints(app);
        return app;
    }

    /// <summary>Other areas (secrets, ...) add their endpoints in partial files of their own.</summary>
    partial void MapExtraEndpoints(WebApplication app);

    /// <summary>The leading Mesos master's endpoints (AdminRouterFixture.Mesos.cs).</summary>
    partial void MapMesosEndpoints(WebApplication app);

    public CfsslPeer Cfssl { get; }
    public int Port { get; }
    public string Uri => $"https://127.0.0.1:{Port}";
    public string CaPath => Cfssl.CaPath;
    public string CaSha256 => Convert.ToHexString(SHA256.HashData(X509Certificate2.CreateFromPem(Cfssl.CaPem).RawData));

    /// <summary>SHA-1 of the cluster CA, as X509Certificate2.Thumbprint and the module's Thumbprint give it.</summary>
    public string CaThumbprint => X509Certificate2.CreateFromPem(Cfssl.CaPem).Thumbprint;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Every token this fixture handed out: tests search their outputs for these.</summary>
    public ConcurrentBag<string> IssuedTokens { get; } = new();

    /// <summary>Token lifetime per uid (default one hour); negative gives already-expired tokens.</summary>
    public ConcurrentDictionary<string, TimeSpan> TokenLifetime { get; } = new();

    /// <summary>A rewrite of the body sent on to cfssl, per endpoint (to provoke real cfssl errors).</summary>
    public ConcurrentDictionary<string, Func<string, string>> CfsslBodyRewrite { get; } = new();

    /// <summary>A rewrite of cfssl's answer, per endpoint, given the request body (a CA that answers wrongly).</summary>
    public ConcurrentDictionary<string, Func<string, string, string>> CfsslAnswerRewrite { get; } = new();

    /// <summary>Per uid: the login answer's body, given the token that would have been sent (a faulty master).</summary>
    public ConcurrentDictionary<string, Func<string, string>> LoginAnswerRewrite { get; } = new();

    public void AddUser(string uid, string password) => _passwords[uid] = password;

    public void AddServiceAccount(string uid, string publicKeyPem)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(publicKeyPem);
        _serviceAccounts[uid] = rsa;
    }

    /// <summary>Makes every token issued so far to this uid answer 401 from now on.</summary>
    public void RevokeTokensOf(string uid)
    {
        foreach (var t in IssuedTokens)
            if (Uid(t) == uid) _revoked[t] = 0;
    }

    private async Task<IResult> Login(HttpContext ctx)
    {
        JsonNode? body;
        try { body = await JsonNode.ParseAsync(ctx.Request.Body); }
        catch (JsonException) { return Json(IamError("Bad Request", "Request body is not valid JSON.", "ERR_INVALID_DATA"), 400); }
        string? uid = body?["uid"]?.GetValue<string>();
        string? password = body?["password"]?.GetValue<string>();
        string? loginToken = body?["token"]?.GetValue<string>();
        bool ok = uid != null && ((password != null && _passwords.TryGetValue(uid, out var expected) && expected == password)
            || (loginToken != null && _serviceAccounts.TryGetValue(uid, out var key) && VerifyServiceLogin(loginToken, uid, key)));
        if (!ok) return Json(IamError("401 Unauthorized", "Invalid credentials.", "ERR_INVALID_CREDENTIALS"), 401);
        string token = IssueToken(uid!);
        if (LoginAnswerRewrite.TryGetValue(uid!, out var rewrite))
            return Results.Text(rewrite(token), "application/json", Encoding.UTF8, 200);
        return Json(new JsonObject { ["token"] = token }, 200);
    }

    /// <summary>JSON from a JsonNode, written as text (the slim host has no reflection serializer).</summary>
    internal static IResult Json(JsonNode body, int status) => Results.Text(body.ToJsonString(), "application/json", Encoding.UTF8, status);

    private static JsonObject IamError(string title, string description, string code)
        => new() { ["title"] = title, ["description"] = description, ["code"] = code };

    private string IssueToken(string uid)
    {
        var lifetime = TokenLifetime.TryGetValue(uid, out var l) ? l : TimeSpan.FromHours(1);
        string token = SignJwt(new JsonObject { ["jti"] = Guid.NewGuid().ToString("N"), ["uid"] = uid, ["exp"] = DateTimeOffset.UtcNow.Add(lifetime).ToUnixTimeSeconds() }, _tokenKey);
        IssuedTokens.Add(token);
        return token;
    }

    /// <summary>The uid of a valid (ours, unexpired, not revoked) token in the Authorization header, else null.</summary>
    internal string? AuthenticatedUid(HttpContext ctx)
    {
        string header = ctx.Request.Headers.Authorization.ToString();
        string? token = header.StartsWith("token=", StringComparison.Ordinal) ? header[6..]
            : header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..] : null;
        if (token == null || _revoked.ContainsKey(token) || !VerifyJwt(token, _tokenKey, out var claims)) return null;
        if (claims["exp"] is JsonValue exp && exp.GetValue<long>() <= DateTimeOffset.UtcNow.ToUnixTimeSeconds()) return null;
        return claims["uid"]?.GetValue<string>();
    }

    /// <summary>Admin Router's 401: HTML, with the acsjwt challenge.</summary>
    internal static IResult Unauthorized(HttpContext ctx)
    {
        ctx.Response.Headers.WWWAuthenticate = "acsjwt";
        return Results.Content("<html><body><h1>401 Unauthorized</h1></body></html>", "text/html", statusCode: 401);
    }

    private async Task<IResult> ProxyToCfssl(HttpContext ctx, string endpoint)
    {
        if (AuthenticatedUid(ctx) == null) return Unauthorized(ctx);
        string body = await new StreamReader(ctx.Request.Body).ReadToEndAsync();
        if (CfsslBodyRewrite.TryGetValue(endpoint, out var rewrite)) body = rewrite(body);
        using var response = await _toCfssl.PostAsync($"http://127.0.0.1:{Cfssl.Port}/api/v1/cfssl/{endpoint}",
            new StringContent(body, Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        if (CfsslAnswerRewrite.TryGetValue(endpoint, out var answer)) text = answer(body, text);
        // Pass cfssl's answer through as it is, text/plain error envelopes included.
        return Results.Content(text, response.Content.Headers.ContentType?.ToString() ?? "application/json", Encoding.UTF8, (int)response.StatusCode);
    }

    private static bool VerifyServiceLogin(string jwt, string uid, RSA key)
        => VerifyJwt(jwt, key, out var claims) && claims["uid"]?.GetValue<string>() == uid
           && claims["exp"] is JsonValue exp && exp.GetValue<long>() > DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public static string SignJwt(JsonObject claims, RSA key)
    {
        string head = B64(Encoding.UTF8.GetBytes("{\"alg\":\"RS256\",\"typ\":\"JWT\"}")) + "." + B64(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        return head + "." + B64(key.SignData(Encoding.ASCII.GetBytes(head), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    private static bool VerifyJwt(string jwt, RSA key, out JsonObject claims)
    {
        claims = new JsonObject();
        var parts = jwt.Split('.');
        if (parts.Length != 3) return false;
        try
        {
            var header = JsonNode.Parse(UnB64(parts[0]));
            if (header?["alg"]?.GetValue<string>() != "RS256") return false;
            if (!key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), UnB64(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)) return false;
            claims = JsonNode.Parse(UnB64(parts[1])) as JsonObject ?? new JsonObject();
            return true;
        }
        catch (Exception e) when (e is FormatException or JsonException) { return false; }
    }

    private static string? Uid(string jwt)
    {
        try { return JsonNode.Parse(UnB64(jwt.Split('.')[1]))?["uid"]?.GetValue<string>(); }
        catch (Exception) { return null; }
    }

    private static string B64(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] UnB64(string s)
    {
        s = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
    }

    public void Dispose()
    {
        if (_app != null)
        {
            try { _app.StopAsync().GetAwaiter().GetResult(); } catch (Exception) { }
            ((IDisposable)_app).Dispose();
        }
        Cfssl?.Dispose();
        _toCfssl.Dispose();
        _dir.Dispose();
    }
}

public sealed record RecordedRequest(string Method, string Path, string Authorization, string Body);

[Xunit.CollectionDefinition(Name)]
public sealed class ClusterCollection : Xunit.ICollectionFixture<AdminRouterFixture>
{
    public const string Name = "DC/OS cluster stand-in";
}
