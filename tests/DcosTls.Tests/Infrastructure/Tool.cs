using System.Diagnostics;

namespace DcosTls.Tests.Infrastructure;

/// <summary>Runs a real peer tool (openssl, curl, skopeo...) and captures what it says.</summary>
public static class Tool
{
    /// <summary>Variables that would make a trust test pass for the wrong reason.</summary>
    public static readonly string[] TrustVariables = { "SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE" };

    public static (int ExitCode, string Out, string Err) Run(string file, IEnumerable<string> args,
        string? stdin = null, IDictionary<string, string?>? env = null, string? workingDirectory = null, int timeoutMs = 60_000)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin != null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var v in TrustVariables) psi.Environment.Remove(v);
        if (env != null)
        {
            foreach (var (k, v) in env)
            {
                if (v == null) psi.Environment.Remove(k); else psi.Environment[k] = v;
            }
        }
        using var p = Process.Start(psi)!;
        var outTask = p.StandardOutput.ReadToEndAsync();
        var errTask = p.StandardError.ReadToEndAsync();
        if (stdin != null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeoutMs} ms");
        }
        return (p.ExitCode, outTask.Result, errTask.Result);
    }

    public static (int ExitCode, string Out, string Err) Run(string file, params string[] args) => Run(file, (IEnumerable<string>)args);

    public static string Openssl(params string[] args)
    {
        var (code, stdout, stderr) = Run("openssl", args);
        if (code != 0) throw new Xunit.Sdk.XunitException($"openssl {string.Join(' ', args)} failed ({code}): {stderr}");
        return stdout;
    }

    public static bool Exists(string tool)
        => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':')
            .Any(dir => File.Exists(System.IO.Path.Combine(dir, tool)));
}
