using DcosTls.Common;

namespace DcosTls.Marathon;

/// <summary>
/// Marathon app ids: absolute paths /group/app whose segments are lower-case DNS labels (or . and ..
/// inside a path), the last not restart, tasks or versions. In URLs the slashes stay literal.
/// </summary>
internal static partial class MarathonAppId
{
    [GeneratedRegex(@"^(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])$")]
    private static partial Regex Segment();

    private static readonly string[] Reserved = { "restart", "tasks", "versions" };

    /// <summary>The id with its leading '/', or an InvalidMarathonAppId error naming the bad segment.</summary>
    internal static string Normalize(string? id)
    {
        string text = (id ?? string.Empty).Trim();
        if (text.Length > 0 && !text.StartsWith('/')) text = "/" + text;
        text = text.TrimEnd('/');
        var segments = text.Split('/').Skip(1).ToArray();
        if (segments.Length == 0)
            throw Invalid(id, "is empty. Give the app's id, e.g. /registry or /tools/registry");
        foreach (string segment in segments)
        {
            if (!Segment().IsMatch(segment))
                throw Invalid(id, $"has the segment '{Printable(segment)}': each segment is lower-case letters, digits, '-' and '.' (not at either end)");
        }
        if (Reserved.Contains(segments[^1]))
            throw Invalid(id, $"ends with '{segments[^1]}', which Marathon keeps for its own paths");
        return text;
    }

    private static DcosTlsException Invalid(string? id, string why)
        => new("InvalidMarathonAppId", ErrorCategory.InvalidArgument, $"The Marathon app id '{Printable(id ?? string.Empty)}' {why}.", id);

    private static string Printable(string text)
        => new(text.Take(100).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
