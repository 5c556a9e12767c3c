using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

// dcostls-host: runs a PowerShell script in the real engine on machines without pwsh.
//   dcostls-host [-Verbose] <script.ps1> [-Name value ...]
//   dcostls-host [-Verbose] -Command '<script text>'
// The module is importable as the root DcosTls.psd1 (found above this program), so scripts can
// `Import-Module DcosTls` by path exactly as they would in pwsh.

string? manifest = FindManifest();
var argsList = args.ToList();
bool verbose = argsList.Remove("-Verbose");
if (argsList.Count == 0)
{
    Console.Error.WriteLine("usage: dcostls-host [-Verbose] <script.ps1> [-Param value ...] | -Command '<script>'");
    return 2;
}

var iss = InitialSessionState.CreateDefault2();
using var runspace = RunspaceFactory.CreateRunspace(iss);
runspace.Open();
runspace.SessionStateProxy.Path.SetLocation(Environment.CurrentDirectory);
using var ps = PowerShell.Create();
ps.Runspace = runspace;
if (manifest != null) runspace.SessionStateProxy.SetVariable("DcosTlsManifest", manifest);
if (verbose) runspace.SessionStateProxy.SetVariable("VerbosePreference", ActionPreference.Continue);

ps.Streams.Error.DataAdded += (s, e) => Console.Error.WriteLine("ERROR: " + Describe(ps.Streams.Error[e.Index]));
ps.Streams.Warning.DataAdded += (s, e) => Console.Error.WriteLine("WARNING: " + ps.Streams.Warning[e.Index].Message);
ps.Streams.Verbose.DataAdded += (s, e) => Console.Error.WriteLine("VERBOSE: " + ps.Streams.Verbose[e.Index].Message);
ps.Streams.Information.DataAdded += (s, e) => Console.WriteLine(ps.Streams.Information[e.Index].MessageData);

if (argsList[0] == "-Command")
{
    ps.AddScript(string.Join(' ', argsList.Skip(1)));
}
else
{
    string script = Path.GetFullPath(argsList[0]);
    ps.AddCommand(script);
    for (int i = 1; i < argsList.Count; i++)
    {
        string a = argsList[i];
        if (a.StartsWith('-') && i + 1 < argsList.Count && !argsList[i + 1].StartsWith('-')) { ps.AddParameter(a[1..], argsList[++i]); }
        else if (a.StartsWith('-')) { ps.AddParameter(a[1..]); }
        else { ps.AddArgument(a); }
    }
}

var output = new PSDataCollection<PSObject>();
output.DataAdded += (s, e) => Console.WriteLine(Render(output[e.Index]));
try
{
    ps.Invoke(null, output);
}
catch (RuntimeException e)
{
    Console.Error.WriteLine("ERROR: " + Describe(e.ErrorRecord));
    return 1;
}
return ps.HadErrors ? 1 : 0;

static string Describe(ErrorRecord e) => $"{e} [{e.FullyQualifiedErrorId}]";

// No Format-*/Out-String in the core engine: strings as they are, objects as "Name : Value" lists.
static string Render(PSObject o)
{
    if (o.BaseObject is string or ValueType) return o.ToString();
    // The type's DefaultDisplayPropertySet (DcosTls.Types.ps1xml) when it has one, else every property.
    var display = (o.Members["PSStandardMembers"]?.Value as PSMemberSet)?.Members["DefaultDisplayPropertySet"]?.Value as PSPropertySet;
    var properties = display != null
        ? display.ReferencedPropertyNames.Select(n => o.Properties[n]).Where(p => p != null).ToList()
        : o.Properties.ToList();
    int width = properties.Count == 0 ? 0 : properties.Max(p => p.Name.Length);
    var lines = new List<string>();
    foreach (var p in properties)
    {
        object? v;
        try { v = p.Value; } catch (Exception) { continue; }
        string text = v switch
        {
            null => string.Empty,
            string s => s.Contains('\n') ? s.Split('\n')[0] + " ..." : s,
            System.Security.Cryptography.X509Certificates.X509Certificate2 c => c.Subject,
            IEnumerable e and not string => "{" + string.Join(", ", e.Cast<object>()) + "}",
            _ => v.ToString() ?? string.Empty,
        };
        lines.Add(p.Name.PadRight(width) + " : " + text);
    }
    return string.Join(Environment.NewLine, lines) + Environment.NewLine;
}

static string? FindManifest()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
    {
        string candidate = Path.Combine(dir.FullName, "DcosTls.psd1");
        if (File.Exists(candidate)) return candidate;
    }
    return null;
}
