using System.Data.Common;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Tests.Execution;

public abstract class StartTransactionFixture(string provider) : IAsyncLifetime
{
    public EngineHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await EngineHost.StartAsync(provider, new Dictionary<string, string> { ["gated"] = PlanGateFixture.Gated });

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

public sealed class SqliteStartTransactionFixture() : StartTransactionFixture("sqlite");

public sealed class PostgresStartTransactionFixture() : StartTransactionFixture("postgres");

public sealed class SqliteStartTransactionTests(SqliteStartTransactionFixture f) : StartTransactionTests(f.Host), IClassFixture<SqliteStartTransactionFixture>;

public sealed class PostgresStartTransactionTests(PostgresStartTransactionFixture f) : StartTransactionTests(f.Host), IClassFixture<PostgresStartTransactionFixture>;

/// <summary>Starting a run is one transaction: run, steps, plan, idempotency key, audit and first dispatches, or nothing (issue 12).</summary>
public abstract class StartTransactionTests(EngineHost engine)
{
    private EngineDatabase Database => engine.Services.GetRequiredService<EngineDatabase>();

    private Task<RunSummary> StartAsync(string actor, string key) =>
        engine.Commands.StartAsync(new StartRunRequest("gated", new Dictionary<string, JsonNode?>(), new TriggerInfo(TriggerKind.Api, actor)) { IdempotencyKey = key });

    [Fact]
    public async Task StartAsync_LeavesNoRunAndNoKey_WhenStoringThePlanFails()
    {
        var actor = $"sam-{Guid.NewGuid():N}"[..16];
        var key = Guid.NewGuid().ToString();
        await RefusePlansOfAsync(actor);

        var e = await Assert.ThrowsAnyAsync<DbException>(() => StartAsync(actor, key));

        Assert.Contains("injected", e.Message, StringComparison.Ordinal);
        await using (var c = await Database.OpenAsync())
        {
            Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM wf_runs WHERE trigger_actor = @actor", new { actor }));
            Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM wf_steps s WHERE NOT EXISTS (SELECT 1 FROM wf_runs r WHERE r.id = s.run_id)"));
            Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM wf_audit WHERE actor = @actor", new { actor }));
            Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM wf_idempotency WHERE scope = @actor", new { actor }));
        }

        // The key was never stored, so the client's retry with it starts the run (rather than replaying one that does not exist).
        await AcceptPlansOfAsync(actor);
        var run = await StartAsync(actor, key);

        var plan = await engine.Services.GetRequiredService<IRunPlans>().GetAsync(run.Id);
        Assert.NotNull(plan);
        var audit = await engine.Queries.GetAuditAsync(run.Id);
        Assert.Equal(["run.created", "run.planned", "run.started"], audit.Select(a => a.Kind).Take(3));
        await engine.Commands.CancelAsync(run.Id, "tester");
    }

    [Fact]
    public async Task StartAsync_ReturnsWhatItCommitted_WithTheFirstStepAlreadyDispatched()
    {
        var actor = $"sam-{Guid.NewGuid():N}"[..16];

        var run = await StartAsync(actor, Guid.NewGuid().ToString());

        Assert.Equal(RunStatus.Running, run.Status);
        var stored = await engine.Queries.GetAsync(run.Id);
        Assert.NotNull(stored);
        Assert.Equal(run.StartedAt, stored.Run.StartedAt);
        Assert.Equal(run.CreatedAt, stored.Run.CreatedAt);
        Assert.NotEqual(StepStatus.Pending, stored.Steps[0].Status);
        await engine.Commands.CancelAsync(run.Id, "tester");
    }

    // A trigger refuses the plans of one actor only, so the other tests' starts on this database are untouched.
    private async Task RefusePlansOfAsync(string actor)
    {
        await using var c = await Database.OpenAsync();
        if (Database.Kind == DatabaseKind.Postgres)
        {
            await c.ExecuteAsync($"""
                CREATE FUNCTION refuse_{actor.Replace('-', '_')}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN IF NEW.actor = '{actor}' THEN RAISE EXCEPTION 'injected: the plan of {actor} cannot be stored'; END IF; RETURN NEW; END $$;
                CREATE TRIGGER refuse_{actor.Replace('-', '_')} BEFORE INSERT ON wf_run_plans FOR EACH ROW EXECUTE FUNCTION refuse_{actor.Replace('-', '_')}();
                """);
        }
        else
        {
            await c.ExecuteAsync($"CREATE TRIGGER refuse_{actor.Replace('-', '_')} BEFORE INSERT ON wf_run_plans WHEN NEW.actor = '{actor}' BEGIN SELECT RAISE(ABORT, 'injected: the plan of {actor} cannot be stored'); END;");
        }
    }

    private async Task AcceptPlansOfAsync(string actor)
    {
        await using var c = await Database.OpenAsync();
        await c.ExecuteAsync(Database.Kind == DatabaseKind.Postgres ? $"DROP TRIGGER refuse_{actor.Replace('-', '_')} ON wf_run_plans" : $"DROP TRIGGER refuse_{actor.Replace('-', '_')}");
    }
}
