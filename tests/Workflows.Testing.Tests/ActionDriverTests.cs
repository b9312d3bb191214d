using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;

namespace Workflows.Testing.Tests;

public sealed class ActionDriverTests
{
    [Fact]
    public async Task RunAsync_AdvancesTheFakeClockByEachDelayTheActionAskedFor()
    {
        using var env = new ActionEnvironment(Services());
        var start = env.Clock.GetUtcNow();

        var run = await env.RunAsync<TimerAction>(new TimerInputs { Waits = [TimeSpan.FromMinutes(10), TimeSpan.FromHours(2), TimeSpan.FromSeconds(3)] });

        Assert.IsType<CompletedResult>(run.Result);
        Assert.Equal([TimeSpan.FromMinutes(10), TimeSpan.FromHours(2), TimeSpan.FromSeconds(3)], run.Polls.Select(p => p.Delay));
        Assert.Equal(TimeSpan.FromMinutes(10) + TimeSpan.FromHours(2) + TimeSpan.FromSeconds(3), env.Clock.GetUtcNow() - start);
        Assert.Equal(run.Waited, env.Clock.GetUtcNow() - start);

        // The action saw the clock move by its own waits: each call logged the time it was called at.
        Assert.Equal(["+0s", "+600s", "+7800s", "+7803s"], env.Recorder.Lines);
        Assert.Equal(4, run.Calls);
    }

    [Fact]
    public async Task RunAsync_WaitsOnTheActionsPollSchedule_WhenItNamesNoDelay()
    {
        var services = new ServiceCollection();
        services.AddWorkflowAction<CountdownAction>("test.countdown", poll: new PollSchedule(TimeSpan.FromSeconds(2), 3, TimeSpan.FromSeconds(30)));
        using var env = new ActionEnvironment(services.BuildServiceProvider());

        var run = await env.RunAsync("test.countdown", new CountdownInputs { Polls = 5 });

        Assert.Equal([2, 6, 18, 30, 30], run.Polls.Select(p => p.Delay.TotalSeconds));
        Assert.Equal(["5 left", "4 left", "3 left", "2 left", "1 left"], run.Progress);
    }

    [Fact]
    public async Task RunAsync_CarriesThePendingStateThroughJsonAndCountsThePolls()
    {
        using var env = new ActionEnvironment(Services());

        var run = await env.RunAsync<CountdownAction>(new CountdownInputs { Polls = 3 });

        var outputs = run.OutputsAs<CountdownOutputs>();
        Assert.Equal(3, outputs.PollCountSeen);
        Assert.Equal(3, outputs.StateSeen);
    }

    [Fact]
    public async Task RunAsync_ReturnsThePendingResult_WhenStopWhenSaysSo()
    {
        using var env = new ActionEnvironment(Services());
        var context = env.Context(new CountdownInputs { Polls = 10 });

        var run = await env.RunAsync(new CountdownAction(), context, new DriverOptions { StopWhen = (_, n) => n == 2 });

        Assert.IsType<PendingResult>(run.Result);
        Assert.Equal(2, context.PollCount);
        Assert.Equal(2, run.Polls.Count);
    }

    [Fact]
    public async Task RunAsync_Throws_WhenTheActionIsStillPendingAfterMaxCalls()
    {
        using var env = new ActionEnvironment(Services()) { MaxCalls = 5 };

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => env.RunAsync<CountdownAction>(new CountdownInputs { Polls = 100 }));

        Assert.Contains("still pending after 5 calls", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_TurnsAStepFailedExceptionIntoAFailedResult_AsTheEngineDoes()
    {
        using var env = new ActionEnvironment(Services());

        var run = await env.RunAsync<CountdownAction>(new CountdownInputs { Polls = -1 });

        Assert.Equal("countdown.negative", run.Failure.ErrorCode);
        Assert.False(run.Failure.Retryable);
    }

    [Fact]
    public async Task RunAsync_FailsWithInputsInvalidNamingTheField_WhenAnInputHasTheWrongType()
    {
        using var env = new ActionEnvironment(Services());

        var run = await env.RunAsync<CountdownAction>(new Dictionary<string, object> { ["polls"] = "many" });

        Assert.Equal("inputs.invalid", run.Failure.ErrorCode);
        Assert.Contains("$.polls", run.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_SleepsAtMostThePollCap_OnARealClock()
    {
        using var env = new ActionEnvironment(Services(), TimeProvider.System) { PollCap = TimeSpan.FromMilliseconds(1) };

        // An hour-long wait on a real clock would hang the test if the cap were not applied.
        var run = await env.RunAsync<TimerAction>(new TimerInputs { Waits = [TimeSpan.FromHours(1)] });

        Assert.IsType<CompletedResult>(run.Result);
        Assert.Equal(TimeSpan.FromHours(1), run.Waited);
    }

    internal static ServiceProvider Services()
    {
        var services = new ServiceCollection();
        services.AddWorkflowAction<TimerAction>("test.timer");
        services.AddWorkflowAction<CountdownAction>("test.countdown");
        services.AddWorkflowAction<CancellableAction>("test.cancellable");
        services.AddWorkflowAction<EchoSecretAction>("test.echo-secret");
        return services.BuildServiceProvider();
    }
}
