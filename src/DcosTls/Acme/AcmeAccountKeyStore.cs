namespace DcosTls.Acme;

/// <summary>
/// The account key: an ECDSA P-256 PKCS#8 PEM file (0600) in a folder (0700), one folder per ACME
/// directory host under the user's config directory unless the user names another. A key file that
/// group or others can read is refused: whoever reads it can act as the account.
/// </summary>
internal sealed class AcmeAccountKeyStore
{
    internal const string KeyFileName = "account.key";
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    internal AcmeAccountKeyStore(string folder) => Folder = folder;

    internal string Folder { get; }
    internal string KeyPath => Path.Combine(Folder, KeyFileName);
    internal bool Exists => File.Exists(KeyPath);

    /// <summary>~/.config/DcosTls/acme/host[_port] (XDG_CONFIG_HOME when set).</summary>
    internal static string DefaultFolder(Uri directory)
    {
        string config = Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        if (string.IsNullOrEmpty(config))
            config = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        string host = directory.IsDefaultPort ? directory.Host : $"{directory.Host}_{directory.Port}";
        return Path.Combine(config, "DcosTls", "acme", host);
    }

    /// <summary>The existing key, after its file's mode is checked.</summary>
    internal ECDsa Load()
    {
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(KeyPath);
            if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
                throw new AcmeProblemException("AcmeAccountKeyExposed", ErrorCategory.SecurityError,
                    $"The ACME account key '{KeyPath}' can be read or written by group or others (mode {Convert.ToString((int)mode, 8)}). " +
                    $"Nothing was sent. Run 'chmod 600 {KeyPath}' if only you ever had access, otherwise deactivate that account and remove the file.");
        }
        string pem = File.ReadAllText(KeyPath);
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new AcmeProblemException("AcmeAccountKeyInvalid", ErrorCategory.InvalidData,
                $"The ACME account key '{KeyPath}' is not an ECDSA private key in PEM. Move it away to create a new account, or give another -AccountPath.");
        }
        if (key.KeySize != 256)
        {
            key.Dispose();
            throw new AcmeProblemException("AcmeAccountKeyInvalid", ErrorCategory.InvalidData,
                $"The ACME account key '{KeyPath}' is ECDSA {key.KeySize}, not P-256 (ES256). Move it away to create a new account, or give another -AccountPath.");
        }
        return key;
    }

    /// <summary>
    /// A new P-256 key in a 0600 temporary file in the folder. It becomes the account key (a rename)
    /// only once the server has registered it: an account that was never made leaves no key behind.
    /// </summary>
    internal NewAccountKey Create()
    {
        Directory.CreateDirectory(Folder);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Folder, PrivateFolder);
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string temp = Path.Combine(Folder, $".{KeyFileName}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = PrivateFile;
            using var stream = new FileStream(temp, options);
            using var writer = new StreamWriter(stream);
            writer.Write(key.ExportPkcs8PrivateKeyPem());
            writer.Write('\n');
        }
        catch
        {
            key.Dispose();
            File.Delete(temp);
            throw;
        }
        return new NewAccountKey(key, temp, KeyPath);
    }
}
