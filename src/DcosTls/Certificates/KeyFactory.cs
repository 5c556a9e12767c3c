namespace DcosTls.Certificates;

/// <summary>Key generation with the in-box crypto (OpenSSL underneath on Linux).</summary>
internal static class KeyFactory
{
    internal static readonly int[] EcdsaSizes = { 256, 384, 521 };
    internal const int RsaMinimum = 2048;
    internal const int RsaMaximum = 8192;

    internal static int DefaultSize(KeyAlgorithm algorithm, bool forAuthority)
        => algorithm == KeyAlgorithm.ECDSA ? 256 : forAuthority ? 4096 : 2048;

    /// <summary>The sizes cfssl accepts: RSA 2048-8192, ECDSA 256/384/521. Null when valid.</summary>
    internal static string? ValidateSize(KeyAlgorithm algorithm, int size)
    {
        if (algorithm == KeyAlgorithm.RSA && (size < RsaMinimum || size > RsaMaximum || size % 8 != 0))
            return $"RSA key size {size} is not accepted: use a multiple of 8 from {RsaMinimum} to {RsaMaximum} (2048, 3072 or 4096 are usual).";
        if (algorithm == KeyAlgorithm.ECDSA && !EcdsaSizes.Contains(size))
            return $"ECDSA key size {size} is not accepted: use 256, 384 or 521 (the NIST curves P-256, P-384, P-521).";
        return null;
    }

    internal static AsymmetricAlgorithm Create(KeyAlgorithm algorithm, int size) => algorithm switch
    {
        KeyAlgorithm.RSA => RSA.Create(size),
        KeyAlgorithm.ECDSA => ECDsa.Create(size switch
        {
            256 => ECCurve.NamedCurves.nistP256,
            384 => ECCurve.NamedCurves.nistP384,
            521 => ECCurve.NamedCurves.nistP521,
            _ => throw new ArgumentOutOfRangeException(nameof(size)),
        }),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };

    /// <summary>SHA-256 for RSA and P-256 (as the usual openssl commands), the curve's own hash for P-384/P-521.</summary>
    internal static HashAlgorithmName HashFor(AsymmetricAlgorithm key) => key switch
    {
        ECDsa { KeySize: 384 } => HashAlgorithmName.SHA384,
        ECDsa { KeySize: 521 } => HashAlgorithmName.SHA512,
        _ => HashAlgorithmName.SHA256,
    };
}
