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

    /// <summary>
    /// Refuses an account path that cannot hold a key (a file given as the folder, a folder where the
    /// key should be) before anything is sent: otherwise the CA registers an account whose key is lost.
    /// </summary>
    internal void Check()
    {
        if (File.Exists(Folder))
            throw new AcmeProblemException("AcmeAccountPathInvalid", ErrorCategory.InvalidArgument,
                $"-AccountPath '{Folder}' is a file. Give a folder for the account key (it is created when missing).");
        if (Directory.Exists(KeyPath))
            throw new AcmeProblemException("AcmeAccountKeyInvalid", ErrorCategory.InvalidData,
                $"'{KeyPath}' is a folder, not an account key. Move it away, or give another -AccountPath.");
    }

    /// <summary>
    /// Holds the folder's lock while an account is looked up or made, so two first orders at once make
    /// one account: the second finds the first's key instead of registering an orphan. A folder made
    /// here is 0700; an existing folder keeps its mode (it is the operator's). Call after Check.
    /// </summary>
    internal IDisposable Lock()
    {
        try
        {
            if (!Directory.Exists(Folder))
            {
                if (OperatingSystem.IsWindows()) Directory.CreateDirectory(Folder);
                else Directory.CreateDirectory(Folder, PrivateFolder);
            }
            return Files.AgentFileLock.AcquireFolder(Folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw NotWritable(e);
        }
    }

    private AcmeProblemException NotWritable(Exception e)
        => new("AcmeAccountNotWritable", ErrorCategory.WriteError,
            $"The ACME account folder '{Folder}' cannot be used ({e.GetType().Name}). Check that it is a folder this user can write (not immutable, not read-only), or give another -AccountPath.");

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
        catch (Exception e)
        {
            key.Dispose();
            try { File.Delete(temp); } catch (Exception left) when (left is IOException or UnauthorizedAccessException) { }
            if (e is IOException or UnauthorizedAccessException) throw NotWritable(e);
            throw;
        }
        return new NewAccountKey(key, temp, KeyPath);
    }
}
