using Dapper;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Tests.Storage;

/// <summary>
/// The /metrics gauges read from the database: a run waits when it is Running with a step waiting (a delay, a poll, an
/// approval) and none scheduled or running; the ready steps are the scheduled ones and the waiting ones due to poll.
/// </summary>
public sealed class RunGaugesTests(TestDatabase databases) : IClassFixture<TestDatabase>
{
    private const long Now = 1_000_000;

    [Theory]
    [InlineData("postgres")]
    [InlineData("sqlite")]
    public async Task GaugesAsync_CountsWaitingQueuedAndReady_ForAMixOfRuns(string provider)
    {
        var store = new RunStore(await databases.CreateAsync(provider));

        // Waiting: on a delay (polls later), for an approval (no poll), on a poll that is due now.
        await StoredRuns.InsertAsync(store, RunStatus.Running, Step("a", StepStatus.Succeeded), Step("delay", StepStatus.Waiting, nextPollAt: Now + 60_000));
        await StoredRuns.InsertAsync(store, RunStatus.Running, Step("approve", StepStatus.Waiting));
        await StoredRuns.InsertAsync(store, RunStatus.Running, Step("poll", StepStatus.Waiting, nextPollAt: Now - 2_000));

        // Not waiting: a step running, a step scheduled, parallel branches of which one runs and one waits.
        await StoredRuns.InsertAsync(store, RunStatus.Running, Step("work", StepStatus.Running));
        await StoredRuns.InsertAsync(store, RunStatus.Running, Step("next", StepStatus.Scheduled, dispatchedAt: Now - 5_000));
        await StoredRuns.InsertAsync(store, RunStatus.Running, Step("slow", StepStatus.Waiting, nextPollAt: Now + 60_000), Step("fast", StepStatus.Running));

        // Not waiting either: finished runs, a run queued behind a key, a run compensating with a waiting step, a stalled run.
        await StoredRuns.InsertAsync(store, RunStatus.Succeeded, Step("a", StepStatus.Succeeded), Step("b", StepStatus.Succeeded));
        await StoredRuns.InsertAsync(store, RunStatus.Failed, Step("a", StepStatus.Failed), Step("b", StepStatus.Skipped));
        await StoredRuns.InsertAsync(store, RunStatus.Queued, Step("a", StepStatus.Pending));
        await StoredRuns.InsertAsync(store, RunStatus.Compensating, Step("undo", StepStatus.Waiting, nextPollAt: Now + 60_000));
        await StoredRuns.InsertAsync(store, RunStatus.Running, Step("done", StepStatus.Succeeded));

        // A run that waited and then finished: its commit clears its active step.
        var finished = await StoredRuns.InsertAsync(store, RunStatus.Running, Step("delay", StepStatus.Waiting, nextPollAt: Now + 60_000));
        await store.MutateAsync(
            finished,
            t =>
            {
                t.Steps[0].Status = StepStatus.Succeeded;
                t.Touch(t.Steps[0]);
                t.Run.Status = RunStatus.Succeeded;
                t.RunDirty = true;
                return ValueTask.CompletedTask;
            },
            default);

        // A waiting run whose poll came due and was dispatched: scheduled, so ready and no longer waiting.
        var polled = await StoredRuns.InsertAsync(store, RunStatus.Running, Step("poll", StepStatus.Waiting, nextPollAt: Now - 1_000));
        await store.MutateAsync(
            polled,
            t =>
            {
                t.Steps[0].Status = StepStatus.Scheduled;
                t.Steps[0].DispatchedAt = Now - 500;
                t.Touch(t.Steps[0]);
                return ValueTask.CompletedTask;
            },
            default);

        var g = await store.ReadModel.GaugesAsync(Now, default);

        Assert.Equal(3, g.Waiting);
        Assert.Equal(1, g.Queued);
        Assert.Equal(3, g.Ready);              // two scheduled, one due poll
        Assert.Equal(Now - 5_000, g.OldestReadyAt);
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("sqlite")]
    public async Task GaugesAsync_ReportsNothing_WhenNoRunIsActive(string provider)
    {
        var store = new RunStore(await databases.CreateAsync(provider));
        await StoredRuns.InsertAsync(store, RunStatus.Succeeded, Step("a", StepStatus.Succeeded));

        Assert.Equal(new EngineGaugeRow(0, 0, 0, null), await store.ReadModel.GaugesAsync(Now, default));
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("sqlite")]
    public async Task GaugesAsync_TakesTheOlderOfTheTwoKindsOfReadyStep_AsTheOldest(string provider)
    {
        var store = new RunStore(await databases.CreateAsync(provider));
        await StoredRuns.InsertAsync(store, RunStatus.Running, Step("next", StepStatus.Scheduled, dispatchedAt: Now - 1_000));
        await StoredRuns.InsertAsync(store, RunStatus.Running, Step("poll", StepStatus.Waiting, nextPollAt: Now - 9_000));

        var g = await store.ReadModel.GaugesAsync(Now, default);

        Assert.Equal(Now - 9_000, g.OldestReadyAt);
        Assert.Equal(2, g.Ready);
        Assert.Equal(1, g.Waiting);
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("sqlite")]
    public async Task FoldRunCountsAsync_EmptiesTheJournal_AndLeavesTheGaugesAsTheyWere(string provider)
    {
        var store = new RunStore(await databases.CreateAsync(provider));
        var waiting = await StoredRuns.InsertAsync(store, RunStatus.Running, Step("delay", StepStatus.Waiting, nextPollAt: Now + 60_000));
        await StoredRuns.InsertAsync(store, RunStatus.Running, Step("delay", StepStatus.Waiting, nextPollAt: Now + 60_000));
        await StoredRuns.InsertAsync(store, RunStatus.Queued, Step("a", StepStatus.Pending));
        await store.MutateAsync(waiting, t => { t.Run.Status = RunStatus.Cancelled; t.Steps[0].Status = StepStatus.Cancelled; t.Touch(t.Steps[0]); t.RunDirty = true; return ValueTask.CompletedTask; }, default);
        Assert.Equal(1, (await store.ReadModel.GaugesAsync(Now, default)).Waiting);

        Assert.Equal(3, await store.FoldRunCountsAsync(default)); // two runs entered Running, one left it
        Assert.Equal(0, await store.FoldRunCountsAsync(default));

        await using var c = await store.Database.OpenAsync();
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM wf_run_count_changes"));
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT running FROM wf_run_counts WHERE id = 1"));
        Assert.Equal(1, (await store.ReadModel.GaugesAsync(Now, default)).Waiting);
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("sqlite")]
    public async Task Migration10_CountsTheRunsThatWereRunningBeforeIt(string provider)
    {
        var db = await databases.CreateAsync(provider, migrate: false);
        await db.MigrateAsync(EngineSchema.Migrations.Where(m => m.Version < 10), "engine");
        await db.MigrateAsync(IdempotencySchema.Migrations, IdempotencySchema.Component);
        var old = new RunStore(db);
        await InsertWithoutJournalAsync(db, "waiting", "Running", "Waiting");
        await InsertWithoutJournalAsync(db, "busy", "Running", "Running");
        await InsertWithoutJournalAsync(db, "done", "Succeeded", "Succeeded");

        await db.MigrateAsync(EngineSchema.Migrations, "engine");

        var g = await old.ReadModel.GaugesAsync(Now, default);
        Assert.Equal(1, g.Waiting);
        await StoredRuns.InsertAsync(old, RunStatus.Running, Step("approve", StepStatus.Waiting));
        Assert.Equal(2, (await old.ReadModel.GaugesAsync(Now, default)).Waiting);
    }

    /// <summary>A run as a version before migration 10 wrote it (steps_active set as migration 9 keeps it).</summary>
    private static async Task InsertWithoutJournalAsync(EngineDatabase db, string id, string status, string stepStatus)
    {
        await using var c = await db.OpenAsync();
        var active = stepStatus is "Waiting" or "Running" or "Scheduled";
        await c.ExecuteAsync(
            "INSERT INTO wf_runs (id, workflow, version, status, inputs, trigger_kind, trigger_actor, created_at, updated_at, steps_active) VALUES (@id, 'w', 'v', @status, '{}', 'Api', 'test', 1, 1, @active)",
            new { id, status, active });
        await c.ExecuteAsync("INSERT INTO wf_steps (run_id, step_id, kind, position, status) VALUES (@id, 'a', 'step', 0, @stepStatus)", new { id, stepStatus });
    }

    private static StepRow Step(string id, StepStatus status, long? nextPollAt = null, long? dispatchedAt = null) =>
        new() { StepId = id, Kind = StepKinds.Step, Status = status, Attempt = status == StepStatus.Pending ? 0 : 1, StartedAt = 1, NextPollAt = nextPollAt, DispatchedAt = dispatchedAt };
}
