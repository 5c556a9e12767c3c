using System.Diagnostics;

namespace DcosTls.Fleet;

/// <summary>
/// Stages bytes in a file on an agent through one ssh stream: `ssh ... host 'cat > file'`. Remoting
/// waits for an acknowledgement of every ~32 KB fragment, so a distant agent pays a round trip per
/// fragment; one ssh channel sends the whole stream within its window. The ssh client gets the same
/// user, key, port and -o options as pwsh's own SSH transport (New-PSSession -HostName passes them as
/// -l, -i, -p and -o key=value), plus options that can only make it stricter: BatchMode (never
/// prompts: an unknown host key or a key that needs a passphrase fails instead), no forwarding, no
/// terminal. The staged file is never loaded as it is: the agent checks every file's SHA-256 when it
/// expands the stage (AgentScripts.WriteModuleFiles).
/// </summary>
internal static class ModuleStream
{
    /// <summary>The prefix of a staged stream's file name in the module's folder on the agent.</summary>
    internal const string StagePrefix = ".dcostls-incoming-";

    /// <summary>How long a stream may take before it is abandoned (the session's copy then takes over).</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    /// <summary>The ssh arguments: pwsh's transport's options first of all, then the host and the remote command.</summary>
    internal static IReadOnlyList<string> Arguments(SshSettings ssh, string hostName, string moduleBase, string stageId)
    {
        var arguments = new List<string>();
        // ssh takes the first value it is given for an option: these come before the caller's, so
        // that none of them is made weaker by an -SSHOption entry. The stream uses the session's
        // connection when it is shared (SshShare) and never offers its own.
        foreach (var option in new[] { "BatchMode=yes", "ForwardAgent=no", "ForwardX11=no", "ClearAllForwardings=yes", "ControlMaster=no" })
        {
            arguments.Add("-o");
            arguments.Add(option);
        }
        if (!string.IsNullOrEmpty(ssh.KeyFilePath)) { arguments.Add("-i"); arguments.Add(ssh.KeyFilePath); }
        if (!string.IsNullOrEmpty(ssh.UserName)) { arguments.Add("-l"); arguments.Add(ssh.UserName); }
        arguments.Add("-p");
        arguments.Add(ssh.Port.ToString(CultureInfo.InvariantCulture));
        if (ssh.Options != null)
        {
            foreach (System.Collections.DictionaryEntry option in ssh.Options)
            {
                arguments.Add("-o");
                arguments.Add($"{option.Key}={option.Value}");
            }
        }
        arguments.Add("-T");
        arguments.Add("--");
        arguments.Add(hostName);
        arguments.Add(RemoteCommand(moduleBase, stageId));
        return arguments;
    }

    /// <summary>
    /// What the agent's login shell runs: the module's folder made if missing, and the stream written
    /// to a file readable by this user only, inside that folder.
    /// </summary>
    internal static string RemoteCommand(string moduleBase, string stageId)
    {
        string stage = moduleBase.TrimEnd('/') + "/" + StagePrefix + stageId;
        return $"mkdir -p -- {ShellQuote(moduleBase)} && umask 077 && cat > {ShellQuote(stage)}";
    }

    /// <summary>One POSIX shell word, whatever the text holds.</summary>
    internal static string ShellQuote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// Streams the bytes <paramref name="stage"/> makes to the agent's stage file; they are made while
    /// ssh connects. Returns null when ssh says they arrived (exit 0), otherwise why not, in one line;
    /// the caller then copies through the session. A cancelled run ends the ssh client (and its proxy
    /// command) at once.
    /// </summary>
    internal static string? Send(SshSettings ssh, string hostName, string moduleBase, string stageId, Func<byte[]> stage, CancellationToken cancel)
    {
        var start = new ProcessStartInfo("ssh")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in Arguments(ssh, hostName, moduleBase, stageId)) start.ArgumentList.Add(argument);
        Process? process;
        try { process = Process.Start(start); }
        catch (System.ComponentModel.Win32Exception e) { return $"ssh could not be started: {e.Message}"; }
        if (process == null) return "ssh could not be started";
        using (process)
        {
            void End()
            {
                try { if (!process.HasExited) process.Kill(entireProcessTree: true); }
                catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception) { /* it has ended */ }
            }
            using var stop = cancel.Register(End);
            var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
            var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            byte[] bytes;
            try { bytes = stage(); }
            catch
            {
                End();
                throw;
            }
            try
            {
                process.StandardInput.BaseStream.Write(bytes);
                process.StandardInput.Close();
            }
            catch (IOException) { /* ssh ended before reading it all: its exit code and words say why */ }
            if (!process.WaitForExit(Limit))
            {
                End();
                process.WaitForExit();
                cancel.ThrowIfCancellationRequested();
                return $"the stream did not end within {Limit.TotalMinutes} minutes";
            }
            process.WaitForExit();
            cancel.ThrowIfCancellationRequested();
            if (process.ExitCode == 0) return null;
            string said = error.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? string.Empty;
            _ = output.Result;
            return $"ssh exited {process.ExitCode}{(said.Length > 0 ? ": " + said : string.Empty)}";
        }
    }
}
