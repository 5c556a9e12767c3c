using DcosTls.Common;

namespace DcosTls.Files;

/// <summary>An agent path that leads out of the staging root (by "..", a linked folder or a linked file).</summary>
internal sealed class PathOutsideRootException : DcosTlsException
{
    internal PathOutsideRootException(string message, string agentPath)
        : base(ErrorId, System.Management.Automation.ErrorCategory.InvalidArgument, message, agentPath) => AgentPath = agentPath;

    internal string AgentPath { get; }

    internal new const string ErrorId = "PathOutsideRoot";
}
