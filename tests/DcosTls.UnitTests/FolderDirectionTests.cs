using System.Reflection;
using System.Reflection.Emit;
using DcosTls.Common;
using Xunit;

namespace DcosTls.UnitTests;

/// <summary>
/// The folders of src/DcosTls depend on each other one way (ARCHITECTURE.md, "Which way the arrows
/// point"): every type of the module is read by reflection (base type, interfaces, fields, properties,
/// events, method signatures and locals, attribute arguments that name a type, and every type, method
/// or field the IL of a method body names), and each type of another folder it uses must be one its
/// folder may use by the table below. The namespace is the folder (DcosTls.Acme.Dns is Acme). A
/// constant is copied into the code that reads it, so a use of another folder's const is not seen here.
/// </summary>
public sealed class FolderDirectionTests
{
    /// <summary>
    /// What each folder may use, besides itself. Read from the bottom: Common uses nothing, Files only
    /// Common, every domain folder Files and Certificates, and the cmdlets anything. A new folder, or a
    /// new arrow between domain folders, is a line changed here; the table itself must stay free of cycles.
    /// </summary>
    internal static readonly IReadOnlyDictionary<string, string[]> Allowed = new Dictionary<string, string[]>
    {
        ["Common"] = Array.Empty<string>(),
        ["Loading"] = Array.Empty<string>(), // the engine's load context, hooked by a module initializer: used by no folder
        ["Files"] = new[] { "Common" },
        ["Certificates"] = new[] { "Common", "Files" },
        ["Requests"] = new[] { "Common", "Files", "Certificates" },
        ["Session"] = new[] { "Common", "Files", "Certificates" },
        ["Acme"] = new[] { "Common", "Files", "Certificates", "Session" },
        ["Credentials"] = new[] { "Common", "Files", "Certificates", "Session" },
        ["Fleet"] = new[] { "Common", "Files", "Certificates", "Requests", "Session" },
        ["Trust"] = new[] { "Common", "Files", "Certificates" },
        ["DockerDaemon"] = new[] { "Common", "Files", "Certificates" },
        ["Lifecycle"] = new[] { "Common", "Files", "Certificates", "DockerDaemon", "Trust" },
        ["Cluster"] = new[] { "Common", "Files", "Certificates", "Session", "Credentials" }, // Admin Router calls beyond the CA: Marathon, IAM, secrets
        ["Marathon"] = new[] { "Common", "Files", "Certificates", "Credentials", "Session", "Cluster" },
        ["Cmdlets"] = new[] { "Common", "Files", "Certificates", "Requests", "Session", "Acme", "Credentials", "Fleet", "Trust",
            "DockerDaemon", "Lifecycle", "Marathon", "Cluster" },
    };

    private static readonly Assembly Module = typeof(DcosTlsException).Assembly;

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>The folder of a type of the module (the first namespace part after DcosTls), or null for any other type.</summary>
    internal static string? FolderOf(Type type)
    {
        if (type.Assembly != Module) return null;
        string ns = type.Namespace ?? string.Empty;
        if (!ns.StartsWith("DcosTls.", StringComparison.Ordinal)) return null;
        return ns["DcosTls.".Length..].Split('.')[0];
    }

