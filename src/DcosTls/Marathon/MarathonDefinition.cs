using System.Collections;
using DcosTls.Common;

namespace DcosTls.Marathon;

/// <summary>
/// An app definition as Marathon takes it (a JSON object with an id), from what a pwsh user has: JSON
/// text, a hashtable, ConvertFrom-Json output, New-MarathonRegistryApp's object or Get-MarathonApp's.
/// And the comparison that decides whether a PUT is needed: every field the definition gives must
/// already hold that value in the running app (Marathon fills in defaults for the rest).
/// </summary>
internal static class MarathonDefinition
{
    /// <summary>Parses JSON text into an app definition (an object with a string "id").</summary>
    internal static JsonObject Parse(string json, string source)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new DcosTlsException("InvalidMarathonAppDefinition", ErrorCategory.InvalidData,
                $"{source} is not JSON ({e.Message.Split('.')[0]}). Give a Marathon app definition: a JSON object with an \"id\".", source, e);
        }
        return Check(node, source);
    }

    /// <summary>A definition from any object the cmdlets accept.</summary>
    internal static JsonObject From(object? input, string source)
    {
        object? value = input is PSObject ps ? ps.BaseObject : input;
        switch (value)
        {
            case MarathonRegistryApp registry:
                return Parse(registry.AppDefinition, source);
            case MarathonApp app:
                return Parse(app.Definition, source);
            case string text:
                return Parse(text, source);
            case IDictionary or PSCustomObject:
                return Check(ToNode(input, 0), source);
        }
        // An object with an AppDefinition (New-MarathonRegistryApp, deserialized) or a Definition (Get-MarathonApp).
        if (input is PSObject wrapped)
        {
            foreach (string name in new[] { "AppDefinition", "Definition" })
                if (wrapped.Properties[name]?.Value is string json) return Parse(json, source);
        }
        throw new DcosTlsException("InvalidMarathonAppDefinition", ErrorCategory.InvalidArgument,
            $"{source} is a {value?.GetType().Name ?? "null"}, not an app definition. Give JSON text, a hashtable, the output of ConvertFrom-Json, New-MarathonRegistryApp or Get-MarathonApp.", source);
    }

    private static JsonObject Check(JsonNode? node, string source)
    {
        if (node is not JsonObject obj)
            throw new DcosTlsException("InvalidMarathonAppDefinition", ErrorCategory.InvalidData,
                $"{source} is not a JSON object. Give a Marathon app definition: an object with an \"id\".", source);
        if (obj["id"] is JsonValue id && id.TryGetValue<string>(out var text))
        {
            obj["id"] = MarathonAppId.Normalize(text);
            return obj;
        }
        throw new DcosTlsException("InvalidMarathonAppDefinition", ErrorCategory.InvalidData,
            $"{source} has no \"id\" (a string such as \"/registry\"). Add one, or give -Id.", source);
    }

    /// <summary>A pwsh value as JSON: dictionaries and PSCustomObjects as objects, lists as arrays.</summary>
    internal static JsonNode? ToNode(object? input, int depth)
    {
        if (depth > 64) throw new DcosTlsException("InvalidMarathonAppDefinition", ErrorCategory.InvalidData, "The app definition nests deeper than 64 levels.");
        object? value = input is PSObject ps && ps.BaseObject is not PSCustomObject ? ps.BaseObject : input;
        switch (value)
        {
            case null: return null;
            case string s: return JsonValue.Create(s);
            case bool b: return JsonValue.Create(b);
            case int or long or short or byte or uint or ulong or ushort or sbyte:
                return JsonValue.Create(Convert.ToInt64(value, CultureInfo.InvariantCulture));
            case double or float or decimal:
                return JsonValue.Create(Convert.ToDouble(value, CultureInfo.InvariantCulture));
            case SwitchParameter sw: return JsonValue.Create(sw.IsPresent);
            case IDictionary dict:
                var obj = new JsonObject();
                foreach (DictionaryEntry e in dict) obj[Convert.ToString(e.Key, CultureInfo.InvariantCulture)!] = ToNode(e.Value, depth + 1);
                return obj;
            case PSObject custom:
                var fromCustom = new JsonObject();
                foreach (var p in custom.Properties.Where(p => p.MemberType == PSMemberTypes.NoteProperty))
                    fromCustom[p.Name] = ToNode(p.Value, depth + 1);
                return fromCustom;
            case IEnumerable list:
                var array = new JsonArray();
                foreach (object? item in list) array.Add(ToNode(item, depth + 1));
                return array;
            default:
                return JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// The fields of <paramref name="desired"/> whose values the running app does not hold (empty: a PUT
    /// would change nothing). Objects compare field by field (Marathon adds defaults), arrays element by
    /// element with the same length, numbers as numbers.
    /// </summary>
    internal static IReadOnlyList<string> Differences(JsonObject desired, JsonObject current)
    {
        var found = new List<string>();
        CompareObject(desired, current, string.Empty, found);
        return found;
    }

    private static void CompareObject(JsonObject desired, JsonObject current, string at, List<string> found)
    {
        foreach (var (name, value) in desired)
        {
            string path = at.Length == 0 ? name : at + "." + name;
            current.TryGetPropertyValue(name, out var have);
            if (!Holds(value, have, path, found)) found.Add(path);
        }
    }

    private static bool Holds(JsonNode? want, JsonNode? have, string path, List<string> found)
    {
        switch (want)
        {
            case null:
                return have == null;
            case JsonObject wantObject:
                if (have is not JsonObject haveObject) return wantObject.Count == 0 && have == null;
                CompareObject(wantObject, haveObject, path, found);
                return true; // differences inside are listed by their own paths
            case JsonArray wantArray:
                if (have is not JsonArray haveArray || haveArray.Count != wantArray.Count) return wantArray.Count == 0 && have == null;
                var scratch = new List<string>();
                for (int i = 0; i < wantArray.Count; i++)
                    if (!Holds(wantArray[i], haveArray[i], path, scratch) || scratch.Count > 0) return false;
                return true;
            default:
                if (have is not JsonValue haveValue) return false;
                var w = ((JsonValue)want).GetValueKind();
                var h = haveValue.GetValueKind();
                if (w == JsonValueKind.Number && h == JsonValueKind.Number)
                    return double.Parse(want.ToJsonString(), CultureInfo.InvariantCulture) == double.Parse(have.ToJsonString(), CultureInfo.InvariantCulture);
                return JsonNode.DeepEquals(want, have);
        }
    }
}
