namespace DcosTls.Files;

/// <summary>
/// One file an Export-* or Set-* cmdlet wrote or kept, as -PassThru reports it: what the file is,
/// what happened to it, its mode and where it is.
/// </summary>
public sealed class WrittenFile
{
    internal WrittenFile(string role, string path, FileAction action, UnixFileMode mode)
    {
        Role = role;
        Path = path;
        Action = action;
        Mode = FileModes.Octal(mode);
    }

    /// <summary>What the file holds: Certificate, PrivateKey, HaproxyPem, Pkcs12 or ConfigYaml.</summary>
    public string Role { get; }

    public FileAction Action { get; }

    /// <summary>The mode the file is written with, octal ("0600").</summary>
    public string Mode { get; }

    /// <summary>The file on this machine.</summary>
    public string Path { get; }

    public override string ToString() => $"{Action} {Path}";
}

/// <summary>File modes as results show them.</summary>
internal static class FileModes
{
    /// <summary>Four octal digits, as ls -l users write them ("0600").</summary>
    internal static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');
}
