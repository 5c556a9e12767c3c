using DcosTls.Common;

namespace DcosTls.Requests;

/// <summary>
/// Lets -CertificateRequest take the path of a CSR file (a string or a FileInfo), as certbot, step and
/// Posh-ACME do: the file is read by the reader Import-DcosCertificateRequest uses, relative to the pwsh
/// location. A request object passes through untouched; anything else is left to the binder, so a
/// piped row or name still binds by property name or as -CommonName. A file that cannot be read (or is
/// not there) does not fail the binding (the binder would call that ParameterArgumentTransformationError):
/// it becomes a request carrying the reader's error, which the cmdlet reports with the reader's id and
/// goes on with the next input.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class CertificateRequestFileAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        string? given = value switch
        {
            string text => text,
            FileInfo info => info.FullName,
            _ => null,
        };
        if (given == null) return inputData;
        string file;
        try
        {
            file = UserPath.Resolve(engineIntrinsics.SessionState.Path, given);
        }
        catch (Exception e) when (e is ArgumentException or SessionStateException or NotSupportedException)
        {
            if (!LooksLikeFile(given)) return inputData;
            return DcosCertificateRequest.Unreadable(given, new DcosTlsException("PathNotOnFileSystem", ErrorCategory.InvalidArgument,
                $"'{given}' is not a file system path ({e.Message.TrimEnd('.')}). Give -CertificateRequest the path of a CSR file, or a request from Import-DcosCertificateRequest.", given));
        }
        // The transformation also sees strings piped to the name sets ('repo.internal' | New-DcosCertificate
        // -Issuer $ca), and cannot tell them from a path typed after -CertificateRequest. A string that
        // names no file and does not look like one (no folder in it, no CSR extension) is left as it is:
        // the binder cannot make it a request, and it binds as -CommonName, as it always has.
        if (!File.Exists(file) && !LooksLikeFile(given)) return inputData;
        try
        {
            return CertificateRequestReader.ReadFile(file, "-CertificateRequest");
        }
        catch (CertificateRequestException e)
        {
            return DcosCertificateRequest.Unreadable(file, e);
        }
    }

    private static readonly string[] CsrExtensions = { ".csr", ".pem", ".der", ".req", ".p10" };

    private static bool LooksLikeFile(string given)
        => given.Contains('/') || given.Contains('\\') || CsrExtensions.Any(e => given.EndsWith(e, StringComparison.OrdinalIgnoreCase));
}
