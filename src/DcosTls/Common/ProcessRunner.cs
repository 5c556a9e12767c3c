using System.ComponentModel;
using System.Diagnostics;

namespace DcosTls.Common;

/// <summary>What a command run by <see cref="ProcessRunner"/> did.</summary>
internal sealed record ProcessResult(string CommandLine, bool Started, int ExitCode, string Output, string Error)
{
    internal bool Succeeded => Started && ExitCode == 0;

    /// <summary>One line for an error message: the command, and why it failed with what it printed.</summary>
    internal string Describe()
    {
        if (!Started) return $"'{CommandLine}' could not be started ({Error})";
        string said = (Error.Trim().Length > 0 ? Error : Output).Trim();
        return $"'{CommandLine}' exited with {ExitCode}" + (said.Length > 0 ? $": {said}" : string.Empty);
    }
}

/// <summary>
/// The one way the module runs a system command (systemctl, update-ca-certificates, ...): arguments as a
/// list (never through a shell), both output streams read at the same time (reading one to its end
/// first can block forever once the other fills its pipe), the exit code and what was printed kept.
/// </summary>
internal static class ProcessRunner
{
    internal static ProcessResult Run(string command, params string[] arguments)
    {
        string commandLine = string.Join(' ', new[] { command }.Concat(arguments));
        var psi = new ProcessStartInfo(command)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string a in arguments) psi.ArgumentList.Add(a);
        Process? process;
        try { process = Process.Start(psi); }
        catch (Win32Exception e) { return new ProcessResult(commandLine, false, -1, string.Empty, e.Message); }
        if (process == null) return new ProcessResult(commandLine, false, -1, string.Empty, "no process");
        using (process)
        {
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            return new ProcessResult(commandLine, true, process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
        }
    }
}
