using System.Text.Json.Nodes;
using Dapper;
using Hangfire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Execution;
using Workflows.Engine.Storage;
using Workflows.Engine.TestHost;

namespace Workflows.Engine.Tests.Execution;

/// <summary>
/// Under a backlog the sweeper does not dispatch again what is merely queued (it would only feed the backlog), and
/// still dispatches again what was lost. An engine host without workers, so the first dispatch of a run stays in
/// Hangfire's real queue; the engine's clock is a fake one, moved past the dispatch grace.
/// </summary>
public sealed class SweeperBacklogTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(2);

    private const string Workflow = """
        name: nap
        steps:
          - id: sleep
            uses: core.delay
            with: { duration: 1h }
        """;

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task SweepAsync_DoesNotDispatchAgain_AFirstDispatchStillQueuedBehindABacklogLongerThanTheGrace(string provider)
    {
        await using var engine = await Engine.StartAsync(provider);
        var run = await engine.StartRunAsync();
        Assert.Equal((StepStatus.Scheduled, 1L), await engine.StepAsync(run));

        // No worker took the job: three minutes later it is past the grace, and the queue's oldest job is three minutes old.
        engine.Time.Advance(Grace + TimeSpan.FromMinutes(1));
        await engine.Sweeper.SweepAsync(default);

        Assert.Equal((StepStatus.Scheduled, 1L), await engine.StepAsync(run));
        Assert.Equal(1, engine.Monitoring.EnqueuedCount("workflows"));
        Assert.DoesNotContain(await engine.AuditAsync(run), a => a.Kind == "step.recovered");
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task SweepAsync_DispatchesAgain_AFirstDispatchWhoseJobWasLost(string provider)
    {
        await using var engine = await Engine.StartAsync(provider);
        var run = await engine.StartRunAsync();
        var jobs = engine.Services.GetRequiredService<IBackgroundJobClient>();
        foreach (var (id, _) in engine.Monitoring.EnqueuedJobs("workflows", 0, 10))
        {
            jobs.Delete(id);
        }

        engine.Time.Advance(Grace + TimeSpan.FromMinutes(1));
        await engine.Sweeper.SweepAsync(default);

        Assert.Equal((StepStatus.Scheduled, 2L), await engine.StepAsync(run));
        Assert.Contains(await engine.AuditAsync(run), a => a.Kind == "step.recovered" && a.Message.Contains("overdue", StringComparison.Ordinal));
        Assert.Single(engine.Monitoring.EnqueuedJobs("workflows", 0, 10), j => j.Value.EnqueuedAt is not null); // the deleted job stays listed, without an enqueue time
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task SweepAsync_DispatchesAgain_ALostDispatch_OnceItIsLaterThanTheGracePlusTheBacklog(string provider)
    {
        await using var engine = await Engine.StartAsync(provider);
        var queued = await engine.StartRunAsync();
        engine.Time.Advance(TimeSpan.FromMinutes(1));
        var lost = await engine.StartRunAsync();
        var jobs = engine.Services.GetRequiredService<IBackgroundJobClient>();
        var lostJob = engine.Monitoring.EnqueuedJobs("workflows", 0, 10).Select(j => j.Key).Max(k => long.Parse(k, System.Globalization.CultureInfo.InvariantCulture));
        jobs.Delete(lostJob.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // Lost 2.5 min ago; the other job has queued for 3.5 min: within the grace plus the backlog, nothing moves.
        engine.Time.Advance(TimeSpan.FromMinutes(2.5));
        await engine.Sweeper.SweepAsync(default);
        Assert.Equal((StepStatus.Scheduled, 1L), await engine.StepAsync(lost));

        // A worker takes the queued one (its job leaves the queue): the backlog is gone and the lost one is dispatched again.
        foreach (var (id, _) in engine.Monitoring.EnqueuedJobs("workflows", 0, 10))
        {
            jobs.Delete(id);
        }

        await engine.Sweeper.SweepAsync(default);
        Assert.Equal((StepStatus.Scheduled, 2L), await engine.StepAsync(lost));
        Assert.Equal((StepStatus.Scheduled, 2L), await engine.StepAsync(queued)); // its job was deleted too, so it was lost as well
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task MeasureAsync_IsZero_WhenNoJobWaits_AndCountsAScheduledJobWhoseTimeHasCome(string provider)
    {
        await using var engine = await Engine.StartAsync(provider);
        var backlog = engine.Services.GetRequiredService<IQueueBacklog>();
        Assert.Equal(TimeSpan.Zero, await backlog.MeasureAsync(default));

        // Due five minutes ago and still in the schedule set (no server moves it to the queue here).
        var jobs = engine.Services.GetRequiredService<IBackgroundJobClient>();
        jobs.Create(Hangfire.Common.Job.FromExpression<StepJob>(j => j.AdvanceAsync("none")), new Hangfire.States.ScheduledState(engine.Time.GetUtcNow().UtcDateTime - TimeSpan.FromMinutes(5)));

        var measured = await backlog.MeasureAsync(default);
        Assert.InRange(measured, TimeSpan.FromMinutes(4.9), TimeSpan.FromMinutes(5.1));
    }

    private sealed class Engine : IAsyncDisposable
    {
        private readonly IHost host;
        private readonly string folder;

        private Engine(IHost host, string folder, FakeTimeProvider time)
        {
            this.host = host;
            this.folder = folder;
            Time = time;
        }

        public FakeTimeProvider Time { get; }

        public IServiceProvider Services => host.Services;

        public Sweeper Sweeper => Services.GetRequiredService<Sweeper>();

        public Hangfire.Storage.IMonitoringApi Monitoring => Services.GetRequiredService<JobStorage>().GetMonitoringApi();

        public static async Task<Engine> StartAsync(string provider)
        {
            var folder = Directory.CreateTempSubdirectory("wf-backlog-").FullName;
            var wfDir = Path.Combine(folder, "workflows");
            Directory.CreateDirectory(wfDir);
            await File.WriteAllTextAsync(Path.Combine(wfDir, "nap.yaml"), Workflow);
            var builder = Host.CreateApplicationBuilder();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Workflows:DataDirectory"] = Path.Combine(folder, "data"),
                ["Workflows:WorkflowsDirectory"] = wfDir,
                ["Workflows:ConnectionString"] = provider == "postgres" ? await EngineHost.CreatePostgresDatabaseAsync() : null,
                ["Workflows:RunWorkers"] = "false",
                ["Workflows:DispatchGrace"] = Grace.ToString(),
            });
            builder.Logging.ClearProviders();
            var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
            builder.Services.AddSingleton<TimeProvider>(time);
            builder.Services.AddWorkflowEngine(builder.Configuration);
            builder.Services.AddTestActions();
            var host = builder.Build();
            await host.StartAsync();
            return new Engine(host, folder, time);
        }

        public async Task<Guid> StartRunAsync() =>
            (await Services.GetRequiredService<IRunCommands>().StartAsync(new StartRunRequest("nap", new Dictionary<string, JsonNode?>(), new TriggerInfo(TriggerKind.Api, "tester")))).Id;

        public async Task<(StepStatus Status, long DispatchSeq)> StepAsync(Guid runId)
        {
            var loaded = await Services.GetRequiredService<RunStore>().LoadAsync(runId.ToString(), default);
            var step = Assert.Single(loaded!.Value.Steps);
            return (step.Status, step.DispatchSeq);
        }

        public Task<IReadOnlyList<AuditEvent>> AuditAsync(Guid runId) => Services.GetRequiredService<IRunQueries>().GetAuditAsync(runId);

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync(TimeSpan.FromSeconds(10));
            host.Dispose();
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // SQLite may still hold a file for a moment; the temp folder is cleaned by the OS.
            }
        }
    }
}
