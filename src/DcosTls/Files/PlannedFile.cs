namespace DcosTls.Files;

/// <summary>One file an Export-* cmdlet is about to write: its role in the result, where, what, which mode.</summary>
internal sealed record PlannedFile(string Role, string Path, byte[] Content, UnixFileMode Mode);
