using DcosTls.HelpBuilder;

// dcostls-helpbuilder <markdown folder> <output folder>
//   <Verb>-<Noun>.md  -> DcosTls.dll-Help.xml (one MAML file for all cmdlets)
//   about_*.md        -> about_*.help.txt
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: dcostls-helpbuilder <markdown folder> <output folder>");
    return 2;
}
string source = args[0], output = args[1];
Directory.CreateDirectory(output);
var commands = Directory.EnumerateFiles(source, "*-*.md").Select(f => MarkdownHelpReader.Read(File.ReadAllText(f))).ToList();
var maml = MamlWriter.Write(commands);
WriteIfChanged(Path.Combine(output, "DcosTls.dll-Help.xml"), maml.Declaration + Environment.NewLine + maml.Root);
foreach (string about in Directory.EnumerateFiles(source, "about_*.md"))
    WriteIfChanged(Path.Combine(output, Path.GetFileNameWithoutExtension(about) + ".help.txt"), AboutTopicWriter.Write(File.ReadAllText(about)));
Console.WriteLine($"help: {commands.Count} cmdlets -> {output}");
return 0;

// Unchanged help is not rewritten, so incremental builds stay incremental.
static void WriteIfChanged(string path, string text)
{
    if (File.Exists(path) && File.ReadAllText(path) == text) return;
    File.WriteAllText(path, text);
}
