using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Actions;
using Microsoft.Extensions.Time.Testing;
using Workflows.Abstractions.Definitions;

namespace Workflows.Testing.Tests;

// The example of the README's "Adding an action", compiled and tested here so that it cannot rot.
public sealed class PingInputs
{
    public required string Host { get; set; }

    public int Count { get; set; } = 3;
}

public sealed record PingOutputs(int Received);

public sealed record PingJob(string Id, int Received, bool Done);

public interface IPinger
{
    Task<PingJob?> FindAsync(string tag, CancellationToken cancellationToken);

    Task<PingJob> StartAsync(string host, int count, string tag, CancellationToken cancellationToken);

    Task<PingJob> GetAsync(string id, CancellationToken cancellationToken);
}

public sealed class PingAction(IPinger pinger) : StepAction<PingInputs, PingOutputs>
{
    protected override async Task<StepResult> ExecuteAsync(PingInputs inputs, StepContext context)
    {
        // 1. Re-check the world first: adopt what an earlier execution of this step already started.
        var known = context.GetState<PingJob>() ?? await pinger.FindAsync(context.IdempotencyKey, context.CancellationToken);
        var job = known is null
            ? await pinger.StartAsync(inputs.Host, inputs.Count, tag: context.IdempotencyKey, context.CancellationToken)
            : await pinger.GetAsync(known.Id, context.CancellationToken);
        await context.Resources.RecordAsync(new ResourceRecord("ping.job", job.Id, inputs.Host));
        context.Log.WriteLine($"{job.Received}/{inputs.Count} replies from {inputs.Host}");

        // 2. Waiting never holds a worker: return Pending and the engine calls again on the step's poll schedule.
        if (!job.Done)
        {
            return StepResult.Pending($"{job.Received}/{inputs.Count}", job);
        }

        // 3. Done, or a failure with a code: retryable failures follow the step's retry policy.
        return job.Received > 0
            ? Completed(new PingOutputs(job.Received))
            : StepResult.Failed("ping.unreachable", $"{inputs.Host} did not answer", retryable: true);
    }
}

/// <summary>A pinger whose host answers once a second on the clock it is given (the environment's fake clock).</summary>
public sealed class FakePinger(TimeProvider clock) : IPinger
{
    private readonly Dictionary<string, (string Tag, int Count, DateTimeOffset Started)> jobs = [];

    public int Started { get; private set; }

    public Task<PingJob?> FindAsync(string tag, CancellationToken cancellationToken) =>
        Task.FromResult(jobs.Where(j => j.Value.Tag == tag).Select(j => (PingJob?)Read(j.Key)).FirstOrDefault());

    public Task<PingJob> StartAsync(string host, int count, string tag, CancellationToken cancellationToken)
    {
        Started++;
        var id = $"ping-{jobs.Count + 1}";
        jobs[id] = (tag, count, clock.GetUtcNow());
        return Task.FromResult(Read(id));
    }

    public Task<PingJob> GetAsync(string id, CancellationToken cancellationToken) => Task.FromResult(Read(id));

    private PingJob Read(string id)
    {
        var (_, count, started) = jobs[id];
        var received = Math.Min(count, (int)(clock.GetUtcNow() - started).TotalSeconds);
        return new PingJob(id, received, received == count);
    }
}

public sealed class AddingAnActionTests
{
    [Fact]
    public async Task PingAction_CompletesWithTheReplies_AfterPollingOnItsSchedule()
    {
        // The action's services as its project's AddXxx() registers them, on the environment's fake clock.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(clock)
            .AddSingleton<IPinger, FakePinger>()
            .AddWorkflowAction<PingAction>("net.ping", poll: new PollSchedule(TimeSpan.FromSeconds(1), 2, TimeSpan.FromSeconds(10)))
            .BuildServiceProvider();
        using var env = new ActionEnvironment(services, clock);

        // The driver calls the action, then polls it with its state on its schedule, advancing the clock 1 s, 2 s, …
        var run = await env.RunAsync("net.ping", new PingInputs { Host = "db-1" });

        Assert.Equal(new PingOutputs(3), run.OutputsAs<PingOutputs>());
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], run.Polls.Select(p => p.Delay));
        Assert.Equal(["0/3 replies from db-1", "1/3 replies from db-1", "3/3 replies from db-1"], env.Recorder.Lines);
        Assert.Equal("ping-1", Assert.Single(env.Recorder.ResourceEntries).ExternalId);
    }

    [Fact]
    public async Task PingAction_AdoptsTheJobOfAnEarlierExecution_WhenItRunsAgainAfterACrash()
    {
        var (provider, env) = Arrange();
        using (env)
        {
            var first = env.Context(new PingInputs { Host = "db-1" });
            Assert.IsType<PendingResult>(await env.ExecuteOnceAsync<PingAction>(first));

            // The server died before the pending state was stored: the next attempt starts without it.
            var again = env.Context(new PingInputs { Host = "db-1" });
            again.AttemptNumber = 2;
            var run = await env.RunAsync(provider.GetRequiredService<PingAction>(), again);

            Assert.Equal(3, run.OutputsAs<PingOutputs>().Received);
            Assert.Equal(1, provider.GetRequiredService<FakePinger>().Started);
        }
    }

    private static (ServiceProvider Provider, ActionEnvironment Env) Arrange()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddSingleton<FakePinger>();
        services.AddSingleton<IPinger>(sp => sp.GetRequiredService<FakePinger>());
        services.AddWorkflowAction<PingAction>("net.ping", poll: new PollSchedule(TimeSpan.FromSeconds(1), 2, TimeSpan.FromSeconds(10)));
        var provider = services.BuildServiceProvider();
        return (provider, new ActionEnvironment(provider, clock));
    }
}
