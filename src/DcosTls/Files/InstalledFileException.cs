using DcosTls.Common;

namespace DcosTls.Files;

/// <summary>An entry on the agent that was not read: the stable id for the error, and the word its row shows.</summary>
internal sealed class InstalledFileException : DcosTlsException
{
    internal InstalledFileException(string errorId, ErrorCategory category, string message, string path, string health)
        : base(errorId, category, message, path) => Health = health;

    /// <summary>OutsideRoot, NotRegularFile, TooLarge or Unreadable.</summary>
    internal string Health { get; }
}
