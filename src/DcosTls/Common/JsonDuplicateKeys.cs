namespace DcosTls.Common;

/// <summary>
/// Finds a key given twice in one JSON object. Readers disagree on such files (Go keeps the last
/// value, other tools the first), so a file with one is refused rather than merged.
/// </summary>
internal static class JsonDuplicateKeys
{
    /// <summary>The first repeated key as a dotted path ("auths.repo:5000"), or null. The JSON must be valid.</summary>
    internal static string? Find(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        // One set of keys per open object (null for arrays), and the key that opened each container.
        var keys = new Stack<HashSet<string>?>();
        var path = new Stack<string>();
        string? lastKey = null;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                    path.Push(lastKey ?? "[]");
                    keys.Push(reader.TokenType == JsonTokenType.StartObject ? new HashSet<string>(StringComparer.Ordinal) : null);
                    lastKey = null;
                    break;
                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    keys.Pop();
                    path.Pop();
                    lastKey = null;
                    break;
                case JsonTokenType.PropertyName:
                    string key = reader.GetString()!;
                    if (keys.Peek() is { } seen && !seen.Add(key))
                        return string.Join('.', path.Reverse().Skip(1).Where(p => p != "[]").Append(key));
                    lastKey = key;
                    break;
                default:
                    lastKey = null;
                    break;
            }
        }
        return null;
    }
}
