using System.Collections;
using DcosTls.Fleet;
using Xunit;

namespace DcosTls.UnitTests;

/// <summary>
/// The ssh command line of the module's staged stream: the settings pwsh's SSH transport gets (user,
/// key, port, every -o option) and options that only make it stricter, placed first so that an
/// -SSHOption entry cannot undo them; the remote command quotes the agent's module folder whatever
/// it holds.
/// </summary>
public class ModuleStreamTests
{
    [Fact]
    public void The_stream_gets_the_transports_settings_after_the_stricter_options()
    {
        var options = new Hashtable { ["UserKnownHostsFile"] = "/home/op/known hosts", ["BatchMode"] = "no" };
        var arguments = ModuleStream.Arguments(new SshSettings("core", "/home/op/id_ed25519", 2222, options, 5000),
            "10.0.1.17", "/root/.local/share/powershell/Modules/DcosTls/0.1.0", "0123456789abcdef0123456789abcdef").ToList();

        Assert.Equal(new[] { "-o", "BatchMode=yes", "-o", "ForwardAgent=no", "-o", "ForwardX11=no", "-o", "ClearAllForwardings=yes", "-o", "ControlMaster=no" }, arguments.Take(10));
        Assert.Equal(new[] { "-i", "/home/op/id_ed25519", "-l", "core", "-p", "2222" }, arguments.Skip(10).Take(6));
        Assert.Contains("UserKnownHostsFile=/home/op/known hosts", arguments);
        // ssh keeps the first value of an option: the caller's BatchMode=no comes after ours.
        Assert.True(arguments.IndexOf("BatchMode=yes") < arguments.IndexOf("BatchMode=no"));
        Assert.Equal(new[] { "-T", "--", "10.0.1.17" }, arguments.Skip(arguments.Count - 4).Take(3));
        Assert.Equal("mkdir -p -- '/root/.local/share/powershell/Modules/DcosTls/0.1.0' && umask 077 && "
                     + "cat > '/root/.local/share/powershell/Modules/DcosTls/0.1.0/.dcostls-incoming-0123456789abcdef0123456789abcdef'", arguments[^1]);
    }

    [Fact]
    public void The_remote_command_quotes_a_folder_with_quotes_and_shell_words()
    {
        string command = ModuleStream.RemoteCommand("/home/o'neil/$(reboot) `x`/Modules/DcosTls/0.1.0/", "ab");
        Assert.Equal("mkdir -p -- '/home/o'\\''neil/$(reboot) `x`/Modules/DcosTls/0.1.0/' && umask 077 && "
                     + "cat > '/home/o'\\''neil/$(reboot) `x`/Modules/DcosTls/0.1.0/.dcostls-incoming-ab'", command);
    }

    [Fact]
    public void Without_a_key_file_or_options_only_the_user_and_port_are_given()
    {
        var arguments = ModuleStream.Arguments(new SshSettings("root", null, 22, null, 5000), "agent-1", "/m", "ab").ToList();
        Assert.DoesNotContain("-i", arguments);
        Assert.Equal(new[] { "-l", "root", "-p", "22", "-T", "--", "agent-1" }, arguments.Skip(10).Take(7));
    }

    [Fact]
    public void The_session_and_the_stream_share_one_connection_through_a_private_control_socket()
    {
        // Windows' OpenSSH client shares no connection: SshShare leaves the settings as they are there.
        if (OperatingSystem.IsWindows()) return;
        var given = new Hashtable { ["UserKnownHostsFile"] = "/k" };
        string folder;
        using (var share = SshShare.Create(new SshSettings("root", "/id", 22, given, 5000)))
        {
            var options = share.Settings.Options!;
            Assert.Equal("auto", options["ControlMaster"]);
            Assert.Equal("no", options["ControlPersist"]);
            Assert.Equal("/k", options["UserKnownHostsFile"]);
            Assert.False(given.ContainsKey("ControlPath"), "the caller's options are not changed");
            folder = Path.GetDirectoryName((string)options["ControlPath"]!)!;
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
            // The stream names the same socket, and never becomes a master itself (its ControlMaster=no comes first).
            var arguments = ModuleStream.Arguments(share.Settings, "agent-1", "/m", "ab").ToList();
            Assert.Contains("ControlPath=" + options["ControlPath"], arguments);
            Assert.True(arguments.IndexOf("ControlMaster=no") < arguments.IndexOf("ControlMaster=auto"));
        }
        Assert.False(Directory.Exists(folder));

        // A caller who sets a Control option keeps their own.
        var own = new Hashtable { ["controlpath"] = "/run/mine/%C" };
        using var kept = SshShare.Create(new SshSettings("root", null, 22, own, 5000));
        Assert.Same(own, kept.Settings.Options);
    }
}
