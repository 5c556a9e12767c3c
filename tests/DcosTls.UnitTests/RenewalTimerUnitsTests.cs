using DcosTls.Lifecycle;
using Xunit;

namespace DcosTls.UnitTests;

/// <summary>
/// The renewal timer's unit text: Exec arguments quoted the way systemd splits them (systemd.service,
/// "Command lines"), '%' and '$' doubled so systemd neither expands a specifier nor a variable in a path.
/// </summary>
public class RenewalTimerUnitsTests
{
    private static RenewalTimerSettings Settings(string script = "/usr/local/sbin/renew.ps1", string? user = null)
        => new("dcostls-renewal", script, "/usr/bin/pwsh", "daily", TimeSpan.FromHours(1), "/var/lib/prometheus/node-exporter", "dcostls.prom", "DcosTls", user);

    [Theory]
    [InlineData("/usr/bin/pwsh", "/usr/bin/pwsh")]
    [InlineData("/opt/my scripts/r.ps1", "\"/opt/my scripts/r.ps1\"")]
    [InlineData("/opt/100%.ps1", "\"/opt/100%%.ps1\"")]
    [InlineData("/opt/$HOME.ps1", "\"/opt/$$HOME.ps1\"")]
    [InlineData("say \"hi\" \\ bye", "\"say \\\"hi\\\" \\\\ bye\"")]
    [InlineData("x;y", "\"x;y\"")]
    [InlineData("", "\"\"")]
    public void Exec_arguments_are_quoted_for_systemd(string argument, string expected)
        => Assert.Equal(expected, RenewalTimerUnits.Quote(argument));

    [Fact]
    public void The_metrics_command_is_one_argument_with_powershell_quotes()
    {
        string service = RenewalTimerUnits.Service(Settings() with { TextfileDirectory = "/srv/o'neil" });
        Assert.Contains("ExecStopPost=/usr/bin/pwsh -NoProfile -NonInteractive -Command \"Import-Module 'DcosTls'; Export-DcosTlsMetric -TextfileDirectory '/srv/o''neil' -Name 'dcostls.prom'\"\n", service);
    }

    [Fact]
    public void Both_files_start_with_the_marker_and_the_service_runs_as_root_unless_told()
    {
        Assert.True(RenewalTimerUnits.IsOurs(RenewalTimerUnits.Service(Settings())));
        Assert.True(RenewalTimerUnits.IsOurs(RenewalTimerUnits.Timer(Settings())));
        Assert.False(RenewalTimerUnits.IsOurs("[Unit]\n" + RenewalTimerUnits.Marker + "\n"));
        Assert.Contains("\nUser=root\n", RenewalTimerUnits.Service(Settings()));
        Assert.Contains("\nUser=metrics\n", RenewalTimerUnits.Service(Settings(user: "metrics")));
    }

    [Fact]
    public void The_timer_spreads_and_catches_up()
    {
        string timer = RenewalTimerUnits.Timer(Settings() with { RandomizedDelay = TimeSpan.FromMinutes(90), OnCalendar = "Mon..Fri 04:30" });
        Assert.Contains("\nOnCalendar=Mon..Fri 04:30\nRandomizedDelaySec=5400\nPersistent=true\nUnit=dcostls-renewal.service\n", timer);
        Assert.EndsWith("[Install]\nWantedBy=timers.target\n", timer);
    }

    [Theory]
    [InlineData("dcostls-renewal", true)]
    [InlineData("registry_renewal.v2", true)]
    [InlineData("a/b", false)]
    [InlineData("x@", false)]
    [InlineData("x.service", false)]
    [InlineData("x.timer", false)]
    [InlineData("-x", false)]
    [InlineData(".x", false)]
    [InlineData("", false)]
    [InlineData("has space", false)]
    public void Unit_names_are_systemd_names_without_suffix(string name, bool valid)
        => Assert.Equal(valid, RenewalTimerUnits.NameProblem(name) == null);
}
