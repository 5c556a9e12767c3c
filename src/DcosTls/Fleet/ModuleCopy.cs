using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation.Runspaces;

namespace DcosTls.Fleet;

/// <summary>
/// Brings the module files an agent lacks (or has another build of) to the agent. An agent reached by
/// host name gets them as one staged stream over ssh (ModuleStream): a fresh agent 100 ms away then
/// pays a few round trips instead of one per remoting fragment (about 140 for the whole module).
/// Whatever the stream did not deliver intact, and every file for a session the caller opened (whose
/// ssh settings are not ours to know), goes through the session as before. Either way the agent
/// expands each file aside, checks its SHA-256 and only then renames it into place, the manifest
/// last (AgentScripts.WriteModuleFiles).
/// </summary>
internal sealed class ModuleCopy
{
    private readonly ModulePayload _module;
    private readonly SshSettings _ssh;
    private readonly Action<string> _log;

    internal ModuleCopy(ModulePayload module, SshSettings ssh, Action<string> log)
    {
        _module = module;
        _ssh = ssh;
        _log = log;
    }

    /// <param name="hostName">The agent's host name when this provisioning opened its session; null for a caller's session.</param>
    internal void Send(string agent, string? hostName, string moduleBase, IReadOnlyList<string> stale, Runspace runspace,
        Func<Runspace, string, IDictionary<string, object?>, Collection<PSObject>> run, CancellationToken cancel)
    {
        IReadOnlyList<string> rest = stale;
        if (hostName != null)
        {
            byte[] stage = Array.Empty<byte>();
            Hashtable index = new();
            string stageId = Guid.NewGuid().ToString("N");
            // The files are compressed (once per run, for every agent) while ssh connects.
            var watch = System.Diagnostics.Stopwatch.StartNew();
            string? failure = ModuleStream.Send(_ssh, hostName, moduleBase, stageId, () =>
            {
                (stage, index) = _module.Stage(stale);
                return stage;
            }, cancel);
            double streamed = watch.Elapsed.TotalSeconds;
            if (failure == null)
            {
                rest = run(runspace, AgentScripts.WriteModuleFiles, new Dictionary<string, object?>
                {
                    ["Base"] = moduleBase, ["StageId"] = stageId, ["Index"] = index, ["Manifest"] = Manifest, ["Hashes"] = Hashes(),
                }).Select(o => o.ToString()).ToList();
                _log($"{agent}: module files streamed over ssh ({stale.Count} files, {stage.Length} bytes, {streamed:0.0} s; written in {watch.Elapsed.TotalSeconds - streamed:0.0} s)"
                     + (rest.Count > 0 ? $"; {rest.Count} arrived damaged and go through the session" : string.Empty));
            }
            else
            {
                _log($"{agent}: the module files could not be streamed over ssh ({failure}); they go through the session");
            }
        }
        if (rest.Count == 0) return;
        var files = new Hashtable(StringComparer.Ordinal);
        foreach (var relative in rest) files[relative] = _module.ReadCompressed(relative);
        run(runspace, AgentScripts.WriteModuleFiles, new Dictionary<string, object?>
        {
            ["Base"] = moduleBase, ["Files"] = files, ["Manifest"] = Manifest, ["Hashes"] = Hashes(),
        });
    }

    private string Manifest => _module.Name + ".psd1";

    /// <summary>Upper case, as Get-FileHash answers.</summary>
    internal Hashtable Hashes()
    {
        var table = new Hashtable(StringComparer.Ordinal);
        foreach (var (k, v) in _module.Hashes) table[k] = v.ToUpperInvariant();
        return table;
    }
}
