using System.Diagnostics;
using Dapper;
using Npgsql;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Execution;
using Workflows.Engine.Storage;
using Workflows.Engine.Tests.Execution;

namespace Workflows.Engine.Tests.Storage;

/// <summary>
/// A run knows whether a plan is stored for it (wf_runs.has_plan), so that the steps of a run started without one send
/// no plan read before they run (the drift check reads the plan only when there is one); and the retention's deletes
/// of a whole run go in one round trip.
/// </summary>
public sealed class RunPlanFlagTests(TestDatabase databases) : IClassFixture<TestDatabase>
{
    [Theory]
    [InlineData("postgres")]
    [InlineData("sqlite")]
    public async Task HasPlan_IsTrue_ForARunStartedWithAPlan_OrGivenOneLater_AndFalseOtherwise(string provider)
    {
        var store = new RunStore(await databases.CreateAsync(provider));
        var planned = await InsertRunAsync(store, withPlan: true);
        var plain = await InsertRunAsync(store, withPlan: false);
        var later = await InsertRunAsync(store, withPlan: false);

        Assert.True(await HasPlanAsync(store, planned));
        Assert.False(await HasPlanAsync(store, plain));
        Assert.False(await HasPlanAsync(store, later));

        var audit = new AuditRow { RunId = later, At = 2, Kind = "run.planned", Actor = "test", Message = "plan: recorded later" };
        Assert.True(await store.InsertRunPlanAsync(later, 1, 2, "test", "{}", audit, default));

        Assert.True(await HasPlanAsync(store, later));
        Assert.False(await HasPlanAsync(store, plain));

        // A transition that rewrites the run row keeps the flag.
        await store.MutateAsync(planned, t => { t.Run.UpdatedAt = 5; t.RunDirty = true; return ValueTask.CompletedTask; }, default);
        Assert.True(await HasPlanAsync(store, planned));
    }

    [Fact]
    public async Task StepsOfARunWithoutAPlan_SendNoPlanRead_OnPostgres()
    {
        await using var engine = await EngineHost.StartAsync("postgres", Scenarios.All);
        var name = new NpgsqlConnectionStringBuilder(engine.Database).Database!;
        using var reads = new Statements(name, "wf_run_plans");

        var run = await engine.StartRunAsync("linear");
        var done = await engine.WaitFinishedAsync(run.Id);

        Assert.Equal(RunStatus.Succeeded, done.Run.Status);
        Assert.Equal(5, done.Steps.Count(s => s.Status == StepStatus.Succeeded));
        Assert.Equal(0, reads.Count);
    }

    [Fact]
    public async Task PruneRunsAsync_DeletesEveryTableOfTheRunsInOneRoundTrip_OnPostgres()
    {
        var db = await databases.CreateAsync("postgres");
        var store = new RunStore(db);
        var run = await InsertRunAsync(store, withPlan: true);
        await store.MutateAsync(run, t => { t.Run.Status = RunStatus.Succeeded; t.Run.FinishedAt = 10; t.RunDirty = true; return ValueTask.CompletedTask; }, default);
        var name = new NpgsqlConnectionStringBuilder(db.ConnectionString).Database!;

        int pruned;
        using (var deletes = new Statements(name, "DELETE FROM"))
        using (var all = new Statements(name, ""))
        {
            pruned = await store.Retention.PruneRunsAsync(before: 100, max: 10, default);
            Assert.Equal(1, deletes.Count);
            Assert.Equal(2, all.Count); // the SELECT of the runs to delete, then every DELETE together
        }

        Assert.Equal(1, pruned);
        Assert.Null(await store.LoadAsync(run, default));
        await using var c = await db.OpenAsync();
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT (SELECT COUNT(*) FROM wf_steps) + (SELECT COUNT(*) FROM wf_audit) + (SELECT COUNT(*) FROM wf_run_plans) + (SELECT COUNT(*) FROM wf_attempts)"));
    }

    private static async Task<bool> HasPlanAsync(RunStore store, string runId)
    {
        var hasPlan = false;
        await store.MutateAsync(runId, t => { hasPlan = t.Run.HasPlan; t.Abort(); return ValueTask.CompletedTask; }, default);
        return hasPlan;
    }

    private static async Task<string> InsertRunAsync(RunStore store, bool withPlan)
    {
        var id = Guid.NewGuid().ToString();
        var run = new RunRow { Id = id, Workflow = "w", Version = "v", Status = RunStatus.Running, TriggerKind = "Api", TriggerActor = "test", CreatedAt = 1, UpdatedAt = 1 };
        var step = new StepRow { RunId = id, StepId = "a", Kind = StepKinds.Step, Position = 0, Status = StepStatus.Running, Attempt = 1, StartedAt = 1 };
        var plan = withPlan
            ? new RunPlanRow { RunId = id, PlannedAt = 1, RecordedAt = 1, Actor = "test", Plan = "{}", Audit = new AuditRow { RunId = id, At = 1, Kind = "run.planned", Actor = "test", Message = "plan" } }
            : null;
        await store.InsertRunAsync(
            run,
            [step],
            [new AuditRow { RunId = id, At = 1, Kind = "run.created", Actor = "test", Message = "created" }],
            (t, _) => t.NewAttempts.Add(new AttemptRow { RunId = id, StepId = "a", Number = 1, Status = AttemptStatus.Running, StartedAt = 1 }),
            default,
            plan: plan);
        return id;
    }

    /// <summary>Counts the commands Npgsql sends to one database whose text contains <c>text</c> (one per round trip: a batch is one command).</summary>
    private sealed class Statements : IDisposable
    {
        private readonly ActivityListener listener;
        private int count;

        public Statements(string database, string text)
        {
            listener = new ActivityListener
            {
                ShouldListenTo = s => s.Name == "Npgsql",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = a =>
                {
                    if ((a.GetTagItem("db.namespace") ?? a.GetTagItem("db.name")) as string == database
                        && (a.GetTagItem("db.query.text") ?? a.GetTagItem("db.statement")) is string sql
                        && sql.Contains(text, StringComparison.Ordinal))
                    {
                        Interlocked.Increment(ref count);
                    }
                },
            };
            ActivitySource.AddActivityListener(listener);
        }

        public int Count => Volatile.Read(ref count);

        public void Dispose() => listener.Dispose();
    }
}
