using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Reflection;
using DcosTls.Fleet;
using Xunit;

namespace DcosTls.UnitTests;

/// <summary>
/// The fleet's agent side is PowerShell held in C# strings (Fleet/AgentScripts.cs); only the SSH
/// end-to-end tests ran it. Here every script is parsed as PowerShell parses it, and every call to a
/// cmdlet of this module is checked against the cmdlet's own parameters, read by reflection from the
/// [Cmdlet] classes: a renamed or removed parameter fails here, without an agent.
/// </summary>
public class AgentScriptParameterTests
{
    private static readonly string[] CommonParameters =
    {
        "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction",
        "ErrorVariable", "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable",
        // Their aliases, as pwsh binds them.
        "vb", "db", "ea", "wa", "infa", "proga", "ev", "wv", "iv", "ov", "ob", "pv",
    };

    private static readonly string[] ShouldProcessParameters = { "WhatIf", "Confirm", "wi", "cf" };

    /// <summary>Every agent script: each string constant of AgentScripts (the shared parts too).</summary>
    public static IEnumerable<object[]> Scripts() =>
        typeof(AgentScripts).GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => new object[] { f.Name });

    private static string ScriptText(string name) =>
        (string)typeof(AgentScripts).GetField(name, BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)!.GetRawConstantValue()!;

    /// <summary>The module's cmdlets by name (Verb-Noun), each with its parameter names and aliases.</summary>
    internal static Dictionary<string, HashSet<string>> ModuleCmdlets()
    {
        var cmdlets = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var type in typeof(AgentScripts).Assembly.GetTypes())
        {
            var attribute = type.GetCustomAttribute<CmdletAttribute>();
            if (attribute == null || type.IsAbstract) continue;
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var property in type.GetProperties(BindingFlags.Instance | BindingFlags.Public))
            {
                if (!property.GetCustomAttributes<ParameterAttribute>(inherit: true).Any()) continue;
                names.Add(property.Name);
                foreach (var alias in property.GetCustomAttributes<AliasAttribute>(inherit: true))
                    foreach (var aliasName in alias.AliasNames) names.Add(aliasName);
            }
            names.UnionWith(CommonParameters);
            if (attribute.SupportsShouldProcess) names.UnionWith(ShouldProcessParameters);
            cmdlets[$"{attribute.VerbName}-{attribute.NounName}"] = names;
        }
        return cmdlets;
    }

    internal static ScriptBlockAst Parse(string name, string script)
    {
        var ast = Parser.ParseInput(script, out _, out ParseError[] errors);
        Assert.True(errors.Length == 0,
            $"AgentScripts.{name} does not parse: " + string.Join("; ", errors.Select(e => $"line {e.Extent.StartLineNumber}: {e.Message}")));
        return ast;
    }

    /// <summary>The problems of one script: parameters a module cmdlet does not have.</summary>
    internal static List<string> UnknownParameters(string name, ScriptBlockAst ast, Dictionary<string, HashSet<string>> cmdlets)
    {
        var problems = new List<string>();
        foreach (CommandAst call in ast.FindAll(a => a is CommandAst, searchNestedScriptBlocks: true))
        {
            string? command = call.GetCommandName();
            if (command == null || !cmdlets.TryGetValue(command, out var parameters)) continue;
            foreach (var element in call.CommandElements.Skip(1))
            {
                if (element is CommandParameterAst parameter)
                {
                    if (!parameters.Contains(parameter.ParameterName))
                        problems.Add($"AgentScripts.{name} line {parameter.Extent.StartLineNumber}: {command} has no parameter -{parameter.ParameterName}");
                }
                else if (element is VariableExpressionAst { Splatted: true } splat)
                {
                    // A literal hashtable assigned to the splatted variable in the same script: its keys are parameters.
                    var assigned = ast.FindAll(a => a is AssignmentStatementAst s && s.Left is VariableExpressionAst v &&
                        string.Equals(v.VariablePath.UserPath, splat.VariablePath.UserPath, StringComparison.OrdinalIgnoreCase), true)
                        .Cast<AssignmentStatementAst>();
                    foreach (var assignment in assigned)
                        foreach (HashtableAst table in assignment.Right.FindAll(a => a is HashtableAst, false))
                            foreach (var pair in table.KeyValuePairs)
                            {
                                string key = pair.Item1 is StringConstantExpressionAst s ? s.Value : pair.Item1.Extent.Text;
                                if (!parameters.Contains(key))
                                    problems.Add($"AgentScripts.{name} line {pair.Item1.Extent.StartLineNumber}: {command} has no parameter {key} (splatted @{splat.VariablePath.UserPath})");
                            }
                }
            }
        }
        return problems;
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Every_module_cmdlet_an_agent_script_calls_has_the_parameters_it_passes(string name)
    {
        var ast = Parse(name, ScriptText(name));
        var cmdlets = ModuleCmdlets();
        var problems = UnknownParameters(name, ast, cmdlets);
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void The_scripts_call_the_module_and_the_check_sees_a_wrong_parameter()
    {
        var cmdlets = ModuleCmdlets();
        Assert.True(cmdlets.Count >= 25, $"only {cmdlets.Count} cmdlets found by reflection");
        // The check is not empty: the scripts call module cmdlets with named parameters.
        var called = Scripts().Select(s => (string)s[0])
            .SelectMany(n => Parse(n, ScriptText(n)).FindAll(a => a is CommandAst, true).Cast<CommandAst>())
            .Select(c => c.GetCommandName()).Where(c => c != null && cmdlets.ContainsKey(c)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        foreach (var expected in new[] { "Install-DockerRegistryTrust", "Set-MesosDockerConfig", "Set-DockerDaemonTls", "Import-DcosCertificate", "New-DcosCertificateRequest", "Export-DcosCertificateRequest", "Test-DockerDaemonTls" })
            Assert.Contains(expected, called, StringComparer.OrdinalIgnoreCase);
        // Positive control: a wrong name, a wrong splatted key and -WhatIf on a cmdlet without ShouldProcess are seen.
        const string wrong = @"
Set-DockerDaemonTls -Certificat $c -Root $r
$splat = @{ Root = $r; Registri = 'x' }
Install-DockerRegistryTrust @splat
Test-DockerDaemonTls -Root $r -WhatIf
";
        var problems = UnknownParameters("Control", Parse("Control", wrong), cmdlets);
        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.Contains("-Certificat"));
        Assert.Contains(problems, p => p.Contains("Registri"));
        Assert.Contains(problems, p => p.Contains("Test-DockerDaemonTls has no parameter -WhatIf"));
    }
}