    [Fact]
    public void EveryFolderUsesOnlyWhatTheTableAllows()
    {
        var violations = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (type, used) in UsesByType())
        {
            string from = FolderOf(type)!;
            Assert.True(Allowed.ContainsKey(from), $"The folder {from} ({type.FullName}) is not in the table of FolderDirectionTests: say which folders it may use.");
            foreach (var target in used)
            {
                string to = FolderOf(target)!;
                if (to != from && !Allowed[from].Contains(to))
                    violations.Add($"{from} -> {to}: {Outer(type).FullName} uses {Outer(target).FullName}");
            }
        }
        Assert.True(violations.Count == 0,
            "Folders that use a folder the table does not allow (ARCHITECTURE.md, \"Which way the arrows point\"):\n  "
            + string.Join("\n  ", violations));
    }

    [Fact]
    public void TheTableHasNoCycle()
    {
        var done = new HashSet<string>();
        var path = new List<string>();
        void Visit(string folder)
        {
            if (done.Contains(folder)) return;
            Assert.False(path.Contains(folder), "The folders depend on each other in a circle: " + string.Join(" -> ", path.SkipWhile(f => f != folder).Append(folder)));
            path.Add(folder);
            foreach (string next in Allowed[folder])
            {
                Assert.True(Allowed.ContainsKey(next), $"{folder} may use {next}, which is not in the table.");
                Visit(next);
            }
            path.RemoveAt(path.Count - 1);
            done.Add(folder);
        }
        foreach (string folder in Allowed.Keys) Visit(folder);
    }

    /// <summary>The check sees what it claims to: a use in a signature and one only inside a method body.</summary>
    [Fact]
    public void TheReaderSeesSignaturesAndMethodBodies()
    {
        var uses = UsesByType().ToDictionary(u => u.Type, u => u.Used);
        Type Named(string name) => Module.GetTypes().Single(t => t.Name == name && t.DeclaringType == null);
        // StagedFileWriter.Declined takes a FileAction (a signature); the -Registry completer resolves
        // -Root with UserPath only inside CompleteArgument (a body).
        Assert.Contains(Named("FileAction"), uses[Named("StagedFileWriter")]);
        Assert.Contains(Named("UserPath"), uses[Named("RegistryCompleter")]);
    }

    private static Type Outer(Type type)
    {
        while (type.DeclaringType != null) type = type.DeclaringType;
        return type;
    }

    /// <summary>Each type of the module (nested and compiler-made ones included) with the module's types it uses.</summary>
    private static IEnumerable<(Type Type, HashSet<Type> Used)> UsesByType()
    {
        foreach (var type in Module.GetTypes().Where(t => FolderOf(t) != null))
        {
            var used = new HashSet<Type>();
            void Add(Type? t)
            {
                if (t == null) return;
                if (t.HasElementType) { Add(t.GetElementType()); return; }
                if (t.IsGenericType && !t.IsGenericTypeDefinition)
                {
                    foreach (var a in t.GetGenericArguments()) Add(a);
                    Add(t.GetGenericTypeDefinition());
                    return;
                }
                if (t.IsGenericParameter) return;
                if (FolderOf(t) != null) used.Add(t);
            }
            void AddAttributes(IEnumerable<CustomAttributeData> attributes)
            {
                foreach (var a in attributes)
                {
                    Add(a.AttributeType);
                    foreach (var arg in a.ConstructorArguments.Concat(a.NamedArguments.Select(n => n.TypedValue)))
                        if (arg.Value is Type named) Add(named);
                }
            }

            Add(type.BaseType);
            foreach (var i in type.GetInterfaces()) Add(i);
            AddAttributes(type.GetCustomAttributesData());
            foreach (var f in type.GetFields(Declared)) { Add(f.FieldType); AddAttributes(f.GetCustomAttributesData()); }
            foreach (var p in type.GetProperties(Declared)) { Add(p.PropertyType); AddAttributes(p.GetCustomAttributesData()); }
            foreach (var e in type.GetEvents(Declared)) Add(e.EventHandlerType);
            foreach (var m in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
            {
                if (m is MethodInfo mi) Add(mi.ReturnType);
                AddAttributes(m.GetCustomAttributesData());
                foreach (var p in m.GetParameters()) { Add(p.ParameterType); AddAttributes(p.GetCustomAttributesData()); }
                var body = m.GetMethodBody();
                if (body == null) continue;
                foreach (var local in body.LocalVariables) Add(local.LocalType);
                foreach (var member in MembersNamedBy(m, body.GetILAsByteArray() ?? Array.Empty<byte>()))
                {
                    switch (member)
                    {
                        case Type t: Add(t); break;
                        case MethodBase called:
                            Add(called.DeclaringType);
                            if (called is MethodInfo { IsGenericMethod: true } g) foreach (var a in g.GetGenericArguments()) Add(a);
                            break;
                        case FieldInfo field: Add(field.DeclaringType); Add(field.FieldType); break;
                    }
                }
            }
            yield return (type, used);
        }
    }

    /// <summary>The types, methods and fields a method's IL names (the operands of call, newobj, ldfld, castclass, ldtoken, ...).</summary>
    private static IEnumerable<MemberInfo> MembersNamedBy(MethodBase method, byte[] il)
    {
        var typeArguments = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        int at = 0;
        while (at < il.Length)
        {
            short value = il[at] == 0xFE ? (short)(0xFE00 | il[at + 1]) : il[at];
            at += il[at] == 0xFE ? 2 : 1;
            var op = OpCodesByValue[value];
            switch (op.OperandType)
            {
                case OperandType.InlineMethod:
                case OperandType.InlineField:
                case OperandType.InlineType:
                case OperandType.InlineTok:
                    int token = BitConverter.ToInt32(il, at);
                    MemberInfo? member = null;
                    try { member = method.Module.ResolveMember(token, typeArguments, methodArguments); }
                    catch (ArgumentException) { }
                    if (member != null) yield return member;
                    at += 4;
                    break;
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget:
                case OperandType.ShortInlineI:
                case OperandType.ShortInlineVar: at += 1; break;
                case OperandType.InlineVar: at += 2; break;
                case OperandType.InlineI8:
                case OperandType.InlineR: at += 8; break;
                case OperandType.InlineSwitch: at += 4 + 4 * BitConverter.ToInt32(il, at); break;
                default: at += 4; break; // InlineBrTarget, InlineI, InlineSig, InlineString, ShortInlineR
            }
        }
    }
}
