using System.Diagnostics;
using Dapper;
using Npgsql;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Tests.Storage;

/// <summary>
/// The write batch on a real database: the statements of one transition go in one round trip on PostgreSQL, in order,
/// and a failing one leaves nothing of the transition behind (on SQLite they run one after the other, with the same outcome).
/// </summary>
public sealed class WriteBatchTests(TestDatabase databases) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task ExecuteAsync_SendsEveryStatementInOneRoundTrip_OnPostgres()
    {
        var db = await databases.CreateAsync("postgres");
        var name = new NpgsqlConnectionStringBuilder(db.ConnectionString).Database!;
        await using var c = await db.OpenAsync();
        await c.ExecuteAsync("CREATE TABLE t (id INTEGER PRIMARY KEY, text TEXT NULL, n BIGINT NULL, flag BOOLEAN NULL)");
        await using var tx = await db.BeginAsync(c);
        var batch = new WriteBatch(c, tx)
            .Add("INSERT INTO t (id, text, n, flag) VALUES (@Id, @Text, @N, @Flag)", new { Id = 1, Text = "one", N = (long?)10, Flag = (bool?)true })
            .Add("INSERT INTO t (id, text, n, flag) VALUES (@Id, @Text, @N, @Flag)", new { Id = 2, Text = (string?)null, N = (long?)null, Flag = (bool?)null })
            .Add("UPDATE t SET n = n + @by WHERE id = @id OR text IS NULL", new { by = 5L, id = 1 });

        int[] affected;
        using (var round = new RoundTrips(name))
        {
            affected = await batch.ExecuteAsync();
            Assert.Equal(1, round.Count);
        }

        await tx.CommitAsync();
        Assert.Equal([1, 1, 2], affected);
        Assert.Equal(0, batch.Count);
        var rows = (await c.QueryAsync<(int Id, string? Text, long? N, bool? Flag)>("SELECT id, text, n, flag FROM t ORDER BY id")).ToList();
        Assert.Equal([(1, "one", 15L, true), (2, null, null, null)], rows.Select(r => (r.Id, r.Text, r.N, r.Flag)));
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("sqlite")]
    public async Task MutateAsync_WritesNothing_WhenAStatementInTheMiddleOfTheTransitionFails(string provider)
    {
        var store = new RunStore(await databases.CreateAsync(provider));
        var run = await InsertRunAsync(store);
        var before = await store.ReadModel.AuditAsync(run, 0, 100, default);

        // The step update and the audit event are valid; the attempt repeats an existing one's key (run, step, number).
        var e = await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => store.MutateAsync(
            run,
            t =>
            {
                t.Run.Status = RunStatus.Failed;
                t.RunDirty = true;
                var step = t.Step("a")!;
                step.Status = StepStatus.Failed;
                t.Touch(step);
                t.NewAttempts.Add(new AttemptRow { RunId = run, StepId = "a", Number = 1, Status = AttemptStatus.Failed, StartedAt = 2 });
                t.Audit.Add(new AuditRow { RunId = run, At = 2, Kind = "run.finished", Actor = "test", Message = "must not be written" });
                return ValueTask.CompletedTask;
            },
            default));

        Assert.NotNull(e);
        var (r, steps) = (await store.LoadAsync(run, default))!.Value;
        Assert.Equal(RunStatus.Running, r.Status);
        Assert.Equal(0, r.RowVersion);
        Assert.Equal(StepStatus.Running, Assert.Single(steps).Status);
        Assert.Equal(before.Count, (await store.ReadModel.AuditAsync(run, 0, 100, default)).Count);
        Assert.Equal(AttemptStatus.Running, Assert.Single(await store.ReadModel.AttemptsAsync(run, default)).Status);
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("sqlite")]
    public async Task MutateAsync_WritesTheWholeTransition_WhenEveryStatementSucceeds(string provider)
    {
        var store = new RunStore(await databases.CreateAsync(provider));
        var run = await InsertRunAsync(store);

        await store.MutateAsync(
            run,
            t =>
            {
                t.Run.Status = RunStatus.Succeeded;
                t.Run.FinishedAt = 3;
                t.RunDirty = true;
                var step = t.Step("a")!;
                step.Status = StepStatus.Succeeded;
                step.Outputs = null;
                t.Touch(step);
                t.AttemptUpdates.Add(new AttemptRow { RunId = run, StepId = "a", Number = 1, Status = AttemptStatus.Succeeded, StartedAt = 1, FinishedAt = 3 });
                t.Audit.Add(new AuditRow { RunId = run, At = 3, Kind = "run.finished", Actor = "test", Message = "done" });
                t.Logs.Add(new LogRow { RunId = run, StepId = "a", At = 3, Text = "done\n" });
                return ValueTask.CompletedTask;
            },
            default);

        var (r, steps) = (await store.LoadAsync(run, default))!.Value;
        Assert.Equal(RunStatus.Succeeded, r.Status);
        Assert.Equal(1, r.RowVersion);
        Assert.Equal(StepStatus.Succeeded, Assert.Single(steps).Status);
        Assert.Contains(await store.ReadModel.AuditAsync(run, 0, 100, default), a => a.Kind == "run.finished");
        var attempt = Assert.Single(await store.ReadModel.AttemptsAsync(run, default));
        Assert.Equal((AttemptStatus.Succeeded, 3L), (attempt.Status, attempt.FinishedAt!.Value));
    }

    /// <summary>A running run with one running step and its open first attempt, written by the store's own start.</summary>
    private static async Task<string> InsertRunAsync(RunStore store)
    {
        var id = Guid.NewGuid().ToString();
        var run = new RunRow { Id = id, Workflow = "w", Version = "v", Status = RunStatus.Running, TriggerKind = "Api", TriggerActor = "test", CreatedAt = 1, UpdatedAt = 1 };
        var step = new StepRow { RunId = id, StepId = "a", Kind = StepKinds.Step, Position = 0, Status = StepStatus.Running, Attempt = 1, StartedAt = 1 };
        await store.InsertRunAsync(
            run,
            [step],
            [new AuditRow { RunId = id, At = 1, Kind = "run.created", Actor = "test", Message = "created" }],
            (t, _) => t.NewAttempts.Add(new AttemptRow { RunId = id, StepId = "a", Number = 1, Status = AttemptStatus.Running, StartedAt = 1 }),
            default);
        return id;
    }

    /// <summary>Counts the commands Npgsql sends to one database (one per round trip: a batch is one command).</summary>
    private sealed class RoundTrips : IDisposable
    {
        private readonly ActivityListener listener;
        private int count;

        public RoundTrips(string database)
        {
            listener = new ActivityListener
            {
                ShouldListenTo = s => s.Name == "Npgsql",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = a =>
                {
                    if ((a.GetTagItem("db.namespace") ?? a.GetTagItem("db.name")) as string == database && (a.GetTagItem("db.query.text") ?? a.GetTagItem("db.statement")) is not null)
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
