namespace DcosTls.Trust;

/// <summary>
/// What a certificate file on the agent holds, or why there is nothing to list: Health is null when
/// certificates were read, else Missing, Empty, NotPem, or the word of the entry that was not read
/// (<see cref="Files.InstalledFileException.Health"/>); Refused then says why, with its stable id.
/// </summary>
internal sealed record InstalledCertificates(IReadOnlyList<X509Certificate2> Certificates, bool IsPem, string? Health, Files.InstalledFileException? Refused)
{
    internal static InstalledCertificates Nothing(string health, Files.InstalledFileException? refused = null)
        => new(Array.Empty<X509Certificate2>(), false, health, refused);
}
