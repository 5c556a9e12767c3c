using System.Runtime.InteropServices;

namespace DcosTls.Common;

/// <summary>Short-lived plain views of a SecureString, zeroed as soon as the callback returns.</summary>
internal static class SecureStrings
{
    internal delegate T SpanFunc<T>(ReadOnlySpan<char> chars);

    internal static unsafe T Use<T>(SecureString secret, SpanFunc<T> use)
    {
        IntPtr ptr = Marshal.SecureStringToGlobalAllocUnicode(secret);
        try
        {
            return use(new ReadOnlySpan<char>((void*)ptr, secret.Length));
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(ptr);
        }
    }
}
