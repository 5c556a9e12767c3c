using System.Management.Automation;
using System.Reflection;
using System.Text.RegularExpressions;
using DcosTls.Cmdlets;
using DcosTls.Common;
using DcosTls.Generators;
using Xunit;
using Role = DcosTls.Generators.AcmeRole;

namespace DcosTls.UnitTests;

/// <summary>
/// The ACME parameters have one home, src/DcosTls.Generators/AcmeParameterTable.cs: the source generator
/// declares them on each cmdlet marked [AcmeParameters(role, sets)]. Read back by reflection from the
/// built module: every marked cmdlet has exactly its role's parameters, in the table's types, sets,
/// checks and pipeline binding, in the role's order; and no hand-written [Parameter] line in src/DcosTls
/// declares one of them.
/// </summary>
public sealed class AcmeParameterHomeTests
{
    private static readonly Assembly Module = typeof(DcosTlsException).Assembly;
    private const string EverySet = "__AllParameterSets";

    /// <summary>The ACME cmdlets and their roles: a new one is a line here and a mark on its class.</summary>
    private static readonly Dictionary<string, Role> Marked = new()
    {
        ["NewDcosCertificateCommand"] = Role.Issue,
        ["UpdateDockerDaemonCertificateCommand"] = Role.Renew,
        ["UpdateDockerClientCertificateCommand"] = Role.Renew,
        ["AcmeAccountCmdlet"] = Role.Account,
        ["NewDcosAcmeAccountCommand"] = Role.AccountCreation,
        ["UpdateDcosCertificateCommand"] = Role.DescribedRenewal,
    };

    private static IEnumerable<(Type Type, AcmeParametersAttribute Mark)> MarkedTypes()
        => Module.GetTypes().Select(t => (t, t.GetCustomAttribute<AcmeParametersAttribute>(inherit: false)))
            .Where(m => m.Item2 != null).Select(m => (m.t, m.Item2!));

    [Fact]
    public void TheMarkedCmdletsAreTheAcmeOnes()
    {
        var found = MarkedTypes().ToDictionary(m => m.Type.Name, m => m.Mark.Role.ToString());
        Assert.Equal(Marked.ToDictionary(m => m.Key, m => m.Value.ToString()).OrderBy(m => m.Key), found.OrderBy(m => m.Key));
        // The roles the cmdlets name are the table's, by name and number.
        Assert.Equal(Enum.GetNames<Role>(), Enum.GetNames<DcosTls.Cmdlets.AcmeRole>());
        Assert.Equal(Enum.GetValues<Role>().Select(r => (int)r), Enum.GetValues<DcosTls.Cmdlets.AcmeRole>().Select(r => (int)r));
    }

