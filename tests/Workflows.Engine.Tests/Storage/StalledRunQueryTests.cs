using Dapper;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Tests.Storage;

/// <summary>
/// The sweeper's stalled-run check reads wf_runs.steps_active, which every commit sets from the run's steps, through a
/// partial index that holds only runs in an active status without an active step: a stalled run is found, a waiting
/// one never is, whatever the number of waiting runs.
/// </summary>
public sealed class StalledRunQueryTests(TestDatabase databases) : IClassFixture<TestDatabase>
{
    private const long Late = 1_000_000;

    [Theory]
    [InlineData("postgres")]
    [InlineData("sqlite")]
    public async Task FindIdleRunsAsync_FindsARun_WhoseLastActiveStepSettledWithoutTheRunAdvancing(string provider)
    {
        var store = new RunStore(await databases.CreateAsync(provider));
        var run = await InsertRunAsync(store, StepStatus.Running);
        Assert.True(await StepsActiveAsync(store, run));

        // The step's transition committed, the one that should have advanced the run did not (a crash between the two).
        await store.MutateAsync(run, t => { t.Steps[0].Status = StepStatus.Succeeded; t.Steps[0].FinishedAt = 2; t.Touch(t.Steps[0]); return ValueTask.CompletedTask; }, default);

        Assert.False(await StepsActiveAsync(store, run));
        Assert.Equal([run], await store.FindIdleRunsAsync(Late, 100, default));
        Assert.Empty(await store.FindIdleRunsAsync(olderThan: 1, 100, default)); // updated at 1: not idle for long enough yet
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("sqlite")]
    public async Task FindIdleRunsAsync_ReportsNoRun_WhoseStepsWaitOrAreScheduledOrRunning(string provider)
    {
        var store = new RunStore(await databases.CreateAsync(provider));
        var waiting = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            waiting.Add(await InsertRunAsync(store, StepStatus.Waiting));
        }

        var scheduled = await InsertRunAsync(store, StepStatus.Scheduled);
        var running = await InsertRunAsync(store, StepStatus.Running);
        var stalled = await InsertRunAsync(store, StepStatus.Succeeded);

        // A transition that rewrites the run row of a waiting run keeps it out too.
        await store.MutateAsync(waiting[0], t => { t.Run.UpdatedAt = 3; t.RunDirty = true; return ValueTask.CompletedTask; }, default);

        Assert.Equal([stalled], await store.FindIdleRunsAsync(Late, 100, default));
        Assert.All(waiting.Append(scheduled).Append(running), id => Assert.True(StepsActiveAsync(store, id).Result));
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("sqlite")]
    public async Task StepsActive_FollowsTheSteps_WhenTheRunRowIsNotRewritten(string provider)
    {
        var store = new RunStore(await databases.CreateAsync(provider));
        var run = await InsertRunAsync(store, StepStatus.Succeeded);
        Assert.False(await StepsActiveAsync(store, run));

        // A retry schedules the step again: the run is busy again, its version unchanged.
        var version = 0;
        await store.MutateAsync(run, t => { version = t.Run.RowVersion; t.Steps[0].Status = StepStatus.Scheduled; t.Touch(t.Steps[0]); return ValueTask.CompletedTask; }, default);

        Assert.True(await StepsActiveAsync(store, run));
        Assert.Empty(await store.FindIdleRunsAsync(Late, 100, default));
        await using var c = await store.Database.OpenAsync();
        Assert.Equal(version, await c.ExecuteScalarAsync<int>("SELECT row_version FROM wf_runs WHERE id = @run", new { run }));
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("sqlite")]
    public async Task Migration9_MarksTheRunsThatHadAnActiveStep(string provider)
    {
        var db = await databases.CreateAsync(provider, migrate: false);
        await db.MigrateAsync(EngineSchema.Migrations.Where(m => m.Version < 9), "engine");
        await db.MigrateAsync(IdempotencySchema.Migrations, IdempotencySchema.Component);
        await using (var c = await db.OpenAsync())
        {
            foreach (var (id, status) in new[] { ("busy", "Waiting"), ("idle", "Succeeded") })
            {
                await c.ExecuteAsync("INSERT INTO wf_runs (id, workflow, version, status, inputs, trigger_kind, trigger_actor, created_at, updated_at) VALUES (@id, 'w', 'v', 'Running', '{}', 'Api', 'test', 1, 1)", new { id });
                await c.ExecuteAsync("INSERT INTO wf_steps (run_id, step_id, kind, position, status) VALUES (@id, 'a', 'step', 0, @status)", new { id, status });
            }
        }

        await db.MigrateAsync(EngineSchema.Migrations, "engine");

        var store = new RunStore(db);
        Assert.True(await StepsActiveAsync(store, "busy"));
        Assert.False(await StepsActiveAsync(store, "idle"));
        Assert.Equal(["idle"], await store.FindIdleRunsAsync(Late, 100, default));
    }

    private static async Task<bool> StepsActiveAsync(RunStore store, string runId)
    {
        await using var c = await store.Database.OpenAsync();
        return await c.ExecuteScalarAsync<bool>("SELECT steps_active FROM wf_runs WHERE id = @runId", new { runId });
    }

    private static Task<string> InsertRunAsync(RunStore store, StepStatus stepStatus) =>
        StoredRuns.InsertAsync(store, RunStatus.Running, new StepRow { StepId = "a", Kind = StepKinds.Step, Status = stepStatus, Attempt = 1, StartedAt = 1, NextPollAt = stepStatus == StepStatus.Waiting ? Late * 10 : null });
}
