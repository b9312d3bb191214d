using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Workflows.Engine.Execution;

namespace Workflows.Engine.Tests;

/// <summary>The engine's options as configuration sets them: defaults that meet the recovery goal, and combinations refused at start.</summary>
public sealed class EngineOptionsTests
{
    [Fact]
    public void Defaults_TakeOverAKilledServersStepsWithin30Seconds()
    {
        var o = Resolve([]);
        // A running action: its lease ends at most LeaseDuration after the kill, and is seen at most one SweepInterval later.
        Assert.True(o.LeaseDuration + o.SweepInterval <= TimeSpan.FromSeconds(30), $"lease {o.LeaseDuration} + sweep {o.SweepInterval}");
        // A poll under way on the killed server: its job becomes visible after InvisibilityTimeout and is found by the next queue poll.
        Assert.True(o.InvisibilityTimeout + TimeSpan.FromSeconds(15) <= TimeSpan.FromSeconds(30), $"invisibility {o.InvisibilityTimeout} + queue poll 15 s");
        // A live server renews its lease at least three times per lease: it survives a pause or a slow database of 2 heartbeats.
        Assert.True(o.LeaseDuration >= o.HeartbeatInterval * 3, $"lease {o.LeaseDuration}, heartbeat {o.HeartbeatInterval}");
    }

    [Theory]
    [InlineData("LeaseDuration", "00:00:10", "HeartbeatInterval", "00:00:05", "Workflows:LeaseDuration must be more than twice Workflows:HeartbeatInterval")]
    [InlineData("SweepInterval", "00:00:20", "LeaseDuration", "00:00:20", "Workflows:SweepInterval must be less than Workflows:LeaseDuration")]
    [InlineData("LogFlushInterval", "00:00:06", "HeartbeatInterval", "00:00:05", "Workflows:LogFlushInterval must not exceed Workflows:HeartbeatInterval")]
    [InlineData("InvisibilityTimeout", "00:00:00.500", "Workers", "4", "Workflows:InvisibilityTimeout must be at least 00:00:01")]
    [InlineData("DispatchGrace", "00:00:01", "SchedulePollingInterval", "00:00:01", "Workflows:DispatchGrace must be more than Workflows:SchedulePollingInterval plus Workflows:QueuePollInterval")]
    public void Start_FailsNamingTheFields_WhenTimingsContradictEachOther(string key1, string value1, string key2, string value2, string message)
    {
        var e = Assert.Throws<OptionsValidationException>(() => Resolve(new() { [$"Workflows:{key1}"] = value1, [$"Workflows:{key2}"] = value2 }));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_Succeeds_WithTheShortTimingsOfTheTests()
    {
        var o = Resolve(new()
        {
            ["Workflows:LeaseDuration"] = "00:00:03",
            ["Workflows:HeartbeatInterval"] = "00:00:00.500",
            ["Workflows:SweepInterval"] = "00:00:01",
            ["Workflows:InvisibilityTimeout"] = "00:00:05",
            ["Workflows:DispatchGrace"] = "00:00:05",
            ["Workflows:SchedulePollingInterval"] = "00:00:00.200",
            ["Workflows:QueuePollInterval"] = "00:00:01",
            ["Workflows:LogFlushInterval"] = "00:00:00.200",
        });
        Assert.Equal(TimeSpan.FromSeconds(3), o.LeaseDuration);
    }

    [Theory]
    [InlineData(null, 20_000)] // no step runs: look again after one lease
    [InlineData(12_000, 12_001)] // the earliest lease ends in 12 s: look just after it
    [InlineData(1_000, 5_000)] // it ends sooner than the sweep interval: not more often than that
    [InlineData(-3_000, 5_000)] // already ended (more than one look takes): again after the sweep interval
    [InlineData(90_000, 20_000)] // a later lease: never longer than one lease
    public void NextLeaseCheck_IsWhenTheEarliestLeaseEnds_WithinSweepIntervalAndLease(int? inMs, double expectedMs)
    {
        var o = new EngineOptions();
        const long Now = 1_000_000;
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), Sweeper.NextLeaseCheck(Now, inMs is { } d ? Now + d : null, o));
    }

    private static EngineOptions Resolve(Dictionary<string, string?> settings)
    {
        settings.TryAdd("Workflows:DataDirectory", Path.Combine(Path.GetTempPath(), "wf-options-" + Guid.NewGuid().ToString("N")));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddWorkflowEngine(configuration);
        using var sp = services.BuildServiceProvider();
        return sp.GetRequiredService<IOptions<EngineOptions>>().Value;
    }
}
