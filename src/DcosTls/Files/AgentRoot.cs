namespace DcosTls.Files;

/// <summary>
/// The agent's / as this process sees it: "/" on the agent itself, or a staging folder that stands in
/// for it (-Root). Maps agent paths ("/etc/docker/...") under the root and refuses every path that
/// leaves it, for reads as for writes. Readers that write nothing (the checks, the inventory) use it
/// alone; StagedFileWriter writes through it.
/// </summary>
internal sealed class AgentRoot
{
    internal AgentRoot(string root) => Root = Path.GetFullPath(string.IsNullOrEmpty(root) ? "/" : root);

    /// <summary>The full path of the root, "/" on a real agent.</summary>
    internal string Root { get; }

    /// <summary>True when the root is this machine's own /.</summary>
    internal bool IsAgentItself => Root == "/";

    /// <summary>
    /// Maps an agent path under the root, refusing anything that climbs out of it: by "..", and by a
    /// symlinked folder on the way whose target lies outside the root (a staging root with
    /// etc/docker linked to the real /etc/docker must not write the real one). The last component
    /// may be a link: writes replace it by rename and never follow it.
    /// </summary>
    internal string Map(string agentPath)
    {
        string relative = agentPath.TrimStart('/');
        string full = Path.GetFullPath(Path.Join(Root, relative));
        if (!IsUnder(full, Root))
        {
            throw new PathOutsideRootException($"The path '{agentPath}' leaves the root '{Root}'. Give a path inside the root.", agentPath);
        }
        RefuseLinkedFoldersOutsideRoot(full, agentPath);
        return full;
    }

    /// <summary>
    /// Map for a file about to be read: a file that is a link resolving outside the root is refused,
    /// not read, so nothing from outside the root is copied into staged files or backups.
    /// </summary>
    internal string MapForRead(string agentPath)
    {
        string full = Map(agentPath);
        if (!LeavesRoot(full)) return full;
        throw new PathOutsideRootException(
            $"'{full}' is a link to '{RealPath(full)}', outside the root '{Root}'; it is not read. Replace the link with the file itself, or choose another -Root.", agentPath);
    }

    /// <summary>
    /// The check of <see cref="MapForRead"/> for a full path found by listing a folder under the root
    /// (the inventory's reads): outside the root, through a linked folder out of it, or a link whose
    /// target leaves it, the file is not read.
    /// </summary>
    internal void CheckRead(string full)
    {
        if (!Contains(full))
            throw new PathOutsideRootException($"'{full}' is outside the root '{Root}'; it is not read. Replace the link that leads there with the file itself, or choose another -Root.", full);
        MapForRead(AgentPathOf(full));
    }

    /// <summary>A link (the entry itself) whose final target lies outside a staging root.</summary>
    internal bool LeavesRoot(string full)
        => Root != "/" && new FileInfo(full).LinkTarget != null && !IsUnder(RealPath(full), RealPath(Root));

    /// <summary>The agent path ("/etc/...") of a path Map returned: the inverse of Map.</summary>
    internal string AgentPathOf(string fullPath)
    {
        string relative = Path.GetRelativePath(Root, Path.GetFullPath(fullPath));
        return relative == "." ? "/" : "/" + relative;
    }

    /// <summary>Whether a full path lies under the root (text only; Map also checks links on the way).</summary>
    internal bool Contains(string fullPath) => IsUnder(Path.GetFullPath(fullPath), Root);

    private static bool IsUnder(string path, string root)
        => path == root || path.StartsWith(root.EndsWith('/') ? root : root + "/", StringComparison.Ordinal);

    private void RefuseLinkedFoldersOutsideRoot(string full, string agentPath)
    {
        if (Root == "/") return; // on the agent itself every path is inside
        string rootReal = RealPath(Root);
        string current = Root;
        string[] parts = Path.GetRelativePath(Root, full).Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < parts.Length - 1; i++)
        {
            current = Path.Join(current, parts[i]);
            var info = new DirectoryInfo(current);
            if (info.LinkTarget == null) { if (!info.Exists) return; continue; }
            string target = RealPath(current);
            if (!IsUnder(target, rootReal))
                throw new PathOutsideRootException($"The path '{agentPath}' goes through '{current}', a link to '{target}' outside the root '{Root}'. Remove the link or choose another -Root.", agentPath);
        }
    }

    /// <summary>The path with every link on the way resolved (the folders must exist).</summary>
    private static string RealPath(string path)
    {
        string result = "/";
        foreach (string part in Path.GetFullPath(path).Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            result = Path.Join(result, part);
            var info = new DirectoryInfo(result);
            if (info.LinkTarget != null)
                result = Path.GetFullPath(info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? result);
        }
        return result;
    }
}
