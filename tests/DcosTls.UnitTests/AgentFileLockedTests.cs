using System.Management.Automation;
using DcosTls.Common;
using DcosTls.Files;
using Xunit;

namespace DcosTls.UnitTests;

/// <summary>
/// A run that finds the agent root locked by another run for longer than its wait gives up with
/// AgentFileLocked (ResourceBusy), names the root and says nothing was changed. The lock is the
/// kernel's flock on the root folder: a second open of the folder (another run, or here another open
/// in this process: flock locks belong to the open file, not the process) cannot take it while the
/// first is held.
/// </summary>
public class AgentFileLockedTests
{
    [Fact]
    public void A_root_held_by_another_run_is_refused_with_AgentFileLocked_ResourceBusy_naming_the_root()
    {
        if (!OperatingSystem.IsLinux()) return; // the lock is flock, Linux only
        string root = Directory.CreateTempSubdirectory("dcostls-lock-").FullName;
        try
        {
            AgentFileLockException refused;
            using (AgentFileLock.AcquireFolder(root))
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                refused = Assert.Throws<AgentFileLockException>(() => AgentFileLock.AcquireFolder(root, TimeSpan.FromMilliseconds(300)));
                Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(300), $"gave up after {clock.Elapsed.TotalMilliseconds:0} ms, before its wait");
            }

            // What the user sees: the one mapping of the cmdlet base.
            ErrorRecord record = DcosTls.Cmdlets.DcosCmdlet.ToErrorRecord(refused);
            Assert.Equal("AgentFileLocked", record.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ResourceBusy, record.CategoryInfo.Category);
            Assert.Equal(root, record.TargetObject);
            string message = record.ErrorDetails?.Message ?? record.Exception.Message;
            Assert.Contains($"'{root}'", message);
            Assert.Contains("Another DcosTls run", message);
            Assert.Contains("nothing was changed", message);

            // Released, the same root is taken at once: it was the lock that refused.
            using (AgentFileLock.AcquireFolder(root, TimeSpan.FromMilliseconds(300))) { }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
