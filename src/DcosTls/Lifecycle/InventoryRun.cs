using DcosTls.Common;
using DcosTls.Files;

namespace DcosTls.Lifecycle;

/// <summary>
/// The binding both inventory cmdlets share: the root checked and mapped, the client folders
/// resolved from the pwsh location, then one read, with a progress bar per store and folder (a large
/// agent's stores take a while to read, and the cmdlets show nothing until the read is done).
/// </summary>
internal static class InventoryRun
{
    /// <param name="activityId">The calling cmdlet's own id (<see cref="ProgressReporter"/>).</param>
    /// <param name="writer">The cmdlet's writer for -Root (it reads only, so -WhatIf changes nothing).</param>
    internal static InventoryResult Read(PSCmdlet cmdlet, StagedFileWriter writer, int activityId, Func<string, string> resolvePath, string root, IEnumerable<string>? clientPaths)
    {
        var folders = (clientPaths ?? Array.Empty<string>()).Select(resolvePath).ToList();
        bool readAgent = Directory.Exists(writer.Root);
        var progress = ProgressReporter.Batch(cmdlet, activityId, cmdlet.MyInvocation.MyCommand.Name + " " + writer.Root,
            CertificateInventory.StepCount(folders.Count, readAgent));
        InventoryResult result = null!;
        progress.CompleteOnStop(() => result = Read(cmdlet, writer, root, folders, readAgent, progress.Next));
        progress.Complete();
        return result;
    }

    private static InventoryResult Read(Cmdlet cmdlet, StagedFileWriter writer, string root, List<string> folders, bool readAgent, Action<string> step)
    {
        if (!readAgent)
        {
            // A root that is not there would read as an agent with nothing to expire.
            var missing = new InventoryProblem("RootNotFound", ErrorCategory.ObjectNotFound,
                $"The root '{writer.Root}' does not exist. Give the agent's / or the staging folder the other cmdlets wrote.", root);
            var clients = CertificateInventory.Read(writer, folders, cmdlet.WriteWarning, readAgent: false, step);
            return clients with { Problems = clients.Problems.Prepend(missing).ToList() };
        }
        return CertificateInventory.Read(writer, folders, cmdlet.WriteWarning, step: step);
    }
}
