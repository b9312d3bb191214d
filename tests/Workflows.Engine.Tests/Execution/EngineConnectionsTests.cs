using Npgsql;

namespace Workflows.Engine.Tests.Execution;

/// <summary>
/// A stopped engine gives its PostgreSQL connections back at once. Before, both of its pools (the engine's and Hangfire's)
/// kept their idle connections for Npgsql's idle lifetime (5 minutes) after the host was disposed, so a process that
/// starts and stops engines (the test suites; an embedding application) ran PostgreSQL out of connections (53300 "too many
/// clients already" in a CI run).
/// </summary>
public sealed class EngineConnectionsTests
{
    [Fact]
    public async Task DisposedEngine_HasClosedEveryConnection_OfBothPools()
    {
        var application = $"wf-conn-{Guid.NewGuid():N}"[..24];
        var host = await EngineHost.StartAsync("postgres", Scenarios.All, s =>
            s["Workflows:ConnectionString"] = new NpgsqlConnectionStringBuilder(s["Workflows:ConnectionString"]) { ApplicationName = application }.ConnectionString);
        var disposed = false;
        try
        {
            // A run, so the engine's pool and Hangfire's (a job per step) both hold connections.
            var run = await host.StartRunAsync("dag");
            Assert.Equal("Succeeded", (await host.WaitFinishedAsync(run.Id)).Run.Status.ToString());
            Assert.True(await CountAsync(application) > 1, "the running engine holds connections");

            await host.DisposeAsync();
            disposed = true;

            // A backend ends a moment after its client closed the socket: wait for that, far below the idle lifetime.
            var count = -1;
            for (var i = 0; i < 100 && count != 0; i++)
            {
                count = await CountAsync(application);
                if (count != 0)
                {
                    await Task.Delay(100);
                }
            }

            Assert.Equal(0, count);
        }
        finally
        {
            if (!disposed)
            {
                await host.DisposeAsync();
            }
        }
    }

    private static async Task<int> CountAsync(string application)
    {
        await using var c = new NpgsqlConnection(Environment.GetEnvironmentVariable("WORKFLOWS_TEST_POSTGRES"));
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*)::int FROM pg_stat_activity WHERE application_name = @a", c);
        cmd.Parameters.AddWithValue("a", application);
        return (int)(await cmd.ExecuteScalarAsync())!;
    }
}
