using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Execution;
using Workflows.Engine.TestHost;

namespace Workflows.Engine.Tests.Execution;

/// <summary>
/// A run started on a server with a free worker: its first step is claimed in the start transaction and runs on that
/// server without a Hangfire job; never more such executions than the server's workers, the rest go through the queue.
/// </summary>
public sealed class InlineStartTests : IAsyncLifetime
{
    private const string Held = """
        name: held
        steps:
          - id: work
            uses: test.record
            with: { value: held, gated: true }
          - id: after
            needs: [work]
            uses: test.record
            with: { value: "${{ steps.work.outputs.value }}-after" }
        """;

    private const string Plain = """
        name: plain
        steps:
          - id: a
            uses: test.record
            with: { value: a }
          - id: b
            needs: [a]
            uses: test.record
            with: { value: "${{ steps.a.outputs.value }}b" }
        """;

    private readonly string gate = Path.Combine(Path.GetTempPath(), $"wf-inline-gate-{Guid.NewGuid():N}");
    private EngineHost engine = null!;

    public async Task InitializeAsync()
    {
        // test.record with gated: true works while this file exists (no other in-process test uses the gate).
        Effects.Gate = gate;
        engine = await EngineHost.StartAsync("postgres", new Dictionary<string, string> { ["held"] = Held, ["plain"] = Plain }, s => s["Workflows:Workers"] = "2");
    }

    public async Task DisposeAsync()
    {
        File.Delete(gate);
        await engine.DisposeAsync();
    }

    [Fact]
    public async Task StartAsync_RunsTheFirstStepWithoutAJob_WhenAWorkerIsFree()
    {
        var id = (await engine.StartRunAsync("plain")).Id;

        var run = await engine.WaitFinishedAsync(id);
        Assert.Equal(RunStatus.Succeeded, run.Run.Status);
        Assert.Equal("ab", run.Steps.Single(s => s.StepId == "b").Outputs?["value"]?.GetValue<string>());
        Assert.All(run.Steps, s => Assert.Single(s.Attempts));
        Assert.Equal(0, await JobsOfAsync(id)); // a started on the start's commit, b inline after it
    }

    [Fact]
    public async Task StartAsync_DispatchesTheFirstStepAsAJob_WhenEveryWorkerIsBusy()
    {
        await File.WriteAllTextAsync(gate, "");
        var executions = engine.Services.GetRequiredService<StepExecutions>();
        var first = (await engine.StartRunAsync("held")).Id;
        var second = (await engine.StartRunAsync("held")).Id;
        Assert.Equal(2, executions.Background); // both workers of this server hold a first step (behind the gate)

        var third = (await engine.StartRunAsync("held")).Id;
        Assert.Equal(2, executions.Background);
        await engine.WaitAsync(third, r => r.Steps.Single(s => s.StepId == "work").Status == StepStatus.Running);
        Assert.Equal(0, await JobsOfAsync(first));
        Assert.Equal(0, await JobsOfAsync(second));
        Assert.Equal(1, await JobsOfAsync(third)); // the queue's job, run by a Hangfire worker

        File.Delete(gate);
        foreach (var id in new[] { first, second, third })
        {
            var run = await engine.WaitFinishedAsync(id);
            Assert.Equal(RunStatus.Succeeded, run.Run.Status);
            Assert.All(run.Steps, s => Assert.Single(s.Attempts));
            Assert.Equal("held-after", run.Steps.Single(s => s.StepId == "after").Outputs?["value"]?.GetValue<string>());
        }

        // The slots are given back once the last result is applied (just after the run was seen finished).
        var stop = DateTime.UtcNow.AddSeconds(30);
        while (executions.Background > 0 && DateTime.UtcNow < stop)
        {
            await Task.Delay(20);
        }

        Assert.Equal(0, executions.Background);
    }

    [Fact]
    public async Task StartAsync_HandsTheReservationToTheFirstStep_WhichGivesItBackWhenItEnds()
    {
        await File.WriteAllTextAsync(gate, "");
        var executions = engine.Services.GetRequiredService<StepExecutions>();

        var id = (await engine.StartRunAsync("held")).Id;
        Assert.Equal(1, executions.Background); // the start returned; its reservation now belongs to the step behind the gate
        Assert.Equal(1, executions.Busy);

        File.Delete(gate);
        Assert.Equal(RunStatus.Succeeded, (await engine.WaitFinishedAsync(id)).Run.Status);
        await executions.StopAsync(CancellationToken.None); // waits for the background execution to end
        Assert.Equal(0, executions.Background);
        Assert.Equal(0, executions.Busy);
    }

    [Fact]
    public async Task StartAsync_GivesTheReservationBack_WhenItsTransactionFails()
    {
        var executions = engine.Services.GetRequiredService<StepExecutions>();
        await using (var c = new NpgsqlConnection(engine.Database))
        {
            // What a unique-key conflict inside the start transaction looks like to the engine, after the reservation.
            await c.ExecuteAsync("""
                CREATE FUNCTION wf_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'refused by the test' USING ERRCODE = '23505'; END $$;
                CREATE TRIGGER wf_test_refuse BEFORE INSERT ON wf_steps FOR EACH ROW EXECUTE FUNCTION wf_test_refuse();
                """);
        }

        for (var i = 0; i < 3; i++)
        {
            // More failed starts than the server has workers: a leaked reservation would show, and starve the next start.
            var e = await Assert.ThrowsAnyAsync<Exception>(() => engine.StartRunAsync("plain"));
            Assert.Contains("refused by the test", e.ToString(), StringComparison.Ordinal);
            Assert.Equal(0, executions.Background);
            Assert.Equal(0, executions.Busy);
        }

        await using (var c = new NpgsqlConnection(engine.Database))
        {
            await c.ExecuteAsync("DROP TRIGGER wf_test_refuse ON wf_steps");
        }

        var id = (await engine.StartRunAsync("plain")).Id;
        Assert.Equal(RunStatus.Succeeded, (await engine.WaitFinishedAsync(id)).Run.Status);
        Assert.Equal(0, await JobsOfAsync(id)); // a worker was still free for it: it ran inline
        await using var db = new NpgsqlConnection(engine.Database);
        Assert.Equal(1, await db.ExecuteScalarAsync<long>("SELECT count(*) FROM wf_runs")); // the failed starts left nothing
    }

    [Fact]
    public async Task StartAsync_DispatchesTheFirstStepAsAJob_OnAServerWithoutWorkers()
    {
        await using var producer = await EngineHost.StartAsync("postgres", new Dictionary<string, string> { ["plain"] = Plain }, s => s["Workflows:RunWorkers"] = "false");
        var id = (await producer.StartRunAsync("plain")).Id;

        var run = await producer.Queries.GetAsync(id);
        Assert.Equal(StepStatus.Scheduled, run!.Steps.Single(s => s.StepId == "a").Status);
        await using var c = new NpgsqlConnection(producer.Database);
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM hangfire.job WHERE arguments::text LIKE @pattern", new { pattern = $"%{id}%" }));
    }

    private async Task<long> JobsOfAsync(Guid runId)
    {
        await using var c = new NpgsqlConnection(engine.Database);
        return await c.ExecuteScalarAsync<long>("SELECT count(*) FROM hangfire.job WHERE arguments::text LIKE @pattern", new { pattern = $"%{runId}%" });
    }
}