    [Fact]
    public void EachMarkedCmdletHasItsRolesParametersAsTheTableSays()
    {
        foreach (var (type, mark) in MarkedTypes())
        {
            var role = AcmeParameterTable.Role((Role)(int)mark.Role);
            string[] acmeSets = mark.DirectorySets.Concat(mark.NamedSets).Order().ToArray();
            var declared = type.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Where(p => p.IsDefined(typeof(ParameterAttribute))).Select(p => p.Name).ToList();
            foreach (string name in role.Parameters)
            {
                var parameter = AcmeParameterTable.Parameter(name);
                string where = $"{type.Name} -{name} ({role.Role})";
                var property = type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly);
                Assert.True(property != null, $"{where} is not declared");
                Assert.Equal(CSharpName(parameter.Type), CSharpName(property!.PropertyType));

                var lines = property.GetCustomAttributes<ParameterAttribute>().ToList();
                string[] expectedSets = parameter.Choice switch
                {
                    AcmeChoice.Directory => mark.DirectorySets.Order().ToArray(),
                    AcmeChoice.Named => mark.NamedSets.Order().ToArray(),
                    _ => role.OptionsInEverySet ? new[] { EverySet } : acmeSets,
                };
                Assert.Equal(expectedSets, lines.Select(l => l.ParameterSetName).Order().ToArray());
                bool first = parameter.Choice == AcmeChoice.Directory && role.DirectoryFirstAndPiped;
                foreach (var line in lines)
                {
                    Assert.True(line.Mandatory == (parameter.Choice != AcmeChoice.Option), $"{where} in {line.ParameterSetName}: Mandatory");
                    Assert.True(line.ValueFromPipelineByPropertyName == parameter.ByPropertyName.Contains(role.Role), $"{where} in {line.ParameterSetName}: by property name");
                    Assert.True(line.ValueFromPipeline == first && line.Position == (first ? 0 : int.MinValue), $"{where} in {line.ParameterSetName}: position and pipeline");
                }
                string[] checks = property.GetCustomAttributes<ValidateArgumentsAttribute>().Select(Describe).Order().ToArray();
                Assert.Equal(parameter.Validation.Select(v => v.Replace(" ", "")).Order().ToArray(), checks);
            }
            // The role's parameters stand together in the role's order (SYNTAX lists named parameters so).
            int start = declared.IndexOf(role.Parameters[0]);
            Assert.Equal(role.Parameters, declared.Skip(start).Take(role.Parameters.Length));
        }
    }

    /// <summary>A parameter the cmdlet lists after the ACME ones (a partial property) still comes right after them.</summary>
    [Theory]
    [InlineData(typeof(NewDcosCertificateCommand), "TsigAlgorithm", "SkipIfValid")]
    [InlineData(typeof(UpdateDcosCertificateCommand), "CaCertificatePath", "Root,PassThru")]
    public void ParametersListedAfterTheAcmeOnesStayThere(Type type, string last, string followers)
    {
        var declared = type.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(p => p.IsDefined(typeof(ParameterAttribute))).Select(p => p.Name).ToList();
        Assert.Equal(followers.Split(','), declared.SkipWhile(n => n != last).Skip(1));
    }

    /// <summary>
    /// No hand-written [Parameter] line declares an ACME parameter: the table is their one home. Only
    /// Connect-DcosCluster's -CaCertificatePath (the cluster's CA, not an ACME server's) has the name.
    /// </summary>
    [Fact]
    public void OnlyTheTableDeclaresThem()
    {
        var names = AcmeParameterTable.Parameters.Select(p => p.Name).ToHashSet();
        var property = new Regex(@"^\s*public\s+(?:partial\s+|override\s+|new\s+)?[\w.<>\[\]?]+\s+(\w+)\s*\{");
        var found = new List<string>();
        string cmdlets = Path.Combine(RepoRoot(), "src", "DcosTls");
        foreach (string file in Directory.EnumerateFiles(cmdlets, "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")) continue;
            bool parameterLine = false;
            foreach (string line in File.ReadLines(file))
            {
                string text = line.Trim();
                if (text.StartsWith("[Parameter", StringComparison.Ordinal)) parameterLine = true;
                var match = property.Match(line);
                if (match.Success)
                {
                    if (parameterLine && names.Contains(match.Groups[1].Value)) found.Add($"{Path.GetFileName(file)}: {match.Groups[1].Value}");
                    parameterLine = false;
                }
                else if (!text.StartsWith('[') && !text.StartsWith("//", StringComparison.Ordinal) && text.Length > 0) parameterLine = false;
            }
        }
        Assert.Equal(new[] { "ConnectDcosClusterCommand.cs: CaCertificatePath" }, found);
    }

    /// <summary>The generator runs in the compiler only: the module neither references it nor ships it.</summary>
    [Fact]
    public void TheGeneratorIsNoPartOfTheModule()
    {
        Assert.DoesNotContain(Module.GetReferencedAssemblies(), a => a.Name!.StartsWith("DcosTls.Generators", StringComparison.Ordinal)
            || a.Name.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal));
        string bin = Path.Combine(RepoRoot(), "module", "bin");
        if (Directory.Exists(bin))
            Assert.DoesNotContain(Directory.EnumerateFiles(bin, "*", SearchOption.AllDirectories), f =>
                Path.GetFileName(f).StartsWith("DcosTls.Generators", StringComparison.Ordinal) || Path.GetFileName(f).StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal));
    }

    private static string Describe(ValidateArgumentsAttribute check) => check switch
    {
        ValidateRangeAttribute range => $"ValidateRange({range.MinRange},{range.MaxRange})",
        ValidateSetAttribute set => $"ValidateSet({string.Join(",", set.ValidValues.Select(v => $"\"{v}\""))})",
        _ => check.GetType().Name,
    };

    /// <summary>The table's C# type ("string?", "Uri") and a property's type, named alike.</summary>
    private static string CSharpName(string type) => type.TrimEnd('?') switch
    {
        "string" => "String",
        "string[]" => "String[]",
        "int" => "Int32",
        var other => other,
    };

    private static string CSharpName(Type type) => type.Name;

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "DcosTls.psd1"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("The repository root (DcosTls.psd1) was not found above " + AppContext.BaseDirectory);
    }
}
