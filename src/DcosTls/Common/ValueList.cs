using System.Collections.ObjectModel;

namespace DcosTls.Common;

/// <summary>
/// A read-only list that pwsh treats as a collection ({a, b} in views, an array in ConvertTo-Json,
/// -contains, -join, indexing) and that reads as its items joined when it is turned into one
/// string: Export-Csv writes a property's ToString(), and an array there would be "System.String[]".
/// </summary>
public sealed class ValueList<T> : ReadOnlyCollection<T>
{
    private readonly string _separator;

    internal ValueList(IEnumerable<T> items, string separator = ", ")
        : base(items.ToList())
    {
        _separator = separator;
    }

    internal static ValueList<T> None { get; } = new(Array.Empty<T>());

    public override string ToString() => string.Join(_separator, this);
}
