using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Storage;
using Workflows.Engine.TestHost;

namespace Workflows.Engine.Tests.Execution;

public sealed class SqliteRetentionScenarioTests(SqliteEngineFixture f) : RetentionScenarioTests(f.Host), IClassFixture<SqliteEngineFixture>;

public sealed class PostgresRetentionScenarioTests(PostgresEngineFixture f) : RetentionScenarioTests(f.Host), IClassFixture<PostgresEngineFixture>;

/// <summary>Run retention: finished runs go whole, unless they still own live resources or undelivered notifications.</summary>
public abstract class RetentionScenarioTests(EngineHost engine)
{
    [Fact]
    public async Task PruneRuns_DeletesFinishedRunsWhole_AndKeepsRunningOnes_AndRunsWithLiveResourcesOrPendingNotifications()
    {
        var plain = await FinishedAsync("wait");
        var owning = await FinishedAsync("linear"); // test.record records a live test.thing per step
        var notifying = await FinishedAsync("wait");
        var waiting = (await engine.StartRunAsync("approval")).Id;
        await engine.WaitAsync(waiting, r => r.Steps.Single(s => s.StepId == "gate").Status == StepStatus.Waiting);
        var database = engine.Services.GetRequiredService<EngineDatabase>();
        await using (var c = await database.OpenAsync())
        {
            await c.ExecuteAsync(
                "INSERT INTO wf_notifications (id, run_id, event, channel, payload, status, next_at, created_at) VALUES (@id, @run, 'run.succeeded', 'ops', '{}', 'Pending', @far, 0)",
                new { id = Guid.NewGuid().ToString(), run = notifying.ToString(), far = long.MaxValue / 2 });
        }

        var retention = engine.Services.GetRequiredService<RunStore>().Retention;
        var later = DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds();

        Assert.True(await retention.PruneRunsAsync(later, 1000, CancellationToken.None) >= 1);

        Assert.Equal(5, await CountAsync(database, "wf_resources", owning));
        Assert.Null(await engine.Queries.GetAsync(plain));
        Assert.Empty(await engine.Queries.GetAuditAsync(plain));
        Assert.Empty((await engine.Queries.GetLogsAsync(plain)).Chunks);
        Assert.Equal(0, await CountAsync(database, "wf_steps", plain) + await CountAsync(database, "wf_attempts", plain));
        Assert.NotNull(await engine.Queries.GetAsync(owning));
        Assert.NotNull(await engine.Queries.GetAsync(notifying));
        Assert.NotNull(await engine.Queries.GetAsync(waiting));

        // Once the resource is deleted and the notification delivered, they go too; the running run never does.
        await using (var c = await database.OpenAsync())
        {
            await c.ExecuteAsync("UPDATE wf_resources SET deleted_at = 1 WHERE run_id = @run", new { run = owning.ToString() });
            await c.ExecuteAsync("UPDATE wf_notifications SET status = 'Delivered', delivered_at = 1 WHERE run_id = @run", new { run = notifying.ToString() });
        }

        await retention.PruneRunsAsync(later, 1000, CancellationToken.None);

        Assert.Null(await engine.Queries.GetAsync(owning));
        Assert.Null(await engine.Queries.GetAsync(notifying));
        Assert.Equal(0, await CountAsync(database, "wf_resources", owning) + await CountAsync(database, "wf_notifications", notifying));
        Assert.NotNull(await engine.Queries.GetAsync(waiting));
        await engine.Commands.CancelAsync(waiting, "tester");
    }

    private static async Task<int> CountAsync(EngineDatabase database, string table, Guid run)
    {
        await using var c = await database.OpenAsync();
        return await c.ExecuteScalarAsync<int>($"SELECT COUNT(*) FROM {table} WHERE run_id = @run", new { run = run.ToString() });
    }

    private async Task<Guid> FinishedAsync(string workflow)
    {
        var run = await engine.StartRunAsync(workflow);
        Assert.Equal(RunStatus.Succeeded, (await engine.WaitFinishedAsync(run.Id)).Run.Status);
        return run.Id;
    }
}
