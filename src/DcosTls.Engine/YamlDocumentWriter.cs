using YamlDotNet.Serialization;

namespace DcosTls.Engine;

/// <summary>
/// Serialises a document made of BCL values (dictionaries, lists, strings, booleans, numbers) as
/// YAML, so that callers never see a YamlDotNet type. Strings that YAML would read as something
/// else ('true', '1.0', '{}') are quoted, which is what the DC/OS installer's string flags need.
/// </summary>
public static class YamlDocumentWriter
{
    public static string Serialize(IDictionary<string, object?> document)
    {
        var serializer = new SerializerBuilder()
            .WithQuotingNecessaryStrings()
            .DisableAliases()
            .Build();
        return serializer.Serialize(document);
    }
}
