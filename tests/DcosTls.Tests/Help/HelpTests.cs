using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text.RegularExpressions;
using DcosTls.Tests.Infrastructure;
using Xunit;

namespace DcosTls.Tests.Help;

/// <summary>
/// Help is part of every cmdlet: Get-Help -Full (from the MAML built out of en-US/*.md) must have a
/// synopsis, a description, every parameter documented and no parameter that does not exist, and
/// examples whose code parses; examples marked &lt;!-- runnable --&gt; run here.
/// </summary>
public class HelpTests
{
    private static readonly string[] CommonParameters =
    {
        "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable", "WarningVariable",
        "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable", "WhatIf", "Confirm",
    };

    public static IEnumerable<object[]> ExportedCmdlets()
    {
        using var ps = new Pwsh();
        return ps.Run("(Get-Module DcosTls).ExportedCmdlets.Keys | ForEach-Object { $_ }").ThrowOnError()
            .Output.Select(o => new object[] { o.ToString() }).ToList();
    }

    [Theory]
    [MemberData(nameof(ExportedCmdlets))]
    public void Get_Help_Full_documents_the_cmdlet_completely(string cmdlet)
    {
        using var ps = new Pwsh();
        var r = ps.Run($@"
            $h = Get-Help {cmdlet} -Full
            'SYNOPSIS=' + $h.Synopsis
            'DESCRIPTION=' + (($h.description | ForEach-Object {{ $_.Text }}) -join ' ')
            $h.parameters.parameter | ForEach-Object {{ 'PARAM=' + $_.name + '=' + (($_.description | ForEach-Object {{ $_.Text }}) -join ' ') }}
            $h.examples.example | ForEach-Object {{ 'EXAMPLE=' + $_.code }}
            (Get-Command {cmdlet}).Parameters.Keys | ForEach-Object {{ 'ACTUAL=' + $_ }}").ThrowOnError();
        var lines = r.Output.Select(o => o.ToString()).ToList();
        string synopsis = lines.Single(l => l.StartsWith("SYNOPSIS=")).Substring(9);
        Assert.False(string.IsNullOrWhiteSpace(synopsis), "no synopsis");
        Assert.DoesNotContain(cmdlet + " ", synopsis); // the engine's fallback synopsis is the syntax line
        Assert.True(lines.Single(l => l.StartsWith("DESCRIPTION=")).Length > 40, "no description");
        var documented = lines.Where(l => l.StartsWith("PARAM=")).Select(l => l.Split('=', 3)).ToDictionary(p => p[1], p => p[2]);
        var actual = lines.Where(l => l.StartsWith("ACTUAL=")).Select(l => l[7..]).Except(CommonParameters).ToList();
        foreach (var p in actual)
        {
            Assert.True(documented.ContainsKey(p), $"{cmdlet}: parameter -{p} is not documented in en-US/{cmdlet}.md");
            Assert.True(documented[p].Trim().Length > 10, $"{cmdlet}: parameter -{p} has no description");
        }
        foreach (var p in documented.Keys)
            Assert.True(actual.Contains(p), $"{cmdlet}: en-US/{cmdlet}.md documents -{p}, which does not exist");
        var examples = lines.Where(l => l.StartsWith("EXAMPLE=")).Select(l => l[8..]).ToList();
        Assert.NotEmpty(examples);
        foreach (var code in examples)
        {
            Parser.ParseInput(code, out _, out var errors);
            Assert.True(errors.Length == 0, $"{cmdlet}: example does not parse: {code}\n{string.Join("\n", errors.Select(e => e.Message))}");
        }
    }

    [Fact]
    public void Markdown_has_no_placeholders_and_every_file_is_an_exported_cmdlet()
    {
        var exported = ExportedCmdlets().Select(o => (string)o[0]).ToHashSet();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Repo.Root, "en-US"), "*.md"))
        {
            string text = File.ReadAllText(file);
            Assert.DoesNotMatch(new Regex(@"\{\{.*?\}\}"), text);
            string name = Path.GetFileNameWithoutExtension(file);
            if (!name.StartsWith("about_")) Assert.Contains(name, exported);
        }
        Assert.All(exported, c => Assert.True(File.Exists(Path.Combine(Repo.Root, "en-US", c + ".md")), $"en-US/{c}.md is missing"));
    }

    public static IEnumerable<object[]> RunnableExamples()
    {
        var pattern = new Regex(@"### (?<title>Example[^\n]*)\n<!-- runnable -->\n```powershell\n(?<code>.*?)\n```", RegexOptions.Singleline);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Repo.Root, "en-US"), "*-*.md").OrderBy(f => f))
            foreach (Match m in pattern.Matches(File.ReadAllText(file)))
                yield return new object[] { Path.GetFileNameWithoutExtension(file) + ": " + m.Groups["title"].Value, m.Groups["code"].Value };
    }

    [Theory]
    [MemberData(nameof(RunnableExamples))]
    public void Runnable_examples_run(string example, string code)
    {
        // Examples run in the current folder (here a fresh one per run): a fixed temp path would be shared
        // by every run and every user of the machine, and left behind.
        Assert.DoesNotContain("GetTempPath", code);
        Assert.DoesNotContain("/tmp", code);
        using var dir = new TempDir();
        using var ps = new Pwsh(dir.Path);
        var r = ps.Run(code);
        Assert.True(!r.AllErrors.Any(), $"{example} failed: {string.Join("\n", r.AllErrors.Select(e => e.ToString()))}");
    }

    [Fact]
    public void About_topic_is_found()
    {
        using var ps = new Pwsh();
        var r = ps.Run("(Get-Help about_DcosTls).ToString()").ThrowOnError();
        Assert.Contains("SHORT DESCRIPTION", r.Value?.ToString());
    }

    [Fact]
    public void Every_ps1_in_the_repository_parses()
    {
        var files = Directory.EnumerateFiles(Repo.Root, "*.ps1", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/bin/") && !f.Contains("/obj/") && !f.Contains("/.git/")).ToList();
        Assert.NotEmpty(files);
        foreach (var f in files)
        {
            Parser.ParseFile(f, out _, out var errors);
            Assert.True(errors.Length == 0, $"{f}: {string.Join("; ", errors.Select(e => $"{e.Extent.StartLineNumber}: {e.Message}"))}");
        }
    }
}
