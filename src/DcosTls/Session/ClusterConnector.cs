using DcosTls.Certificates;
using DcosTls.Common;

namespace DcosTls.Session;

/// <summary>
/// What Connect-DcosCluster does once its parameters are checked: load the service account's key or
/// the pinned CA, prove a CA fingerprint against what the cluster serves, and log in. Every failure is a
/// DcosTlsException naming the file or address at fault; a session whose login failed is disposed.
/// </summary>
internal static class ClusterConnector
{
    /// <summary>Logs in with a password (when <paramref name="serviceAccount"/> is null) or the service account's key.</summary>
    internal static DcosSession Connect(Uri baseUri, string userName, string loginType, TlsPolicy tls,
        ServiceAccountLogin? serviceAccount, SecureString? password, Action<string> log, CancellationToken cancel)
    {
        var session = new DcosSession(baseUri, userName, loginType, tls, serviceAccount);
        try
        {
            if (serviceAccount != null)
                session.Client.Login(serviceAccount.Uid, ReadOnlySpan<char>.Empty, serviceAccount.CreateLoginToken(), log, cancel);
            else
                SecureStrings.Use(password!, chars =>
                {
                    session.Client.Login(userName, chars, null, log, cancel);
                    return 0;
                });
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>The service account's RSA key from a PEM file (PKCS#8 or PKCS#1, unencrypted).</summary>
    internal static ServiceAccountLogin LoadServiceAccount(string uid, string path, string given)
    {
        if (!File.Exists(path))
            throw new DcosTlsException("ServiceAccountKeyNotFound", ErrorCategory.ObjectNotFound, $"The key file '{path}' does not exist. Check -PrivateKeyPath.", given);
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DcosTlsException("ServiceAccountKeyUnreadable", ErrorCategory.PermissionDenied,
                $"The key file '{path}' cannot be read ({e.GetType().Name}). Check its permissions.", given, e);
        }
        if (ServiceAccountSecret.IsDocument(text))
        {
            // The service-account secret's JSON (New-DcosServiceAccount, create-sa-secret) saved to a file.
            var login = ServiceAccountSecret.Read(text, $"in '{path}'");
            if (login.Uid != uid)
            {
                login.Dispose();
                throw new DcosTlsException("ServiceAccountUidMismatch", ErrorCategory.InvalidArgument,
                    $"'{path}' is the secret of service account '{login.Uid}', not '{uid}'. Give -ServiceAccount {login.Uid}, or the other account's file.", given);
            }
            return login;
        }
        var block = PemBlock.ReadAll(text).FirstOrDefault(PrivateKeyReader.IsKey);
        AsymmetricAlgorithm? key = null;
        try
        {
            if (block != null) key = PrivateKeyReader.Read(block, ReadOnlySpan<char>.Empty, hasPassword: false);
        }
        catch (Exception e) when (e is CryptographicException or KeyPasswordException) { key = null; }
        if (key is not RSA rsa)
        {
            key?.Dispose();
            throw new DcosTlsException("ServiceAccountKeyInvalid", ErrorCategory.InvalidData,
                $"'{path}' holds no unencrypted RSA private key. Service accounts sign their login with RS256: give the PEM from 'dcos security org service-accounts keypair'.", given);
        }
        return new ServiceAccountLogin(uid, rsa);
    }

    /// <summary>The CA to pin, from a PEM or DER file.</summary>
    internal static X509Certificate2 LoadCaFile(string path, string given)
    {
        try
        {
            return CertificateFileReader.Read(path, null, null)[0].Certificate;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or CryptographicException)
        {
            throw new DcosTlsException("CaCertificateInvalid", ErrorCategory.InvalidData, $"'{path}' could not be read as a CA certificate: {e.Message}", given, e);
        }
    }

    /// <summary>
    /// Fetches /ca/dcos-ca.crt without trust (the CA is not known yet) and returns the certificate only
    /// if its SHA-256 is the one the operator gave.
    /// </summary>
    internal static X509Certificate2 FetchPinnedCa(Uri baseUri, string fingerprint, Action<string> log, CancellationToken cancel)
    {
        string wanted = fingerprint.Replace(":", string.Empty).Replace(" ", string.Empty).ToUpperInvariant();
        if (wanted.Length == 40 && wanted.All(Uri.IsHexDigit))
            throw new DcosTlsException("InvalidCaFingerprint", ErrorCategory.InvalidArgument,
                "-CaFingerprint takes the SHA-256 of the CA certificate (64 hex digits); 40 hex digits is a SHA-1 thumbprint. Get the SHA-256 with 'openssl x509 -noout -fingerprint -sha256', or pin the CA file with -CaCertificatePath.", fingerprint);
        if (wanted.Length != 64 || !wanted.All(Uri.IsHexDigit))
            throw new DcosTlsException("InvalidCaFingerprint", ErrorCategory.InvalidArgument,
                "-CaFingerprint takes the SHA-256 of the CA certificate as 64 hex digits (colons allowed), e.g. from 'openssl x509 -noout -fingerprint -sha256'.", fingerprint);
        using var probe = new DcosSession(baseUri, "anonymous", "Probe", new TlsPolicy(null, skip: true), null);
        var response = probe.Client.Get("/ca/dcos-ca.crt", log, cancel);
        var candidates = PemBlock.ReadCertificates(response.Body);
        var match = candidates.FirstOrDefault(c => Convert.ToHexString(SHA256.HashData(c.RawData)) == wanted);
        if (match == null)
        {
            string got = string.Join(", ", candidates.Select(c => Convert.ToHexString(SHA256.HashData(c.RawData))));
            throw new DcosTlsException("CaFingerprintMismatch", ErrorCategory.SecurityError,
                $"The CA served by {baseUri}ca/dcos-ca.crt has SHA-256 {(got.Length == 0 ? "(none)" : got)}, not {wanted}. Not connecting: check the fingerprint with your cluster administrator.", baseUri);
        }
        return match;
    }
}
