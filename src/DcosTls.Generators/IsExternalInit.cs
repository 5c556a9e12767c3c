namespace System.Runtime.CompilerServices;

/// <summary>What the compiler needs for records on netstandard2.0, which does not have it.</summary>
internal static class IsExternalInit
{
}
