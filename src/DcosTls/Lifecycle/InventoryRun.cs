namespace DcosTls.Lifecycle;

/// <summary>
/// The binding both inventory cmdlets share: the root checked and mapped, the client folders
/// resolved from the pwsh location, then one read.
/// </summary>
internal static class InventoryRun
{
    internal static InventoryResult Read(DcosCmdlet cmdlet, Func<string, string> resolvePath, string root, IEnumerable<string>? clientPaths)
    {
        var writer = cmdlet.CreateWriter(root);
        var folders = (clientPaths ?? Array.Empty<string>()).Select(resolvePath).ToList();
        if (!Directory.Exists(writer.Root))
        {
            // A root that is not there would read as an agent with nothing to expire.
            var missing = new InventoryProblem("RootNotFound", ErrorCategory.ObjectNotFound,
                $"The root '{writer.Root}' does not exist. Give the agent's / or the staging folder the other cmdlets wrote.", root);
            var clients = CertificateInventory.Read(writer, folders, cmdlet.WriteWarning, readAgent: false);
            return clients with { Problems = clients.Problems.Prepend(missing).ToList() };
        }
        return CertificateInventory.Read(writer, folders, cmdlet.WriteWarning);
    }
}
