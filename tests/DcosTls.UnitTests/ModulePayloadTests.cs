using DcosTls.Fleet;
using Xunit;

namespace DcosTls.UnitTests;

/// <summary>
/// The names of the files an agent lacks come back from the agent: the payload reads only the files
/// of the module it was made from, so an agent that names another path gets nothing from the
/// operator's machine.
/// </summary>
public sealed class ModulePayloadTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("dcostls-payload-").FullName;
    private readonly string _outside;

    public ModulePayloadTests()
    {
        File.WriteAllText(Path.Combine(_base, "DcosTls.psd1"), "@{ ModuleVersion = '0.0.1' }");
        _outside = Path.Combine(Path.GetDirectoryName(_base)!, Path.GetFileName(_base) + "-secret");
        File.WriteAllText(_outside, "not a module file");
    }

    public void Dispose()
    {
        Directory.Delete(_base, recursive: true);
        File.Delete(_outside);
    }

    [Fact]
    public void A_file_of_the_module_is_read()
    {
        var payload = ModulePayload.FromModule("DcosTls", "0.0.1", _base);
        Assert.NotEmpty(payload.ReadCompressed("DcosTls.psd1"));
        Assert.Single(payload.Stage(["DcosTls.psd1"]).Index.Keys);
    }

    [Fact]
    public void A_name_the_agent_makes_up_is_not_read()
    {
        var payload = ModulePayload.FromModule("DcosTls", "0.0.1", _base);
        string escape = "../" + Path.GetFileName(_outside);
        var e = Assert.Throws<InvalidOperationException>(() => payload.ReadCompressed(escape));
        Assert.Contains(escape, e.Message);
        Assert.Throws<InvalidOperationException>(() => payload.ReadCompressed(_outside));
        Assert.Throws<InvalidOperationException>(() => payload.Stage(["DcosTls.psd1", escape]));
    }
}
